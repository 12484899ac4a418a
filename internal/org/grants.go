package org

import (
	"context"
	"errors"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/orgfacts"
	"github.com/rampart/rampart/internal/store"
)

// Grant gives a team perm (read-only or read-write) on one of the org's
// packages, or changes it. Granting write access needs a fresh second
// factor (authz).
func (s *Service) Grant(ctx context.Context, p authz.Principal, name, teamName string, pkg core.PackageRef, perm core.Permission) error {
	if !perm.Valid() {
		return core.Errorf(core.KindInvalid, "permissions must be read-only or read-write, not %q", perm)
	}
	prepare := func(tx store.Tx, o *core.Org, f *authz.OrgFacts) error {
		f.Permission = perm
		return nil
	}
	return s.change(ctx, p, name, authz.OrgGrants, prepare, func(tx store.Tx, o *core.Org, f *authz.OrgFacts) error {
		t, pk, prev, err := grantTarget(tx, o, teamName, pkg)
		if err != nil {
			return err
		}
		if prev == perm {
			return nil
		}
		if err := tx.SetTeamGrant(t.ID, pk.ID, perm); err != nil {
			return err
		}
		to, err := teamNotify(tx, o, t)
		if err != nil {
			return err
		}
		h := how(p)
		return tx.AppendEvent(event.TeamGrant{Org: o.Name, Team: t.Name, Permission: string(perm), Previous: string(prev),
			Via: h.via, IP: h.ip, Notify: to}.At(s.now(), actor(p), pk.Name))
	})
}

// Revoke removes a team's grant on a package.
func (s *Service) Revoke(ctx context.Context, p authz.Principal, name, teamName string, pkg core.PackageRef) error {
	return s.change(ctx, p, name, authz.OrgGrants, nil, func(tx store.Tx, o *core.Org, f *authz.OrgFacts) error {
		t, pk, prev, err := grantTarget(tx, o, teamName, pkg)
		if err != nil {
			return err
		}
		if prev == core.PermNone {
			return core.Errorf(core.KindNotFound, "the team %s:%s has no access to %s", o.Name, t.Name, pk.Name)
		}
		if err := tx.RemoveTeamGrant(t.ID, pk.ID); err != nil {
			return err
		}
		to, err := teamNotify(tx, o, t)
		if err != nil {
			return err
		}
		h := how(p)
		return tx.AppendEvent(event.TeamRevoke{Org: o.Name, Team: t.Name, Permission: string(prev),
			Via: h.via, IP: h.ip, Notify: to}.At(s.now(), actor(p), pk.Name))
	})
}

// grantTarget finds the team, the package (which must be in the org's
// scope) and the team's grant on it now.
func grantTarget(tx store.Tx, o *core.Org, teamName string, ref core.PackageRef) (*core.Team, *core.Package, core.Permission, error) {
	if orgfacts.Scope(ref) != o.Name {
		return nil, nil, "", core.Errorf(core.KindInvalid, "%s is not in the scope @%s/: an organisation's teams are granted only its own packages", ref.Name, o.Name)
	}
	t, err := team(tx, o, teamName)
	if err != nil {
		return nil, nil, "", err
	}
	pk, err := tx.PackageByRef(ref)
	if errors.Is(err, core.ErrNotFound) {
		return nil, nil, "", core.Errorf(core.KindNotFound, "package %s was not found", ref.Name)
	}
	if err != nil {
		return nil, nil, "", err
	}
	gs, err := tx.TeamGrants(t.ID)
	if err != nil {
		return nil, nil, "", err
	}
	for _, g := range gs {
		if g.PackageID == pk.ID {
			return t, pk, g.Permission, nil
		}
	}
	return t, pk, core.PermNone, nil
}

// teamNotify is the org's owners and the team's members.
func teamNotify(tx store.Orgs, o *core.Org, t *core.Team) ([]string, error) {
	ms, err := tx.TeamMembers(t.ID)
	if err != nil {
		return nil, err
	}
	return notify(tx, o.ID, core.UserNames(ms)...)
}

// TeamPackages lists a team's grants: package name to permission.
func (s *Service) TeamPackages(ctx context.Context, p authz.Principal, name, teamName string) (map[string]core.Permission, error) {
	out := map[string]core.Permission{}
	err := s.view(ctx, p, name, func(tx store.Tx, o *core.Org, _ *authz.OrgFacts) error {
		t, err := team(tx, o, teamName)
		if err != nil {
			return err
		}
		gs, err := tx.TeamGrants(t.ID)
		for _, g := range gs {
			out[g.Package] = g.Permission
		}
		return err
	})
	return out, err
}

// PackageAccess is one package of an org with the caller's access.
type PackageAccess struct {
	Name       string
	Permission core.Permission // the caller's: read-write if they may publish it
	Grants     []core.TeamGrant
}

// Packages lists the packages in the org's scope, each with what the
// caller may do with it and the teams it is granted to; members only.
func (s *Service) Packages(ctx context.Context, p authz.Principal, name string) ([]PackageAccess, error) {
	var out []PackageAccess
	err := s.view(ctx, p, name, func(tx store.Tx, o *core.Org, _ *authz.OrgFacts) error {
		names, err := tx.ScopePackages(o.Name)
		if err != nil {
			return err
		}
		for _, n := range names {
			ref := core.NPM(n)
			pk, err := tx.PackageByRef(ref)
			if err != nil {
				return err
			}
			if pk.Unpublished() {
				continue
			}
			ms, err := tx.Maintainers(pk.ID)
			if err != nil {
				return err
			}
			f, err := orgfacts.ForPackage(tx, ref, pk.ID)
			if err != nil {
				return err
			}
			res := authz.Resource{Package: ref, Maintainers: ms, Restricted: pk.Access == "restricted", Org: f}
			pa := PackageAccess{Name: n, Permission: core.PermReadOnly}
			if authz.Authorize(p, authz.ReadPackage, res) != nil {
				continue // a restricted package the caller may not see
			}
			if mayWrite(p, res) {
				pa.Permission = core.PermReadWrite
			}
			if pa.Grants, err = tx.PackageGrants(pk.ID); err != nil {
				return err
			}
			out = append(out, pa)
		}
		return nil
	})
	return out, err
}

// mayWrite reports whether p could publish the package, second factors
// aside: the permission a listing shows.
func mayWrite(p authz.Principal, r authz.Resource) bool {
	err := authz.Authorize(p, authz.PublishVersion, r)
	return err == nil || authz.NeedsOTP(err) || core.KindOf(err) == core.KindOTPRequired
}

// Collaborators is who may act on the package through the org that owns
// its scope: each current member's strongest team grant, by name (nil
// if no org owns it). The caller has already been allowed to read the
// package (npm's `access list collaborators` reads it first).
func (s *Service) Collaborators(ctx context.Context, ref core.PackageRef) (map[string]core.Permission, error) {
	var out map[string]core.Permission
	err := s.store.View(ctx, func(tx store.Tx) error {
		pk, err := tx.PackageByRef(ref)
		if err != nil {
			return err
		}
		f, err := orgfacts.ForPackage(tx, ref, pk.ID)
		if err != nil || f == nil {
			return err
		}
		out = map[string]core.Permission{}
		for id, perm := range f.Grants {
			if f.Roles[id] == "" {
				continue
			}
			u, err := tx.UserByID(id)
			if err != nil {
				return err
			}
			out[u.Name] = perm
		}
		return nil
	})
	return out, err
}
