package org

import (
	"context"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
)

// View is an org's page: its members, teams and packages, as a member
// sees them.
type View struct {
	Name     string
	Role     core.OrgRole // the caller's
	Members  []Member
	Teams    []TeamView
	Packages []PackageAccess
}

// TeamView is one team with its members and grants.
type TeamView struct {
	Name, Description string
	Members           []string
	Grants            []core.TeamGrant
}

// View gathers the org's page; members only.
func (s *Service) View(ctx context.Context, p authz.Principal, name string) (*View, error) {
	v := &View{Name: name}
	err := s.view(ctx, p, name, func(tx store.Tx, o *core.Org, f *authz.OrgFacts) error {
		v.Role = f.Roles[p.User.ID]
		ms, err := tx.OrgMembers(o.ID)
		if err != nil {
			return err
		}
		for _, m := range ms {
			v.Members = append(v.Members, Member{Name: m.User.Name, Role: m.Role})
		}
		ts, err := tx.Teams(o.ID)
		if err != nil {
			return err
		}
		for _, t := range ts {
			us, err := tx.TeamMembers(t.ID)
			if err != nil {
				return err
			}
			gs, err := tx.TeamGrants(t.ID)
			if err != nil {
				return err
			}
			v.Teams = append(v.Teams, TeamView{Name: t.Name, Description: t.Description, Members: core.UserNames(us), Grants: gs})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if v.Packages, err = s.Packages(ctx, p, name); err != nil {
		return nil, err
	}
	return v, nil
}
