package registry

import (
	"context"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
)

// FullRebuild is name's document as every change used to rebuild it
// (documents.Current: every version re-encoded, the whole marshalled at
// once): the oracle the lazily assembled document must match byte for
// byte.
func (s *Service) FullRebuild(ctx context.Context, name string) (*core.Document, error) {
	var d *core.Document
	err := s.store.View(ctx, func(tx store.Tx) error {
		p, err := tx.PackageByRef(core.NPM(name))
		if err != nil {
			return err
		}
		d, err = s.documents.Current(tx, p)
		return err
	})
	return d, err
}

// WrapStore makes s use wrap(its store), so that a test can watch what
// the service writes.
func (s *Service) WrapStore(wrap func(store.Store) store.Store) {
	s.store = wrap(s.store)
	s.documents.UseStore(s.store)
	s.publisher.UseStore(s.store)
}
