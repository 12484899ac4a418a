package org

import (
	"context"
	"errors"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/store"
)

// Member is one member of an org as its lists show them.
type Member struct {
	Name string
	Role core.OrgRole
}

// Members lists the org's members with their roles, by name; members
// only.
func (s *Service) Members(ctx context.Context, p authz.Principal, name string) ([]Member, error) {
	var out []Member
	err := s.view(ctx, p, name, func(tx store.Tx, o *core.Org, _ *authz.OrgFacts) error {
		ms, err := tx.OrgMembers(o.ID)
		if err != nil {
			return err
		}
		out = make([]Member, len(ms))
		for i, m := range ms {
			out[i] = Member{Name: m.User.Name, Role: m.Role}
		}
		return nil
	})
	return out, err
}

// Size is how many members the org has (npm's `org set` prints it).
func (s *Service) Size(ctx context.Context, p authz.Principal, name string) (int, error) {
	ms, err := s.Members(ctx, p, name)
	return len(ms), err
}

// SetMember adds user to the org with role, or changes their role.
// Adding an owner, changing a role and removing an owner need a fresh
// second factor (authz); an org keeps at least one owner. A new member
// joins no team: an owner or admin adds them to the teams whose grants
// they should have (the developers team to create packages).
func (s *Service) SetMember(ctx context.Context, p authz.Principal, name, user string, role core.OrgRole) error {
	if !role.Valid() {
		return core.Errorf(core.KindInvalid, "role must be owner, admin or member (npm's developer), not %q", role)
	}
	var u *core.User
	prepare := func(tx store.Tx, o *core.Org, f *authz.OrgFacts) error {
		var err error
		if u, err = member(tx, user); err != nil {
			return err
		}
		f.Target, f.TargetRole, f.NewRole = u.ID, f.Roles[u.ID], role
		return nil
	}
	return s.change(ctx, p, name, authz.OrgMembers, prepare, func(tx store.Tx, o *core.Org, f *authz.OrgFacts) error {
		prev := f.TargetRole
		if prev == role {
			return nil
		}
		if prev == core.OrgOwner {
			if err := keepAnOwner(f, u); err != nil {
				return err
			}
		}
		if err := tx.SetOrgMember(o.ID, u.ID, role, s.now()); err != nil {
			return err
		}
		to, err := notify(tx, o.ID, u.Name)
		if err != nil {
			return err
		}
		h := how(p)
		return tx.AppendEvent(event.OrgMemberSet{Org: o.Name, User: u.Name, Role: string(role), Previous: string(prev),
			Via: h.via, IP: h.ip, Notify: to}.At(s.now(), actor(p)))
	})
}

// keepAnOwner refuses to take the last owner's role away.
func keepAnOwner(f *authz.OrgFacts, u *core.User) error {
	n := 0
	for _, r := range f.Roles {
		if r == core.OrgOwner {
			n++
		}
	}
	if n <= 1 {
		return core.Errorf(core.KindInvalid, "%s is the only owner of %s; make someone else an owner first (npm org set %s <user> owner), or delete the organisation", u.Name, f.Name, f.Name)
	}
	return nil
}

// RemoveMember removes user from the org and its teams. A member may
// remove themselves (leave); the last owner may not.
func (s *Service) RemoveMember(ctx context.Context, p authz.Principal, name, user string) error {
	var u *core.User
	prepare := func(tx store.Tx, o *core.Org, f *authz.OrgFacts) error {
		var err error
		u, err = tx.UserByName(user)
		if errors.Is(err, core.ErrNotFound) || (err == nil && f.Roles[u.ID] == "") {
			return core.Errorf(core.KindNotFound, "%s is not a member of %s", user, name)
		}
		if err != nil {
			return err
		}
		f.Target, f.TargetRole = u.ID, f.Roles[u.ID]
		return nil
	}
	return s.change(ctx, p, name, authz.OrgMembers, prepare, func(tx store.Tx, o *core.Org, f *authz.OrgFacts) error {
		if f.TargetRole == core.OrgOwner {
			if err := keepAnOwner(f, u); err != nil {
				return err
			}
		}
		if err := tx.RemoveOrgMember(o.ID, u.ID); err != nil {
			return err
		}
		to, err := notify(tx, o.ID, u.Name)
		if err != nil {
			return err
		}
		h := how(p)
		return tx.AppendEvent(event.OrgMemberRemove{Org: o.Name, User: u.Name, Role: string(f.TargetRole),
			Via: h.via, IP: h.ip, Notify: to}.At(s.now(), actor(p)))
	})
}

// Delete deletes the org: members, teams and grants go; the packages in
// its scope stay with their listed maintainers as ordinary packages (no
// org facts apply to a deleted org); the name and scope stay held, so
// nobody can create packages there or take them over.
func (s *Service) Delete(ctx context.Context, p authz.Principal, name string) error {
	return s.change(ctx, p, name, authz.OrgDelete, nil, func(tx store.Tx, o *core.Org, f *authz.OrgFacts) error {
		to, err := owners(tx, o.ID)
		if err != nil {
			return err
		}
		if err := tx.DeleteOrg(o.ID, s.now()); err != nil {
			return err
		}
		h := how(p)
		return tx.AppendEvent(event.OrgDelete{Org: o.Name, Via: h.via, IP: h.ip, Notify: to}.At(s.now(), actor(p)))
	})
}

// Mine lists the caller's orgs with their role.
func (s *Service) Mine(ctx context.Context, p authz.Principal) ([]core.OrgMembership, error) {
	if p.User == nil {
		return nil, authz.NotLoggedIn()
	}
	var out []core.OrgMembership
	err := s.store.View(ctx, func(tx store.Tx) error {
		var err error
		out, err = tx.OrgsOfUser(p.User.ID)
		return err
	})
	return out, err
}
