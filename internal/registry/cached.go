package registry

import (
	"context"
	"errors"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/readcache"
	"github.com/rampart/rampart/internal/store"
)

// The read path answers most requests from memory (internal/readcache
// says what is kept and for how long). This file is the registry's side
// of it: which writes drop what, and reading a document through the
// cache. A new write path needs nothing more as long as it writes through
// the store it was given (s.store). Anything that changes what a package
// serves by other means must call Invalidate.

// Invalidate drops what the read caches hold for the package name, so
// that the next read goes to the store. Writes through the service's
// store do it themselves once they have committed; call it after a change
// made any other way.
func (s *Service) Invalidate(name string) {
	s.docs.Invalidate(name)
	s.files.Invalidate(name)
}

// invalidateID is Invalidate for a write that names the package by its
// id only (a version's row).
func (s *Service) invalidateID(id int64) {
	s.docs.Bump() // the document is refreshed, and invalidated by name, in the same transaction
	s.files.InvalidateID(id)
}

// watchedStore is the service's store: every write transaction notes
// the packages it changes and invalidates them in the read caches once
// it has ended, committed or not.
type watchedStore struct {
	store.Store
	s *Service
}

func (w watchedStore) Update(ctx context.Context, f func(tx store.Tx) error) error {
	tx := &watchedTx{}
	err := w.Store.Update(ctx, func(inner store.Tx) error {
		tx.Tx = inner
		return f(tx)
	})
	// After the transaction, never before its commit: a reader that came
	// between the two would read the old state and keep it.
	for name := range tx.names {
		w.s.Invalidate(name)
	}
	for id := range tx.ids {
		w.s.invalidateID(id)
	}
	return err
}

// watchedTx notes the packages a transaction changes. It is used by one
// goroutine, the transaction's. A backend that runs f again after a
// serialisation failure adds to the same notes: invalidating a package
// that did not change in the end costs one read.
type watchedTx struct {
	store.Tx
	names map[string]struct{}
	ids   map[int64]struct{}
}

func (t *watchedTx) name(n string) {
	if t.names == nil {
		t.names = map[string]struct{}{}
	}
	t.names[n] = struct{}{}
}

func (t *watchedTx) id(id int64) {
	if t.ids == nil {
		t.ids = map[int64]struct{}{}
	}
	t.ids[id] = struct{}{}
}

func (t *watchedTx) CreatePackage(p *core.Package) error {
	t.name(p.Name)
	return t.Tx.CreatePackage(p)
}

func (t *watchedTx) UpdatePackage(p *core.Package) error {
	t.name(p.Name)
	return t.Tx.UpdatePackage(p)
}

func (t *watchedTx) UpdatePackageAt(p *core.Package, prevRev int64) error {
	t.name(p.Name)
	return t.Tx.UpdatePackageAt(p, prevRev)
}

func (t *watchedTx) InsertVersion(v *core.Version) error {
	t.id(v.PackageID)
	return t.Tx.InsertVersion(v)
}

func (t *watchedTx) UpdateVersion(v *core.Version) error {
	t.id(v.PackageID)
	return t.Tx.UpdateVersion(v)
}

func (t *watchedTx) PutDocument(d *core.Document) error {
	t.name(d.Name)
	return t.Tx.PutDocument(d)
}

func (t *watchedTx) DeleteDocument(name string) error {
	t.name(name)
	return t.Tx.DeleteDocument(name)
}

// readDocument reads one part of a document (DocMeta: the ETag alone),
// from memory when the copy there is public and current (see readcache.Docs).
// The caller must not change the bytes it gets.
func (s *Service) readDocument(ctx context.Context, name string, part store.DocPart) (*core.Document, error) {
	if part == store.DocAll {
		return s.documents.Load(ctx, name, part)
	}
	key := readcache.DocKey{Name: name, Part: part}
	now := s.now()
	e, ok, fresh := s.docs.Get(key, now)
	if fresh {
		return e.Document(), nil
	}
	gen := s.docs.Generation()
	if ok && len(e.Body) >= readcache.SharedDocMin {
		// A large copy: ask the store only whether it is still current.
		meta, err := s.documents.Load(ctx, name, store.DocMeta)
		if err != nil {
			return nil, err
		}
		if meta.ETag == e.ETag {
			s.docs.Put(key, meta.ETag, meta.Restricted, e.Body, now, gen)
			*part.In(meta) = e.Body
			return meta, nil
		}
	}
	d, err := s.documents.Load(ctx, name, part)
	if err != nil {
		return nil, err
	}
	var body []byte
	if in := part.In(d); in != nil {
		body = *in
	}
	s.docs.Put(key, d.ETag, d.Restricted, body, now, gen)
	return d, nil
}

// Document returns the precomputed packument of name. For public packages
// this is one or two indexed reads and nothing else; a large document is
// sent from one shared copy.
func (s *Service) Document(ctx context.Context, p authz.Principal, name string, part store.DocPart) (*core.Document, error) {
	// A maintainer of a package with a staged version reads it too (staging.go).
	if d, ok, err := s.maintainerDocument(ctx, p, name); err != nil || ok {
		return d, err
	}
	d, err := s.readDocument(ctx, name, part)
	if errors.Is(err, core.ErrNotFound) {
		return nil, s.absent(ctx, name)
	}
	if err != nil {
		return nil, err
	}
	if d.Restricted || s.orgScoped(name) {
		if err := s.authorizeRead(ctx, p, name); err != nil {
			return nil, err
		}
	}
	return d, nil
}
