package registry

import (
	"container/list"
	"context"
	"errors"
	"sync"
	"time"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/store"
)

// Documents are kept in memory, up to sharedDocMax bytes, so that a
// packument GET is answered without a database round trip (readcache.go
// says when a copy is trusted: within readCacheTTL, and until a write
// invalidates it). That also bounds memory: a large document read from
// the store for every request would be one fresh copy per request, held
// until the client has read it all, and a few slow readers of a 30 MiB
// packument would pin gigabytes; every request sends from the one
// immutable copy instead. Once its time is up, a large copy is checked
// against the store's ETag (a tiny read) rather than read again.

const (
	// sharedDocMin is the size from which a copy past its time is
	// revalidated by its ETag rather than read again. Smaller ones cost
	// less to read than to check.
	sharedDocMin = 256 * 1024
	// sharedDocMax bounds the memory all copies take together; the least
	// recently used go first.
	sharedDocMax = 256 * limits.MiB
	// docEntryCost is what an entry costs besides its body, so that the
	// bound holds for many small documents too.
	docEntryCost = 256
)

type docKey struct {
	name string
	part store.DocPart // DocMeta keeps the ETag alone, for revalidations
}

type docEntry struct {
	key        docKey
	etag       string
	restricted bool
	body       []byte
	at         time.Time // when it was last known current
}

func (e *docEntry) cost() int64 { return int64(len(e.body) + len(e.key.name) + docEntryCost) }

// docCache holds the copies. It is only a cache: every replica keeps its
// own, and a miss reads the store.
type docCache struct {
	mu      sync.Mutex
	gen     uint64 // bumped by every invalidation (readcache.go)
	size    int64
	entries map[docKey]*list.Element
	lru     list.List // front: most recently used
}

func newDocCache() *docCache {
	return &docCache{entries: map[docKey]*list.Element{}}
}

// generation is the token a reader takes before reading the store.
func (c *docCache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// bump makes every read under way too old to be kept.
func (c *docCache) bump() {
	c.mu.Lock()
	c.gen++
	c.mu.Unlock()
}

// get returns the copy of key, if any, and whether it can be sent
// without asking the store: public, and known current within
// readCacheTTL of now. The caller must not change the body.
func (c *docCache) get(key docKey, now time.Time) (e docEntry, ok, fresh bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.entries[key]
	if !ok {
		return docEntry{}, false, false
	}
	c.lru.MoveToFront(el)
	e = *el.Value.(*docEntry)
	return e, true, !e.restricted && now.Sub(e.at) < readCacheTTL && !now.Before(e.at)
}

// put keeps body as key's current form, known current at, replacing an
// older copy; unless an invalidation came after the reader took gen.
func (c *docCache) put(key docKey, etag string, restricted bool, body []byte, at time.Time, gen uint64) {
	e := &docEntry{key: key, etag: etag, restricted: restricted, body: body, at: at}
	if e.cost() > sharedDocMax/4 {
		return // one document must not flush every other
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if el, ok := c.entries[key]; ok {
		c.remove(el)
	}
	c.entries[key] = c.lru.PushFront(e)
	c.size += e.cost()
	for c.size > sharedDocMax {
		c.remove(c.lru.Back())
	}
}

// invalidate forgets every form of name's document.
func (c *docCache) invalidate(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for _, part := range []store.DocPart{store.DocMeta, store.DocFull, store.DocFullGz, store.DocAbbrev, store.DocAbbrevGz} {
		if el, ok := c.entries[docKey{name, part}]; ok {
			c.remove(el)
		}
	}
}

func (c *docCache) remove(el *list.Element) {
	e := el.Value.(*docEntry)
	c.lru.Remove(el)
	delete(c.entries, e.key)
	c.size -= e.cost()
}

// readDocument reads one part of a document (DocMeta: the ETag alone),
// from memory when the copy there is public and current (see docCache).
// The caller must not change the bytes it gets.
func (s *Service) readDocument(ctx context.Context, name string, part store.DocPart) (*core.Document, error) {
	if part == store.DocAll {
		return s.loadDocument(ctx, name, part)
	}
	key := docKey{name, part}
	now := s.now()
	e, ok, fresh := s.docs.get(key, now)
	if fresh {
		return e.document(), nil
	}
	gen := s.docs.generation()
	if ok && len(e.body) >= sharedDocMin {
		// A large copy: ask the store only whether it is still current.
		meta, err := s.loadDocument(ctx, name, store.DocMeta)
		if err != nil {
			return nil, err
		}
		if meta.ETag == e.etag {
			s.docs.put(key, meta.ETag, meta.Restricted, e.body, now, gen)
			*part.In(meta) = e.body
			return meta, nil
		}
	}
	d, err := s.loadDocument(ctx, name, part)
	if err != nil {
		return nil, err
	}
	var body []byte
	if in := part.In(d); in != nil {
		body = *in
	}
	s.docs.put(key, d.ETag, d.Restricted, body, now, gen)
	return d, nil
}

// document is the entry as the store would have returned it.
func (e *docEntry) document() *core.Document {
	d := &core.Document{Name: e.key.name, ETag: e.etag, Restricted: e.restricted}
	if in := e.key.part.In(d); in != nil {
		*in = e.body
	}
	return d
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
