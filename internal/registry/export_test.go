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

// MeasuredSize is what the limit checks of a change would measure of
// name's document now (documents.Builder.Size, from the store's sums
// where they are whole): the live versions and the full document's
// length.
func (s *Service) MeasuredSize(ctx context.Context, name string) (live int, bytes int64, err error) {
	err = s.store.Update(ctx, func(tx store.Tx) error {
		p, err := tx.PackageByRef(core.NPM(name))
		if err != nil {
			return err
		}
		d, err := s.documents.Size(tx, p)
		if err != nil {
			return err
		}
		live, bytes = d.Live, d.Bytes
		return nil
	})
	return live, bytes, err
}
