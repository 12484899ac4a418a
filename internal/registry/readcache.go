package registry

import (
	"context"
	"sync"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
)

// The read path answers most requests from memory: the servable state of
// each public version (fileCache) and the documents (docCache) are kept
// in this process, so that a tarball or packument GET costs no database
// round trip. What they hold is only ever a copy of the store's state:
//
//   - Every write transaction of this service goes through watchedStore,
//     which notes the packages it changes (their row, a version, the
//     document) and, once the transaction has ended, drops what the
//     caches hold for them (invalidate). A reader that read the store
//     before that may not put its answer in afterwards: each cache has a
//     generation, bumped by every invalidation, that a reader takes
//     before reading the store and that must be unchanged when it puts.
//   - Entries live at most readCacheTTL. That bound is the safety net
//     for writes this process does not see: another replica's (when
//     there are several on one database), or a console command's beside
//     a live server. It is how long such a write, an unpublish or a
//     package made restricted, may go unseen here.
//   - Restricted packages are never served from memory: their reads
//     always go to the store and through authz, so no cache can hand
//     one to a caller who may not read it.
//
// A new write path needs nothing more as long as it writes through the
// store it was given (s.store). Anything that changes what a package
// serves by other means must call Invalidate.

// readCacheTTL is how long the read caches trust what they hold without
// asking the store (see above).
const readCacheTTL = 5 * time.Second

// Invalidate drops what the read caches hold for the package name, so
// that the next read goes to the store. Writes through the service's
// store do it themselves once they have committed; call it after a change
// made any other way.
func (s *Service) Invalidate(name string) {
	s.docs.invalidate(name)
	s.files.invalidate(name)
}

// invalidateID is Invalidate for a write that names the package by its
// id only (a version's row).
func (s *Service) invalidateID(id int64) {
	s.docs.bump() // the document is refreshed, and invalidated by name, in the same transaction
	s.files.invalidateID(id)
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

// servedFile is what serving a public, live version's file needs.
type servedFile struct {
	pkgID     int64
	digest    string
	integrity string
	published time.Time
	at        time.Time // when it was read from the store
}

// maxCachedFiles bounds fileCache; when it is full it starts afresh
// (each entry forgotten costs one read to get back).
const maxCachedFiles = 50000

// fileCache remembers which versions of public packages are servable,
// and with which file: the state the tarball path would otherwise read
// from the store on every request. Only public, live versions of live
// packages are kept; an absent entry means "ask the store".
type fileCache struct {
	mu    sync.Mutex
	gen   uint64
	n     int                              // entries, for the bound
	files map[string]map[string]servedFile // package name, then version
	names map[int64]string                 // package id to name, for invalidateID
}

// generation is the token a reader takes before reading the store.
func (c *fileCache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// get returns the entry for name@version if it was read within
// readCacheTTL of now.
func (c *fileCache) get(name, version string, now time.Time) (servedFile, bool) {
	c.mu.Lock()
	f, ok := c.files[name][version]
	c.mu.Unlock()
	if !ok || now.Sub(f.at) >= readCacheTTL || now.Before(f.at) {
		return servedFile{}, false
	}
	return f, true
}

// put keeps f for name@version, unless an invalidation came after the
// reader took gen (what it read may be older than that write).
func (c *fileCache) put(name, version string, f servedFile, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if c.files == nil || c.n >= maxCachedFiles {
		c.files, c.names, c.n = map[string]map[string]servedFile{}, map[int64]string{}, 0
	}
	vs := c.files[name]
	if vs == nil {
		vs = map[string]servedFile{}
		c.files[name] = vs
	}
	if _, ok := vs[version]; !ok {
		c.n++
	}
	vs[version] = f
	c.names[f.pkgID] = name
}

// invalidate forgets every version of name.
func (c *fileCache) invalidate(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.drop(name)
}

func (c *fileCache) drop(name string) {
	for _, f := range c.files[name] {
		delete(c.names, f.pkgID)
		c.n--
	}
	delete(c.files, name)
}

// invalidateID forgets every version of the package with id.
func (c *fileCache) invalidateID(id int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	if name, ok := c.names[id]; ok {
		c.drop(name)
	}
}
