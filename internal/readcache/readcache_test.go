package readcache

import (
	"errors"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/store"
)

// TestReadCacheRefusesReadsOlderThanAnInvalidation: a reader that read
// the store before a write was invalidated may not keep what it read,
// or the old state would be served until the TTL ran out.
func TestReadCacheRefusesReadsOlderThanAnInvalidation(t *testing.T) {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	var files Files
	gen := files.Generation()
	files.Invalidate("pad") // a write committed while the reader read
	files.Put("pad", "1.0.0", File{PkgID: 1, At: now}, gen)
	if _, ok := files.Get("pad", "1.0.0", now); ok {
		t.Fatal("the file cache kept a read older than an invalidation")
	}
	gen = files.Generation()
	files.InvalidateID(7) // another package, by id alone: every read under way is too old
	files.Put("pad", "1.0.0", File{PkgID: 1, At: now}, gen)
	if _, ok := files.Get("pad", "1.0.0", now); ok {
		t.Fatal("the file cache kept a read older than an invalidation by id")
	}
	files.Put("pad", "1.0.0", File{PkgID: 1, At: now}, files.Generation())
	if _, ok := files.Get("pad", "1.0.0", now.Add(TTL-time.Millisecond)); !ok {
		t.Fatal("the file cache did not keep a current read")
	}
	if _, ok := files.Get("pad", "1.0.0", now.Add(TTL)); ok {
		t.Fatal("the file cache served an entry past its TTL")
	}
	files.InvalidateID(1)
	if _, ok := files.Get("pad", "1.0.0", now); ok {
		t.Fatal("invalidating by id left the package's entry")
	}

	docs := NewDocs()
	key := DocKey{"pad", store.DocFullGz}
	gen = docs.Generation()
	docs.Invalidate("pad")
	docs.Put(key, "e1", false, []byte("gz"), now, gen)
	if _, ok, _ := docs.Get(key, now); ok {
		t.Fatal("the document cache kept a read older than an invalidation")
	}
	docs.Put(key, "e1", false, []byte("gz"), now, docs.Generation())
	if _, _, fresh := docs.Get(key, now); !fresh {
		t.Fatal("the document cache did not keep a current read")
	}
	if _, _, fresh := docs.Get(key, now.Add(TTL)); fresh {
		t.Fatal("the document cache served an entry past its TTL without asking the store")
	}
	docs.Put(key, "e1", true, []byte("gz"), now, docs.Generation())
	if _, _, fresh := docs.Get(key, now); fresh {
		t.Fatal("a restricted document would be served from memory without authorization")
	}
}

// TestDocCacheIsBounded: many small documents are bounded too.
func TestDocCacheIsBounded(t *testing.T) {
	docs := NewDocs()
	body := make([]byte, 1<<20)
	now := time.Now()
	for i := range 400 {
		docs.Put(DocKey{string(rune('a'+i%26)) + string(rune(i)), store.DocFull}, "e", false, body, now, docs.Generation())
	}
	if docs.size > sharedDocMax {
		t.Fatalf("the document cache holds %d bytes, over its bound of %d", docs.size, sharedDocMax)
	}
}

// TestHotFiles: small files' verified bytes are kept for verifiedFor, no
// longer, and within a bound.
func TestHotFiles(t *testing.T) {
	const verifiedFor = time.Minute // the registry's
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	h := NewHot(verifiedFor)
	h.Put("d1", []byte("bytes"), now)
	if b, ok := h.Get("d1", now.Add(verifiedFor-time.Second)); !ok || string(b) != "bytes" {
		t.Fatalf("get within verifiedFor = %q, %v", b, ok)
	}
	if _, ok := h.Get("d1", now.Add(verifiedFor)); ok {
		t.Fatal("a kept file was served past verifiedFor, without reading and hashing it again")
	}
	big := make([]byte, HotFileMax)
	for i := range 2 * hotFilesMax / HotFileMax {
		h.Put(string(rune('a'+i%26))+string(rune(i)), big, now)
	}
	if h.size > hotFilesMax {
		t.Fatalf("kept files take %d bytes, over the bound of %d", h.size, hotFilesMax)
	}
}

// TestVerifiedSharesOneHash: concurrent requests for one file wait for
// the one hash under way; a file that hashed right is trusted for the
// TTL and no longer; damage is not remembered as verified.
func TestVerifiedSharesOneHash(t *testing.T) {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	v := NewVerified(time.Minute)
	call, leader, ok := v.Join("d1", now)
	if ok || !leader {
		t.Fatalf("first Join = leader %v, ok %v; want the leader of a new hash", leader, ok)
	}
	other, leader2, ok2 := v.Join("d1", now)
	if ok2 || leader2 || other != call {
		t.Fatalf("second Join = leader %v, ok %v, same call %v; want to wait on the first", leader2, ok2, other == call)
	}
	v.Finish("d1", call, nil, now)
	select {
	case <-other.Done():
	default:
		t.Fatal("Finish did not wake the waiting request")
	}
	if _, _, ok := v.Join("d1", now.Add(time.Minute-time.Second)); !ok {
		t.Fatal("a file that hashed right was not trusted within the TTL")
	}
	call, leader, ok = v.Join("d1", now.Add(time.Minute))
	if ok || !leader {
		t.Fatal("a file was trusted past the TTL without hashing it again")
	}
	v.Finish("d1", call, errors.New("corrupt"), now.Add(time.Minute))
	if call.Err() == nil {
		t.Fatal("the waiting requests did not get the hash's error")
	}
	if _, _, ok := v.Join("d1", now.Add(time.Minute)); ok {
		t.Fatal("a damaged file was remembered as verified")
	}
}
