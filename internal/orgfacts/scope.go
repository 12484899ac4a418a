package orgfacts

import (
	"errors"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
)

// ScopeOwner is who holds a scope "@x/" (docs/policies/scopes.md): the
// organisation named x, or else the user named x. An organisation that
// was deleted still holds its scope (Org set, Facts nil), so that nobody
// creates packages in it again.
type ScopeOwner struct {
	Org   *core.Org
	Facts *authz.OrgFacts // nil when Org is nil or deleted
	User  *core.User      // set only when no organisation holds the name
}

// Held reports whether anyone holds the scope.
func (o ScopeOwner) Held() bool { return o.Org != nil || o.User != nil }

// UsersOrgs are the store roles a scope's owner is read from.
type UsersOrgs interface {
	store.Users
	store.Orgs
}

// OwnerOfScope reads who holds scope (without its "@"; the caller reads
// it from a name through the format, ecosystem.Scopes). It is the one
// lookup of a scope's owner: the publish path decides who may create a
// package in the scope on it, and the upstream proxy never resolves a
// name elsewhere when the scope is held here.
func OwnerOfScope(tx UsersOrgs, scope string) (ScopeOwner, error) {
	org, facts, err := Org(tx, scope)
	if err != nil {
		return ScopeOwner{}, err
	}
	if org != nil {
		return ScopeOwner{Org: org, Facts: facts}, nil
	}
	u, err := tx.UserByName(scope)
	if errors.Is(err, core.ErrNotFound) {
		return ScopeOwner{}, nil
	}
	if err != nil {
		return ScopeOwner{}, err
	}
	return ScopeOwner{User: u}, nil
}
