package org

import (
	"context"
	"errors"
	"slices"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/store"
)

// GroupRule maps a group of a company's identity provider to an
// organisation role and, optionally, a team ([[sso.groups]]).
type GroupRule struct {
	Group string
	Org   string
	Team  string       // "" for the org only
	Role  core.OrgRole // member when empty
}

// SyncGroups applies the groups an identity provider says u is in to u's
// memberships of the organisations and teams the rules name, at each
// sign-in through the provider: what the groups give is added, what they
// no longer give is removed. Orgs and teams the rules do not name are
// left alone, and so is the last owner of an org. The operator's mapping
// is the authority here (no member acts), so no authz decision applies;
// every change records its event in one transaction, as `npm org` and
// `npm team` changes do, with via naming the provider, and the org's
// owners and the user are mailed from the outbox. Orgs or teams that do
// not exist are skipped and logged: the operator creates them.
func (s *Service) SyncGroups(ctx context.Context, u *core.User, groups []string, rules []GroupRule, via string) error {
	if len(rules) == 0 || u.Disabled() || !u.EmailVerified {
		return nil
	}
	type want struct {
		role  core.OrgRole
		teams map[string]bool // team -> wanted
	}
	orgs := map[string]*want{}
	var order []string
	for _, r := range rules {
		w := orgs[r.Org]
		if w == nil {
			w = &want{teams: map[string]bool{}}
			orgs[r.Org] = w
			order = append(order, r.Org)
		}
		in := slices.Contains(groups, r.Group)
		if r.Team != "" {
			w.teams[r.Team] = w.teams[r.Team] || in
		}
		if in {
			role := r.Role
			if role == "" {
				role = core.OrgMember
			}
			if rank(role) > rank(w.role) {
				w.role = role
			}
		}
	}
	now := s.now()
	actor := "sso"
	changed := false
	err := s.store.Update(ctx, func(tx store.Tx) error {
		for _, name := range order {
			w := orgs[name]
			o, err := tx.OrgByName(name)
			if errors.Is(err, core.ErrNotFound) || (err == nil && !o.DeletedAt.IsZero()) {
				s.log.WarnContext(ctx, "sso: a group mapping names an organisation that does not exist; create it", "org", name)
				continue
			}
			if err != nil {
				return err
			}
			ms, err := tx.OrgMembers(o.ID)
			if err != nil {
				return err
			}
			var current core.OrgRole
			owners := 0
			for _, m := range ms {
				if m.User.ID == u.ID {
					current = m.Role
				}
				if m.Role == core.OrgOwner {
					owners++
				}
			}
			lastOwner := current == core.OrgOwner && owners <= 1
			if w.role == "" {
				if current != "" && !lastOwner {
					if err := tx.RemoveOrgMember(o.ID, u.ID); err != nil {
						return err
					}
					to, err := notify(tx, o.ID, u.Name)
					if err != nil {
						return err
					}
					if err := tx.AppendEvent(event.OrgMemberRemove{Org: o.Name, User: u.Name, Role: string(current), Via: via, Notify: to}.At(now, actor)); err != nil {
						return err
					}
					changed = true
				}
				continue
			}
			if current != w.role && !lastOwner {
				if err := tx.SetOrgMember(o.ID, u.ID, w.role, now); err != nil {
					return err
				}
				to, err := notify(tx, o.ID, u.Name)
				if err != nil {
					return err
				}
				if err := tx.AppendEvent(event.OrgMemberSet{Org: o.Name, User: u.Name, Role: string(w.role), Previous: string(current), Via: via, Notify: to}.At(now, actor)); err != nil {
					return err
				}
				changed = true
			}
			teams := make([]string, 0, len(w.teams))
			for t := range w.teams {
				teams = append(teams, t)
			}
			slices.Sort(teams)
			for _, tn := range teams {
				t, err := tx.TeamByName(o.ID, tn)
				if errors.Is(err, core.ErrNotFound) {
					s.log.WarnContext(ctx, "sso: a group mapping names a team that does not exist; create it", "org", o.Name, "team", tn)
					continue
				}
				if err != nil {
					return err
				}
				members, err := tx.TeamMembers(t.ID)
				if err != nil {
					return err
				}
				in := slices.ContainsFunc(members, func(m core.User) bool { return m.ID == u.ID })
				if in == w.teams[tn] {
					continue
				}
				to, err := notify(tx, o.ID, u.Name)
				if err != nil {
					return err
				}
				if w.teams[tn] {
					if err := tx.AddTeamMember(t.ID, u.ID); err != nil {
						return err
					}
					err = tx.AppendEvent(event.TeamMemberAdd{Org: o.Name, Team: t.Name, User: u.Name, Via: via, Notify: to}.At(now, actor))
				} else {
					if err := tx.RemoveTeamMember(t.ID, u.ID); err != nil {
						return err
					}
					err = tx.AppendEvent(event.TeamMemberRemove{Org: o.Name, Team: t.Name, User: u.Name, Via: via, Notify: to}.At(now, actor))
				}
				if err != nil {
					return err
				}
				changed = true
			}
		}
		return nil
	})
	if err == nil && changed {
		s.notices.Wake()
	}
	return err
}

// rank orders roles by power, "" lowest.
func rank(r core.OrgRole) int {
	switch r {
	case core.OrgOwner:
		return 3
	case core.OrgAdmin:
		return 2
	case core.OrgMember:
		return 1
	}
	return 0
}
