package readcache

import (
	"container/list"
	"sync"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/store"
)

// Documents are kept in memory, up to sharedDocMax bytes, so that a
// packument GET is answered without a database round trip (the package
// doc says when a copy is trusted: within TTL, and until a write
// invalidates it). That also bounds memory: a large document read from
// the store for every request would be one fresh copy per request, held
// until the client has read it all, and a few slow readers of a 30 MiB
// packument would pin gigabytes; every request sends from the one
// immutable copy instead. Once its time is up, a large copy is checked
// against the store's ETag (a tiny read) rather than read again.

const (
	// SharedDocMin is the size from which a copy past its time is
	// revalidated by its ETag rather than read again. Smaller ones cost
	// less to read than to check.
	SharedDocMin = 256 * 1024
	// sharedDocMax bounds the memory all copies take together; the least
	// recently used go first.
	sharedDocMax = 256 * limits.MiB
	// docEntryCost is what an entry costs besides its body, so that the
	// bound holds for many small documents too.
	docEntryCost = 256
)

// DocKey names one form of one package's document.
type DocKey struct {
	Name string
	Part store.DocPart // DocMeta keeps the ETag alone, for revalidations
}

// Doc is one kept copy.
type Doc struct {
	Key        DocKey
	ETag       string
	Restricted bool
	Body       []byte
	At         time.Time // when it was last known current
}

func (e *Doc) cost() int64 { return int64(len(e.Body) + len(e.Key.Name) + docEntryCost) }

// Docs holds the copies. It is only a cache: every replica keeps its
// own, and a miss reads the store.
type Docs struct {
	mu      sync.Mutex
	gen     uint64 // bumped by every invalidation (see the package doc)
	size    int64
	entries map[DocKey]*list.Element
	lru     list.List // front: most recently used
}

// NewDocs returns an empty document cache.
func NewDocs() *Docs {
	return &Docs{entries: map[DocKey]*list.Element{}}
}

// Generation is the token a reader takes before reading the store.
func (c *Docs) Generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// Bump makes every read under way too old to be kept.
func (c *Docs) Bump() {
	c.mu.Lock()
	c.gen++
	c.mu.Unlock()
}

// Get returns the copy of key, if any, and whether it can be sent
// without asking the store: public, and known current within TTL of
// now. The caller must not change the body.
func (c *Docs) Get(key DocKey, now time.Time) (e Doc, ok, fresh bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.entries[key]
	if !ok {
		return Doc{}, false, false
	}
	c.lru.MoveToFront(el)
	e = *el.Value.(*Doc)
	return e, true, !e.Restricted && now.Sub(e.At) < TTL && !now.Before(e.At)
}

// Put keeps body as key's current form, known current at, replacing an
// older copy; unless an invalidation came after the reader took gen.
func (c *Docs) Put(key DocKey, etag string, restricted bool, body []byte, at time.Time, gen uint64) {
	e := &Doc{Key: key, ETag: etag, Restricted: restricted, Body: body, At: at}
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

// Invalidate forgets every form of name's document.
func (c *Docs) Invalidate(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for _, part := range []store.DocPart{store.DocMeta, store.DocFull, store.DocFullGz, store.DocAbbrev, store.DocAbbrevGz} {
		if el, ok := c.entries[DocKey{name, part}]; ok {
			c.remove(el)
		}
	}
}

func (c *Docs) remove(el *list.Element) {
	e := el.Value.(*Doc)
	c.lru.Remove(el)
	delete(c.entries, e.Key)
	c.size -= e.cost()
}

// Document is the entry as the store would have returned it.
func (e *Doc) Document() *core.Document {
	d := &core.Document{Name: e.Key.Name, ETag: e.ETag, Restricted: e.Restricted}
	if in := e.Key.Part.In(d); in != nil {
		*in = e.Body
	}
	return d
}
