// Package orgfacts reads from the store what authorization knows of an
// organisation (authz.OrgFacts): who its members are, with their roles,
// who may create packages in its scope, and each user's grant on one of
// its packages. The registry, the publish path and the org service ask
// it, so that every package action and org action is decided on the same
// facts by authz.Authorize. It decides nothing itself.
package orgfacts

import (
	"errors"
	"strings"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
)

// Scope returns the scope of a package name, without its "@", or "" if
// it has none. Scopes are npm's (@scope/name); the other ecosystems'
// names have none (a Go module path names its host instead).
func Scope(ref core.PackageRef) string {
	if ref.Ecosystem != core.EcosystemNPM || !strings.HasPrefix(ref.Name, "@") {
		return ""
	}
	scope, _, ok := strings.Cut(ref.Name[1:], "/")
	if !ok {
		return ""
	}
	return scope
}

// Org returns the live org named name and its facts (members, roles,
// the developers team), or nil, nil if there is none. A deleted org
// comes back with nil facts: its scope belongs to nobody.
func Org(tx store.Orgs, name string) (*core.Org, *authz.OrgFacts, error) {
	o, err := tx.OrgByName(name)
	if errors.Is(err, core.ErrNotFound) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	if o.Deleted() {
		return o, nil, nil
	}
	f := &authz.OrgFacts{Name: o.Name, Roles: map[int64]core.OrgRole{}, Creators: map[int64]bool{}}
	ms, err := tx.OrgMembers(o.ID)
	if err != nil {
		return nil, nil, err
	}
	for _, m := range ms {
		f.Roles[m.User.ID] = m.Role
	}
	dev, err := tx.TeamByName(o.ID, core.DevelopersTeam)
	if errors.Is(err, core.ErrNotFound) {
		return o, f, nil
	}
	if err != nil {
		return nil, nil, err
	}
	devs, err := tx.TeamMembers(dev.ID)
	if err != nil {
		return nil, nil, err
	}
	for _, u := range devs {
		f.Creators[u.ID] = true
	}
	return o, f, nil
}

// ForPackage returns the facts of the org that owns the scope of ref,
// with every user's grant on the package (packageID; 0 for a name not
// yet taken), or nil if no live org owns it.
func ForPackage(tx store.Orgs, ref core.PackageRef, packageID int64) (*authz.OrgFacts, error) {
	scope := Scope(ref)
	if scope == "" {
		return nil, nil
	}
	_, f, err := Org(tx, scope)
	if err != nil || f == nil {
		return nil, err
	}
	if packageID == 0 {
		return f, nil
	}
	if f.Grants, err = tx.UserPackageGrants(packageID); err != nil {
		return nil, err
	}
	return f, nil
}
