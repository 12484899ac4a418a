package publish

import (
	"context"
	"errors"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
)

// NameCheck is the name policy on a new package name (typosquatting
// protection, internal/namepolicy): an error refuses the publish, and its
// message reaches the client.
type NameCheck func(tx NameRoles, ref core.PackageRef) error

// NameRoles are the store roles a NameCheck reads.
type NameRoles interface {
	store.Critical
	store.NameAllowances
}

// namesStage applies Config.Names to a package that does not exist yet;
// existing names, even held or released ones, are never checked. It runs
// after "policy", so only a caller allowed to create the package costs a
// check.
func namesStage(ctx context.Context, r *publishRun) error {
	if r.s.names == nil {
		return nil
	}
	return r.s.store.View(ctx, func(tx store.Tx) error {
		if _, err := tx.PackageByRef(r.pub.Ref); !errors.Is(err, core.ErrNotFound) {
			return err
		}
		return r.s.names(tx, r.pub.Ref)
	})
}
