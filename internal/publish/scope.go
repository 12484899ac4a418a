package publish

import (
	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/ecosystem"
	"github.com/rampart/rampart/internal/orgfacts"
)

// Scope policy (docs/policies/scopes.md): a scope "@x/" belongs to the
// organisation named x, or else to the user named x, so nobody else can
// publish a new package in it: no scope squatting, no @alice/ published
// by bob, and a company that registers its name owns every new package
// under it (dependency confusion). In an org's scope, the members of its
// developers team create packages (authz.Authorize decides, on the org's
// facts). The rule applies to new names only; packages already in a
// scope keep their maintainers, who may go on publishing versions.

// checkScope refuses to create the package name in a scope the principal
// does not own. Unscoped names are left to the other name rules.
func checkScope(tx orgfacts.UsersOrgs, f ecosystem.Format, p authz.Principal, name string) error {
	scoped, ok := f.(ecosystem.Scopes)
	if !ok {
		return nil
	}
	scope := scoped.Scope(name)
	if scope == "" {
		return nil
	}
	owner, err := orgfacts.OwnerOfScope(tx, scope)
	if err != nil {
		return err
	}
	switch {
	case owner.Org != nil && owner.Facts == nil:
		return core.Errorf(core.KindForbidden, "the scope @%s belonged to the organisation %s, which was deleted; nobody can create packages in @%s/ any more. Publish under your own scope (@%s/...) or without one",
			scope, scope, scope, p.Name())
	case owner.Org != nil:
		return authz.Authorize(p, authz.CreatePackage, authz.Resource{Package: core.PackageRef{Ecosystem: f.Ecosystem(), Name: name}, Org: owner.Facts})
	case owner.User != nil && p.User != nil && owner.User.ID == p.User.ID:
		return nil
	}
	own := "@" + p.Name() + "/"
	if owner.User == nil {
		return core.Errorf(core.KindForbidden, "the scope @%s belongs to the user %s, and there is no such account on this registry; only that account may create packages in @%s/. Publish under your own scope (%s...) or without one",
			scope, scope, scope, own)
	}
	return core.Errorf(core.KindForbidden, "the scope @%s belongs to the user %s; only %s may create packages in @%s/. Publish under your own scope (%s...), or ask %s to publish the package and add you with `npm owner add %s <package>`",
		scope, owner.User.Name, owner.User.Name, scope, own, owner.User.Name, p.Name())
}
