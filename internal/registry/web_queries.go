package registry

import (
	"context"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
)

// Queries for pages shown to a principal (the web UI). Search and
// UserPackages list every live package, restricted ones included; these
// wrappers leave out what p may not read, deciding with authz.Authorize
// like every other read.

// SearchFor is Search as p may see it. more reports whether the store had
// a full page, so another page may follow.
func (s *Service) SearchFor(ctx context.Context, p authz.Principal, text string, size, from int) (hits []core.SearchHit, more bool, err error) {
	all, _, err := s.Search(ctx, text, size, from)
	if err != nil {
		return nil, false, err
	}
	hits, err = s.readableHits(ctx, p, all, len(all))
	return hits, len(all) >= size, err
}

// RecentFor lists up to n packages p may read, most recently changed first.
func (s *Service) RecentFor(ctx context.Context, p authz.Principal, n int) ([]core.SearchHit, error) {
	hits, _, err := s.SearchFor(ctx, p, "", n, 0)
	return hits, err
}

// UserPackagesFor lists the live packages userID maintains that p may read.
func (s *Service) UserPackagesFor(ctx context.Context, p authz.Principal, userID int64) ([]core.Package, error) {
	all, err := s.UserPackages(ctx, userID)
	if err != nil {
		return nil, err
	}
	var out []core.Package
	err = s.store.View(ctx, func(tx store.Tx) error {
		for _, pkg := range all {
			ok, err := s.readable(tx, p, pkg.Name)
			if err != nil {
				return err
			}
			if ok {
				out = append(out, pkg)
			}
		}
		return nil
	})
	return out, err
}

// readableHits keeps, in order, up to n hits that p may read.
func (s *Service) readableHits(ctx context.Context, p authz.Principal, hits []core.SearchHit, n int) ([]core.SearchHit, error) {
	var out []core.SearchHit
	err := s.store.View(ctx, func(tx store.Tx) error {
		for _, h := range hits {
			if len(out) >= n {
				break
			}
			ok, err := s.readable(tx, p, h.Name)
			if err != nil {
				return err
			}
			if ok {
				out = append(out, h)
			}
		}
		return nil
	})
	return out, err
}

// readable reports whether p may read the live package name.
func (s *Service) readable(tx packagesCritical, p authz.Principal, name string) (bool, error) {
	st, err := loadPackage(tx, s.ref(name))
	if core.KindOf(err) == core.KindNotFound {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return authz.Authorize(p, authz.ReadPackage, s.readResource(st)) == nil, nil
}
