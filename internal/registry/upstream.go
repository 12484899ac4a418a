package registry

import (
	"context"
	"errors"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/ecosystem"
	"github.com/rampart/rampart/internal/orgfacts"
	"github.com/rampart/rampart/internal/store"
)

// HeldLocally reports whether name is this registry's own, so that it is
// never resolved through an upstream (internal/upstream): a package of
// that name exists here in any state (an unpublished name stays held), or
// the name's scope is a local organisation or user. It asks the store
// whatever the caller may see: a private package is held all the same.
func (s *Service) HeldLocally(ctx context.Context, name string) (bool, error) {
	held := false
	err := s.store.View(ctx, func(tx store.Tx) error {
		if _, err := tx.PackageByRef(s.ref(name)); err == nil {
			held = true
			return nil
		} else if !errors.Is(err, core.ErrNotFound) {
			return err
		}
		// The scope as the format reads it, held as the publish path's
		// scope rule sees it (orgfacts.OwnerOfScope).
		scoped, ok := s.cfg.Format.(ecosystem.Scopes)
		if !ok {
			return nil
		}
		scope := scoped.Scope(name)
		if scope == "" {
			return nil
		}
		owner, err := orgfacts.OwnerOfScope(tx, scope)
		held = owner.Held()
		return err
	})
	return held, err
}
