package registry

import (
	"context"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
)

// ReadableBy reports whether p may read the package name now, decided as
// its document is (authz.ReadPackage with the org-private flag); found
// is false when there is no such package or it was unpublished. The
// transparency log's lookups and pages (tlog.ReadCheck) and the OSV API
// ask it, so a private package is hidden from them exactly as from npm.
func (s *Service) ReadableBy(ctx context.Context, p authz.Principal, name string) (readable, found bool, err error) {
	err = s.store.View(ctx, func(tx store.Tx) error {
		st, err := loadPackage(tx, s.ref(name))
		if core.KindOf(err) == core.KindNotFound {
			readable, found = false, false
			return nil
		}
		if err != nil {
			return err
		}
		readable, found = authz.Authorize(p, authz.ReadPackage, s.readResource(st)) == nil, true
		return nil
	})
	return readable, found, err
}

// PubliclyReadable is whether anyone, signed in or not, may read the
// package name now, read in tx: the transparency log's sequencer seals
// the events of a package that is not (tlog.SealPolicy). A name in an
// organisation's scope on a registry whose organisation packages are
// private counts as found and unreadable even before it exists, so that
// what is done to the name before its first publish stays sealed too.
func (s *Service) PubliclyReadable(tx store.Tx, name string) (readable, found bool, err error) {
	st, err := loadPackage(tx, s.ref(name))
	if core.KindOf(err) == core.KindNotFound {
		return false, s.orgScoped(name), nil
	}
	if err != nil {
		return false, false, err
	}
	return authz.Authorize(authz.Principal{}, authz.ReadPackage, s.readResource(st)) == nil, true, nil
}
