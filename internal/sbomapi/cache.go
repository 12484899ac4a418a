package sbomapi

import "sync"

// Bounds of the rendered-document cache: memory, not input, so they live
// here rather than in internal/limits.
const (
	cacheEntries  = 256
	cacheMaxEntry = 1 << 20  // a larger document is rendered each time
	cacheMaxBytes = 32 << 20 // all entries together
)

// rendered keeps recently written public documents by their ETag. The
// ETag is a hash of every input and the format, so a hit is exactly the
// document the inputs read by this request would give: it saves the
// rendering only. The inputs are still read, and the caller authorized,
// on every request; a private answer is never kept.
type rendered struct {
	mu    sync.Mutex
	m     map[string][]byte
	order []string // oldest first
	bytes int
}

func (c *rendered) get(etag string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, ok := c.m[etag]
	return b, ok
}

func (c *rendered) put(etag string, b []byte) {
	if len(b) > cacheMaxEntry {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string][]byte{}
	}
	if _, ok := c.m[etag]; ok {
		return
	}
	for len(c.order) > 0 && (len(c.order) >= cacheEntries || c.bytes+len(b) > cacheMaxBytes) {
		old := c.order[0]
		c.order = c.order[1:]
		c.bytes -= len(c.m[old])
		delete(c.m, old)
	}
	c.m[etag] = b
	c.order = append(c.order, etag)
	c.bytes += len(b)
}
