package publish

import (
	"errors"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/ecosystem"
	"github.com/rampart/rampart/internal/orgfacts"
	"github.com/rampart/rampart/internal/store"
)

// Scope policy (docs/policies/scopes.md): a scope "@x/" belongs to the
// organisation named x, or else to the user named x, so nobody else can
// publish a new package in it: no scope squatting, no @alice/ published
// by bob, and a company that registers its name owns every new package
// under it (dependency confusion). In an org's scope, the members of its
// developers team create packages (authz.Authorize decides, on the org's
// facts). The rule applies to new names only; packages already in a
// scope keep their maintainers, who may go on publishing versions.

// usersOrgs finds a scope's owner: an org, or a user.
type usersOrgs interface {
	store.Users
	store.Orgs
}

// checkScope refuses to create the package name in a scope the principal
// does not own. Unscoped names are left to the other name rules.
func checkScope(tx usersOrgs, f ecosystem.Format, p authz.Principal, name string) error {
	scoped, ok := f.(ecosystem.Scopes)
	if !ok {
		return nil
	}
	scope := scoped.Scope(name)
	if scope == "" {
		return nil
	}
	org, facts, err := orgfacts.Org(tx, scope)
	if err != nil {
		return err
	}
	switch {
	case org != nil && facts == nil:
		return core.Errorf(core.KindForbidden, "the scope @%s belonged to the organisation %s, which was deleted; nobody can create packages in @%s/ any more. Publish under your own scope (@%s/...) or without one",
			scope, scope, scope, p.Name())
	case org != nil:
		return authz.Authorize(p, authz.CreatePackage, authz.Resource{Package: core.PackageRef{Ecosystem: f.Ecosystem(), Name: name}, Org: facts})
	}
	owner, err := scopeOwner(tx, scope)
	if err != nil {
		return err
	}
	if owner != nil && p.User != nil && owner.ID == p.User.ID {
		return nil
	}
	own := "@" + p.Name() + "/"
	if owner == nil {
		return core.Errorf(core.KindForbidden, "the scope @%s belongs to the user %s, and there is no such account on this registry; only that account may create packages in @%s/. Publish under your own scope (%s...) or without one",
			scope, scope, scope, own)
	}
	return core.Errorf(core.KindForbidden, "the scope @%s belongs to the user %s; only %s may create packages in @%s/. Publish under your own scope (%s...), or ask %s to publish the package and add you with `npm owner add %s <package>`",
		scope, owner.Name, owner.Name, scope, own, owner.Name, p.Name())
}

// scopeOwner returns the account that owns scope, or nil if none does.
// Today that is the user of the same name. Organisations will own scopes
// too: this is the one place to look them up, and the one place to answer
// with the organisation's members who may create packages.
func scopeOwner(tx store.Users, scope string) (*core.User, error) {
	u, err := tx.UserByName(scope)
	if errors.Is(err, core.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return u, nil
}
