package registry

import (
	"container/list"
	"context"
	"errors"
	"sync"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/store"
)

// A large document read from the store for every request would be one
// fresh copy per request, held until the client has read it all: a few
// slow readers of a 30 MiB packument would pin gigabytes. Large documents
// are therefore kept once in memory, keyed by their ETag, and every
// request sends from that one immutable copy; the store is asked only for
// the ETag (a tiny read) to learn whether the copy is still current.

const (
	// sharedDocMin is the size from which a document part is shared
	// rather than read per request. Smaller ones cost less to read than
	// to keep.
	sharedDocMin = 256 * 1024
	// sharedDocMax bounds the memory all shared copies take together;
	// the least recently used go first.
	sharedDocMax = 256 * limits.MiB
)

type docKey struct {
	name string
	part store.DocPart
}

type docEntry struct {
	key  docKey
	etag string
	body []byte
}

// docCache holds the shared copies. It is only a cache: every replica
// keeps its own, and a miss reads the store.
type docCache struct {
	mu      sync.Mutex
	size    int64
	entries map[docKey]*list.Element
	lru     list.List // front: most recently used
}

func newDocCache() *docCache {
	return &docCache{entries: map[docKey]*list.Element{}}
}

// get returns the shared body of key if it is the one with etag.
func (c *docCache) get(key docKey, etag string) []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.entries[key]
	if !ok || el.Value.(*docEntry).etag != etag {
		return nil
	}
	c.lru.MoveToFront(el)
	return el.Value.(*docEntry).body
}

// has reports whether a copy of key is shared, current or not.
func (c *docCache) has(key docKey) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.entries[key]
	return ok
}

// put shares body as key's current form, replacing an older one.
func (c *docCache) put(key docKey, etag string, body []byte) {
	if int64(len(body)) > sharedDocMax/4 {
		return // one document must not flush every other
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.entries[key]; ok {
		c.remove(el)
	}
	c.entries[key] = c.lru.PushFront(&docEntry{key: key, etag: etag, body: body})
	c.size += int64(len(body))
	for c.size > sharedDocMax {
		c.remove(c.lru.Back())
	}
}

func (c *docCache) remove(el *list.Element) {
	e := el.Value.(*docEntry)
	c.lru.Remove(el)
	delete(c.entries, e.key)
	c.size -= int64(len(e.body))
}

// readDocument reads one part of a document, from the shared copy when
// the store's ETag says it is current. The caller must not change the
// bytes it gets.
func (s *Service) readDocument(ctx context.Context, name string, part store.DocPart) (*core.Document, error) {
	if part == store.DocMeta || part == store.DocAll {
		return s.loadDocument(ctx, name, part)
	}
	key := docKey{name, part}
	if !s.docs.has(key) {
		// Nothing shared for this document: one read, as for any small
		// one; the ETag read below is only worth it to reuse a copy.
		return s.readShared(ctx, key)
	}
	meta, err := s.loadDocument(ctx, name, store.DocMeta)
	if err != nil {
		return nil, err
	}
	if b := s.docs.get(key, meta.ETag); b != nil {
		*part.In(meta) = b
		return meta, nil
	}
	return s.readShared(ctx, key)
}

// readShared reads key's part from the store, and shares it if it is
// large.
func (s *Service) readShared(ctx context.Context, key docKey) (*core.Document, error) {
	d, err := s.loadDocument(ctx, key.name, key.part)
	if err != nil {
		return nil, err
	}
	if b := *key.part.In(d); len(b) >= sharedDocMin {
		s.docs.put(key, d.ETag, b)
	}
	return d, nil
}

// Document returns the precomputed packument of name. For public packages
// this is one or two indexed reads and nothing else; a large document is
// sent from one shared copy.
func (s *Service) Document(ctx context.Context, p authz.Principal, name string, part store.DocPart) (*core.Document, error) {
	d, err := s.readDocument(ctx, name, part)
	if errors.Is(err, core.ErrNotFound) {
		return nil, s.absent(ctx, name)
	}
	if err != nil {
		return nil, err
	}
	if d.Restricted {
		if err := s.authorizeRead(ctx, p, name); err != nil {
			return nil, err
		}
	}
	return d, nil
}
