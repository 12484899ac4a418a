package registry

import (
	"testing"
	"time"

	"github.com/rampart/rampart/internal/store"
)

// TestReadCacheRefusesReadsOlderThanAnInvalidation: a reader that read
// the store before a write was invalidated may not keep what it read,
// or the old state would be served until the TTL ran out.
func TestReadCacheRefusesReadsOlderThanAnInvalidation(t *testing.T) {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	var files fileCache
	gen := files.generation()
	files.invalidate("pad") // a write committed while the reader read
	files.put("pad", "1.0.0", servedFile{pkgID: 1, at: now}, gen)
	if _, ok := files.get("pad", "1.0.0", now); ok {
		t.Fatal("the file cache kept a read older than an invalidation")
	}
	gen = files.generation()
	files.invalidateID(7) // another package, by id alone: every read under way is too old
	files.put("pad", "1.0.0", servedFile{pkgID: 1, at: now}, gen)
	if _, ok := files.get("pad", "1.0.0", now); ok {
		t.Fatal("the file cache kept a read older than an invalidation by id")
	}
	files.put("pad", "1.0.0", servedFile{pkgID: 1, at: now}, files.generation())
	if _, ok := files.get("pad", "1.0.0", now.Add(readCacheTTL-time.Millisecond)); !ok {
		t.Fatal("the file cache did not keep a current read")
	}
	if _, ok := files.get("pad", "1.0.0", now.Add(readCacheTTL)); ok {
		t.Fatal("the file cache served an entry past its TTL")
	}
	files.invalidateID(1)
	if _, ok := files.get("pad", "1.0.0", now); ok {
		t.Fatal("invalidating by id left the package's entry")
	}

	docs := newDocCache()
	key := docKey{"pad", store.DocFullGz}
	gen = docs.generation()
	docs.invalidate("pad")
	docs.put(key, "e1", false, []byte("gz"), now, gen)
	if _, ok, _ := docs.get(key, now); ok {
		t.Fatal("the document cache kept a read older than an invalidation")
	}
	docs.put(key, "e1", false, []byte("gz"), now, docs.generation())
	if _, _, fresh := docs.get(key, now); !fresh {
		t.Fatal("the document cache did not keep a current read")
	}
	if _, _, fresh := docs.get(key, now.Add(readCacheTTL)); fresh {
		t.Fatal("the document cache served an entry past its TTL without asking the store")
	}
	docs.put(key, "e1", true, []byte("gz"), now, docs.generation())
	if _, _, fresh := docs.get(key, now); fresh {
		t.Fatal("a restricted document would be served from memory without authorization")
	}
}

// TestDocCacheIsBounded: many small documents are bounded too.
func TestDocCacheIsBounded(t *testing.T) {
	docs := newDocCache()
	body := make([]byte, 1<<20)
	now := time.Now()
	for i := range 400 {
		docs.put(docKey{string(rune('a'+i%26)) + string(rune(i)), store.DocFull}, "e", false, body, now, docs.generation())
	}
	if docs.size > sharedDocMax {
		t.Fatalf("the document cache holds %d bytes, over its bound of %d", docs.size, sharedDocMax)
	}
}

// TestHotFiles: small files' verified bytes are kept for verifiedFor, no
// longer, and within a bound.
func TestHotFiles(t *testing.T) {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	var h hotFiles
	h.put("d1", []byte("bytes"), now)
	if b, ok := h.get("d1", now.Add(verifiedFor-time.Second)); !ok || string(b) != "bytes" {
		t.Fatalf("get within verifiedFor = %q, %v", b, ok)
	}
	if _, ok := h.get("d1", now.Add(verifiedFor)); ok {
		t.Fatal("a kept file was served past verifiedFor, without reading and hashing it again")
	}
	big := make([]byte, hotFileMax)
	for i := range 2 * hotFilesMax / hotFileMax {
		h.put(string(rune('a'+i%26))+string(rune(i)), big, now)
	}
	if h.size > hotFilesMax {
		t.Fatalf("kept files take %d bytes, over the bound of %d", h.size, hotFilesMax)
	}
}
