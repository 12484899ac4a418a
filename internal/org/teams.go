package org

import (
	"context"
	"errors"
	"regexp"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/store"
)

// teamName is what a team may be called: npm's rule for team names
// (lower case letters, digits, "-", "_" and ".", starting with a letter
// or digit, at most 50 characters).
var teamName = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,49}$`)

// CreateTeam creates a team in the org.
func (s *Service) CreateTeam(ctx context.Context, p authz.Principal, name, team, description string) error {
	if !teamName.MatchString(team) {
		return core.Errorf(core.KindInvalid, "%q is not a valid team name: use 1 to 50 lower-case letters, digits, '-', '_' or '.', starting with a letter or digit", team)
	}
	if len(description) > limits.MaxTeamDescriptionBytes {
		return core.Errorf(core.KindInvalid, "the team's description is %d bytes long; use at most %d", len(description), limits.MaxTeamDescriptionBytes)
	}
	return s.change(ctx, p, name, authz.OrgTeams, nil, func(tx store.Tx, o *core.Org, f *authz.OrgFacts) error {
		t := &core.Team{OrgID: o.ID, Name: team, Description: description, CreatedAt: s.now()}
		if err := tx.CreateTeam(t); err != nil {
			if errors.Is(err, core.ErrConflict) {
				return core.Errorf(core.KindConflict, "the team %s:%s already exists", o.Name, team)
			}
			return err
		}
		to, err := owners(tx, o.ID)
		if err != nil {
			return err
		}
		h := how(p)
		return tx.AppendEvent(event.TeamCreate{Org: o.Name, Team: team, Via: h.via, IP: h.ip, Notify: to}.At(s.now(), actor(p)))
	})
}

// team finds a team of o.
func team(tx store.Orgs, o *core.Org, name string) (*core.Team, error) {
	t, err := tx.TeamByName(o.ID, name)
	if errors.Is(err, core.ErrNotFound) {
		return nil, core.Errorf(core.KindNotFound, "there is no team %s:%s", o.Name, name)
	}
	return t, err
}

// DestroyTeam deletes a team with its members and grants. The
// developers team stays: it says who may create packages in the scope.
func (s *Service) DestroyTeam(ctx context.Context, p authz.Principal, name, teamName string) error {
	if teamName == core.DevelopersTeam {
		return core.Errorf(core.KindInvalid, "the team %s:%s cannot be deleted: its members are who may create packages in @%s/; remove members from it instead", name, teamName, name)
	}
	return s.change(ctx, p, name, authz.OrgTeamDelete, nil, func(tx store.Tx, o *core.Org, f *authz.OrgFacts) error {
		t, err := team(tx, o, teamName)
		if err != nil {
			return err
		}
		members, err := tx.TeamMembers(t.ID)
		if err != nil {
			return err
		}
		if err := tx.DeleteTeam(t.ID); err != nil {
			return err
		}
		to, err := notify(tx, o.ID, core.UserNames(members)...)
		if err != nil {
			return err
		}
		h := how(p)
		return tx.AppendEvent(event.TeamDelete{Org: o.Name, Team: t.Name, Via: h.via, IP: h.ip, Notify: to}.At(s.now(), actor(p)))
	})
}

// Teams lists the org's team names; members only.
func (s *Service) Teams(ctx context.Context, p authz.Principal, name string) ([]core.Team, error) {
	var out []core.Team
	err := s.view(ctx, p, name, func(tx store.Tx, o *core.Org, _ *authz.OrgFacts) error {
		var err error
		out, err = tx.Teams(o.ID)
		return err
	})
	return out, err
}

// TeamMembers lists a team's members by name; org members only.
func (s *Service) TeamMembers(ctx context.Context, p authz.Principal, name, teamName string) ([]string, error) {
	var out []string
	err := s.view(ctx, p, name, func(tx store.Tx, o *core.Org, _ *authz.OrgFacts) error {
		t, err := team(tx, o, teamName)
		if err != nil {
			return err
		}
		us, err := tx.TeamMembers(t.ID)
		out = core.UserNames(us)
		return err
	})
	return out, err
}

// AddTeamMember adds an org member to a team.
func (s *Service) AddTeamMember(ctx context.Context, p authz.Principal, name, teamName, user string) error {
	return s.teamMember(ctx, p, name, teamName, user, true)
}

// RemoveTeamMember removes a member from a team.
func (s *Service) RemoveTeamMember(ctx context.Context, p authz.Principal, name, teamName, user string) error {
	return s.teamMember(ctx, p, name, teamName, user, false)
}

func (s *Service) teamMember(ctx context.Context, p authz.Principal, name, teamName, user string, add bool) error {
	return s.change(ctx, p, name, authz.OrgTeams, nil, func(tx store.Tx, o *core.Org, f *authz.OrgFacts) error {
		t, err := team(tx, o, teamName)
		if err != nil {
			return err
		}
		u, err := tx.UserByName(user)
		if errors.Is(err, core.ErrNotFound) || (err == nil && f.Roles[u.ID] == "") {
			return core.Errorf(core.KindNotFound, "%s is not a member of %s; add them to the organisation first (npm org set %s %s)", user, o.Name, o.Name, user)
		}
		if err != nil {
			return err
		}
		to, err := notify(tx, o.ID, u.Name)
		if err != nil {
			return err
		}
		h := how(p)
		if add {
			if err := tx.AddTeamMember(t.ID, u.ID); err != nil {
				return err
			}
			return tx.AppendEvent(event.TeamMemberAdd{Org: o.Name, Team: t.Name, User: u.Name, Via: h.via, IP: h.ip, Notify: to}.At(s.now(), actor(p)))
		}
		if err := tx.RemoveTeamMember(t.ID, u.ID); err != nil {
			if errors.Is(err, core.ErrNotFound) {
				return core.Errorf(core.KindNotFound, "%s is not in the team %s:%s", user, o.Name, t.Name)
			}
			return err
		}
		return tx.AppendEvent(event.TeamMemberRemove{Org: o.Name, Team: t.Name, User: u.Name, Via: h.via, IP: h.ip, Notify: to}.At(s.now(), actor(p)))
	})
}
