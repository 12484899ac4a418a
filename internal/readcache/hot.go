package readcache

import (
	"sync"
	"time"
)

// Small files are kept in memory once read and verified (Hot): a
// tarball GET of one then costs no file system call at all (opening the
// blob, seeking, sendfile and closing cost more than the copy of a few
// KiB). The bytes kept are the ones that hashed to the digest recorded at
// publish, so they are right whatever happens to the file on disk; the
// copy is dropped after its TTL (the registry's verifiedFor, as a
// verified file is), so that the next request reads and hashes the file
// again and damage on disk is still found and reported within that time.
const (
	// HotFileMax is the largest file kept; most npm tarballs are smaller.
	HotFileMax = 1 << 20
	// hotFilesMax bounds the memory all kept files take together.
	hotFilesMax = 64 << 20
)

// Hot holds small files' verified bytes by digest.
type Hot struct {
	ttl   time.Duration
	mu    sync.Mutex
	size  int64
	files map[string]hotFile
}

type hotFile struct {
	b  []byte
	at time.Time // when it was read and hashed
}

// NewHot returns an empty cache whose files are kept for ttl after they
// were verified.
func NewHot(ttl time.Duration) *Hot { return &Hot{ttl: ttl} }

// Get returns the bytes of digest if they were verified within the TTL
// of now. The caller must not change them.
func (h *Hot) Get(digest string, now time.Time) ([]byte, bool) {
	h.mu.Lock()
	f, ok := h.files[digest]
	h.mu.Unlock()
	if !ok || now.Sub(f.at) >= h.ttl || now.Before(f.at) {
		return nil, false
	}
	return f.b, true
}

// Put keeps b, verified at, making room by forgetting others.
func (h *Hot) Put(digest string, b []byte, at time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.files == nil {
		h.files = map[string]hotFile{}
	}
	if old, ok := h.files[digest]; ok {
		h.size -= int64(len(old.b))
		delete(h.files, digest)
	}
	for d, f := range h.files {
		if h.size+int64(len(b)) <= hotFilesMax {
			break
		}
		h.size -= int64(len(f.b))
		delete(h.files, d)
	}
	h.files[digest] = hotFile{b: b, at: at}
	h.size += int64(len(b))
}
