// Package pkgfacts reads from the store what authorization knows of a
// package: the package itself, its maintainers, whether it is critical,
// and the facts of the org owning its scope (internal/orgfacts). The
// registry and the packages split out of it (provenance policy,
// attestations, page queries) load a package through Load, so that
// every package action is decided on the same facts by authz.Authorize.
// It decides nothing itself.
package pkgfacts

import (
	"errors"
	"slices"
	"time"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/orgfacts"
	"github.com/rampart/rampart/internal/store"
)

// Roles are the store roles Load reads.
type Roles interface {
	store.Packages
	store.Critical
	store.Orgs
}

// State is a live package with what authorization needs of it.
type State struct {
	Package     *core.Package
	Maintainers []core.User
	Critical    core.CriticalPackage
	// Org is what authorization knows of the org owning the package's
	// scope, nil if none.
	Org *authz.OrgFacts
}

// Load returns the package ref with its maintainers, critical state and
// org, or a not-found error a user can act on. An unpublished package
// counts as absent.
func Load(tx Roles, ref core.PackageRef) (*State, error) {
	p, err := tx.PackageByRef(ref)
	if errors.Is(err, core.ErrNotFound) {
		return nil, core.Errorf(core.KindNotFound, "package %s was not found", ref.Name)
	}
	if err != nil {
		return nil, err
	}
	if p.Unpublished() {
		return nil, core.Errorf(core.KindNotFound, "package %s was unpublished on %s", ref.Name, p.UnpublishedAt.Format(time.RFC3339))
	}
	return Of(tx, p)
}

// Of returns the facts of p, a package the caller has read, whatever its
// state: callers that give an unpublished or held name a meaning of
// their own (trusted publishing's pending names, a publish over a
// released name) read the package themselves and ask Of for the rest.
func Of(tx Roles, p *core.Package) (*State, error) {
	ms, err := tx.Maintainers(p.ID)
	if err != nil {
		return nil, err
	}
	critical, err := tx.CriticalState(p.ID)
	if err != nil {
		return nil, err
	}
	org, err := orgfacts.ForPackage(tx, p.PackageRef, p.ID)
	if err != nil {
		return nil, err
	}
	return &State{Package: p, Maintainers: ms, Critical: critical, Org: org}, nil
}

// Resource is the package as authz.Authorize decides on it.
func (st *State) Resource() authz.Resource {
	return authz.Resource{Package: st.Package.PackageRef, Maintainers: st.Maintainers, Restricted: st.Package.Access == "restricted",
		Critical: st.Critical.Critical(), CriticalSince: st.Critical.GraceStart(), Org: st.Org}
}

// Viewer is who p is to the package's versions (core.Servable).
func (st *State) Viewer(p authz.Principal) core.Viewer {
	return ViewerOf(p, st.Maintainers)
}

// ViewerOf is who p is to a package with maintainers ms.
func ViewerOf(p authz.Principal, ms []core.User) core.Viewer {
	if p.User != nil && slices.ContainsFunc(ms, func(m core.User) bool { return m.ID == p.User.ID }) {
		return core.ViewerMaintainer
	}
	return core.ViewerAnyone
}
