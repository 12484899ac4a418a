// Package readcache holds the read path's in-memory copies: the servable
// state of each public version (Files), the documents (Docs), small
// package files' verified bytes (Hot) and which files hashed right a
// moment ago (Verified), kept in this process so that a tarball or
// packument GET costs no database round trip and no hash. What Files and
// Docs hold is only ever a copy of the store's state:
//
//   - Every write transaction of the registry goes through its watched
//     store, which notes the packages it changes (their row, a version,
//     the document) and, once the transaction has ended, drops what the
//     caches hold for them (Invalidate). A reader that read the store
//     before that may not put its answer in afterwards: each cache has a
//     generation, bumped by every invalidation, that a reader takes
//     before reading the store and that must be unchanged when it puts.
//   - Entries live at most TTL. That bound is the safety net
//     for writes this process does not see: another replica's (when
//     there are several on one database), or a console command's beside
//     a live server. It is how long such a write, an unpublish or a
//     package made restricted, may go unseen here.
//   - Restricted packages are never served from memory: their reads
//     always go to the store and through authz, so no cache can hand
//     one to a caller who may not read it.
//
// The caches know nothing of transactions, authorization or ecosystems: the
// registry decides what is servable and what to invalidate, and calls
// them.
package readcache

import (
	"sync"
	"time"
)

// TTL is how long the read caches trust what they hold without asking
// the store (see above).
const TTL = 5 * time.Second

// File is what serving a public, live version's file needs.
type File struct {
	PkgID     int64
	Digest    string
	Integrity string
	Published time.Time
	At        time.Time // when it was read from the store
}

// maxCachedFiles bounds Files; when it is full it starts afresh
// (each entry forgotten costs one read to get back).
const maxCachedFiles = 50000

// Files remembers which versions of public packages are servable,
// and with which file: the state the tarball path would otherwise read
// from the store on every request. Only public, live versions of live
// packages are kept; an absent entry means "ask the store".
type Files struct {
	mu    sync.Mutex
	gen   uint64
	n     int                        // entries, for the bound
	files map[string]map[string]File // package name, then version
	names map[int64]string           // package id to name, for InvalidateID
}

// Generation is the token a reader takes before reading the store.
func (c *Files) Generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// Get returns the entry for name@version if it was read within TTL of
// now.
func (c *Files) Get(name, version string, now time.Time) (File, bool) {
	c.mu.Lock()
	f, ok := c.files[name][version]
	c.mu.Unlock()
	if !ok || now.Sub(f.At) >= TTL || now.Before(f.At) {
		return File{}, false
	}
	return f, true
}

// Put keeps f for name@version, unless an invalidation came after the
// reader took gen (what it read may be older than that write).
func (c *Files) Put(name, version string, f File, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if c.files == nil || c.n >= maxCachedFiles {
		c.files, c.names, c.n = map[string]map[string]File{}, map[int64]string{}, 0
	}
	vs := c.files[name]
	if vs == nil {
		vs = map[string]File{}
		c.files[name] = vs
	}
	if _, ok := vs[version]; !ok {
		c.n++
	}
	vs[version] = f
	c.names[f.PkgID] = name
}

// Invalidate forgets every version of name.
func (c *Files) Invalidate(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.drop(name)
}

func (c *Files) drop(name string) {
	for _, f := range c.files[name] {
		delete(c.names, f.PkgID)
		c.n--
	}
	delete(c.files, name)
}

// InvalidateID forgets every version of the package with id.
func (c *Files) InvalidateID(id int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	if name, ok := c.names[id]; ok {
		c.drop(name)
	}
}
