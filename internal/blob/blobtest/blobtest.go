// Package blobtest is the conformance suite for blob.Store. Every backend
// runs it from its own tests in one line:
//
//	func TestConformance(t *testing.T) { blobtest.Run(t, newStore) }
//
// Each subtest gets a fresh store from newStore, checks that it starts
// empty, and at its end deletes what it wrote and checks, through List,
// that the store is empty again: a backend whose Delete or List misses
// blobs fails here rather than leaking storage in production.
//
// Optional capabilities are checked where a store offers them: Run checks
// scratch files (blob.Scratcher) when the store has them, and a store
// with signed URLs (blob.URLSigner) also runs RunURLSigner.
package blobtest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/rampart/rampart/internal/blob"
	"github.com/rampart/rampart/internal/core"
)

// Run runs the conformance suite against the stores newStore returns.
// newStore is called once per subtest and must return an empty store;
// it should register any teardown with t.Cleanup.
func Run(t *testing.T, newStore func(t *testing.T) blob.Store) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, s blob.Store, c *cleanup)
	}{
		{"Roundtrip", testRoundtrip},
		{"DigestMismatch", testDigestMismatch},
		{"ReaderError", testReaderError},
		{"CancelledContext", testCancelledContext},
		{"IdempotentPut", testIdempotentPut},
		{"DifferentBytesUnderExistingDigest", testDifferentBytes},
		{"NotFound", testNotFound},
		{"Seek", testSeek},
		{"ConcurrentPut", testConcurrentPut},
		{"InvalidDigest", testInvalidDigest},
		{"List", testList},
		{"Delete", testDelete},
		{"Scratch", testScratch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t)
			requireList(t, s, nil) // a fresh store is empty
			c := &cleanup{}
			// Registered after newStore's own cleanups, so it runs before
			// them, while the store is still open.
			t.Cleanup(func() { c.run(t, s) })
			tt.fn(t, s, c)
		})
	}
}

// cleanup remembers the digests a subtest wrote, deletes them when the
// subtest ends, and then checks that the store is empty.
type cleanup struct {
	digests []blob.Digest
}

func (c *cleanup) add(d blob.Digest) { c.digests = append(c.digests, d) }

func (c *cleanup) run(t *testing.T, s blob.Store) {
	t.Helper()
	ctx := context.Background()
	for _, d := range c.digests {
		if err := s.Delete(ctx, d); err != nil {
			t.Errorf("cleanup: Delete(%s): %v", short(d), err)
		}
	}
	var left []string
	if err := s.List(ctx, func(d blob.Digest) error {
		left = append(left, short(d))
		return nil
	}); err != nil {
		t.Errorf("cleanup: List: %v", err)
	}
	if len(left) > 0 {
		t.Errorf("store not empty after deleting every blob the test wrote: %v", left)
	}
}

func short(d blob.Digest) string {
	if len(d) > 16 {
		return string(d[:16]) + "..."
	}
	return string(d)
}

// payload returns n deterministic pseudo-random bytes.
func payload(seed uint64, n int) []byte {
	var key [32]byte
	key[0] = byte(seed)
	key[1] = byte(seed >> 8)
	b := make([]byte, n)
	_, _ = rand.NewChaCha8(key).Read(b)
	return b
}

func put(t *testing.T, s blob.Store, c *cleanup, b []byte) blob.Digest {
	t.Helper()
	d := blob.DigestOf(b)
	c.add(d)
	if err := s.Put(context.Background(), d, bytes.NewReader(b)); err != nil {
		t.Fatalf("Put(%s, %d bytes): %v", short(d), len(b), err)
	}
	return d
}

// requireContent checks Open, Stat and the bytes of blob d.
func requireContent(t *testing.T, s blob.Store, d blob.Digest, want []byte) {
	t.Helper()
	ctx := context.Background()
	size, err := s.Stat(ctx, d)
	if err != nil {
		t.Fatalf("Stat(%s): %v", short(d), err)
	}
	if size != int64(len(want)) {
		t.Errorf("Stat(%s) = %d, want %d", short(d), size, len(want))
	}
	rc, size, err := s.Open(ctx, d)
	if err != nil {
		t.Fatalf("Open(%s): %v", short(d), err)
	}
	defer rc.Close()
	if size != int64(len(want)) {
		t.Errorf("Open(%s) size = %d, want %d", short(d), size, len(want))
	}
	got, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("reading %s: %v", short(d), err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("blob %s: read %d bytes that differ from the %d put", short(d), len(got), len(want))
	}
}

func requireNotFound(t *testing.T, s blob.Store, d blob.Digest) {
	t.Helper()
	ctx := context.Background()
	if _, err := s.Stat(ctx, d); !errors.Is(err, core.ErrNotFound) {
		t.Errorf("Stat(%s) error = %v, want one wrapping core.ErrNotFound", short(d), err)
	}
	rc, _, err := s.Open(ctx, d)
	if !errors.Is(err, core.ErrNotFound) {
		t.Errorf("Open(%s) error = %v, want one wrapping core.ErrNotFound", short(d), err)
	}
	if rc != nil {
		rc.Close()
		t.Errorf("Open(%s) returned a reader along with error %v", short(d), err)
	}
}

func requireKind(t *testing.T, what string, err error, want core.Kind) {
	t.Helper()
	if err == nil {
		t.Errorf("%s succeeded, want a %v error", what, want)
		return
	}
	if got := core.KindOf(err); got != want {
		t.Errorf("%s error = %v (kind %v), want kind %v", what, err, got, want)
	}
}

// requireList checks that List reports exactly want, once each.
func requireList(t *testing.T, s blob.Store, want []blob.Digest) {
	t.Helper()
	var got []blob.Digest
	if err := s.List(context.Background(), func(d blob.Digest) error {
		got = append(got, d)
		return nil
	}); err != nil {
		t.Fatalf("List: %v", err)
	}
	slices.Sort(got)
	want = slices.Clone(want)
	slices.Sort(want)
	want = slices.Compact(want)
	if !slices.Equal(got, want) {
		t.Fatalf("List = %d digests %v, want %d %v", len(got), shorts(got), len(want), shorts(want))
	}
}

func shorts(ds []blob.Digest) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = short(d)
	}
	return out
}

func testRoundtrip(t *testing.T, s blob.Store, c *cleanup) {
	blobs := map[string][]byte{
		"empty":  {},
		"small":  []byte("hello, rampart\n"),
		"5MiB":   payload(1, 5<<20),
		"odd":    payload(2, 100_003),
		"binary": {0, 0xff, 0, '\n', '\r', 0x7f},
	}
	var digests []blob.Digest
	for name, b := range blobs {
		d := put(t, s, c, b)
		// put names the blob by DigestOf itself, so only the form can be
		// checked here; DigestOf's value is checked in package blob.
		if !d.Valid() {
			t.Fatalf("%s: DigestOf gave invalid digest %q", name, d)
		}
		digests = append(digests, d)
	}
	for _, b := range blobs {
		requireContent(t, s, blob.DigestOf(b), b)
	}
	requireList(t, s, digests)
}

func testDigestMismatch(t *testing.T, s blob.Store, c *cleanup) {
	ctx := context.Background()
	want := []byte("the bytes the digest names")
	other := []byte("some other bytes")
	d := blob.DigestOf(want)
	c.add(d)
	requireKind(t, "Put with bytes that do not match the digest",
		s.Put(ctx, d, bytes.NewReader(other)), core.KindInvalid)
	requireKind(t, "Put with a 5 MiB body that does not match the digest",
		s.Put(ctx, d, bytes.NewReader(payload(3, 5<<20))), core.KindInvalid)
	requireKind(t, "Put with a prefix of the right bytes",
		s.Put(ctx, d, bytes.NewReader(want[:len(want)-1])), core.KindInvalid)
	requireNotFound(t, s, d)
	requireNotFound(t, s, blob.DigestOf(other))
	requireList(t, s, nil)
}

// failingReader yields some bytes and then an error, as a client that
// disconnects mid-upload does.
type failingReader struct {
	r   io.Reader
	err error
}

func (f *failingReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if errors.Is(err, io.EOF) {
		return n, f.err
	}
	return n, err
}

func testReaderError(t *testing.T, s blob.Store, c *cleanup) {
	b := payload(4, 1<<20)
	d := blob.DigestOf(b)
	c.add(d)
	boom := errors.New("connection reset")
	err := s.Put(context.Background(), d, &failingReader{bytes.NewReader(b[:len(b)/2]), boom})
	if !errors.Is(err, boom) {
		t.Errorf("Put with a reader that fails: error = %v, want one wrapping the reader's error", err)
	}
	requireNotFound(t, s, d)
	requireList(t, s, nil)
}

func testCancelledContext(t *testing.T, s blob.Store, c *cleanup) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	b := []byte("never stored")
	d := blob.DigestOf(b)
	c.add(d)
	if err := s.Put(ctx, d, bytes.NewReader(b)); !errors.Is(err, context.Canceled) {
		t.Errorf("Put with a cancelled context: error = %v, want one wrapping context.Canceled", err)
	}
	requireNotFound(t, s, d)
	requireList(t, s, nil)
}

func testIdempotentPut(t *testing.T, s blob.Store, c *cleanup) {
	b := payload(5, 64<<10)
	d := put(t, s, c, b)
	d2 := put(t, s, c, b)
	if d != d2 {
		t.Fatalf("DigestOf is not deterministic")
	}
	requireContent(t, s, d, b)
	requireList(t, s, []blob.Digest{d})

	empty := put(t, s, c, nil)
	put(t, s, c, nil)
	requireContent(t, s, empty, nil)
	requireList(t, s, []blob.Digest{d, empty})
}

func testDifferentBytes(t *testing.T, s blob.Store, c *cleanup) {
	b := []byte("original bytes")
	d := put(t, s, c, b)
	requireKind(t, "Put of other bytes under an existing digest",
		s.Put(context.Background(), d, strings.NewReader("replacement bytes")), core.KindInvalid)
	requireKind(t, "Put of nothing under an existing digest",
		s.Put(context.Background(), d, strings.NewReader("")), core.KindInvalid)
	requireContent(t, s, d, b)
	requireList(t, s, []blob.Digest{d})
}

func testNotFound(t *testing.T, s blob.Store, c *cleanup) {
	d := blob.DigestOf([]byte("never put"))
	requireNotFound(t, s, d)
	if err := s.Delete(context.Background(), d); err != nil {
		t.Errorf("Delete of an absent blob: %v, want nil", err)
	}
	// A blob that exists does not make its neighbours exist.
	put(t, s, c, []byte("put"))
	requireNotFound(t, s, d)
}

func testSeek(t *testing.T, s blob.Store, c *cleanup) {
	b := payload(6, 256<<10)
	d := put(t, s, c, b)
	rc, size, err := s.Open(context.Background(), d)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer rc.Close()

	read := func(what string, n int, want []byte) {
		t.Helper()
		got := make([]byte, n)
		if _, err := io.ReadFull(rc, got); err != nil {
			t.Fatalf("%s: read %d bytes: %v", what, n, err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("%s: read the wrong bytes", what)
		}
	}
	seek := func(offset int64, whence int, want int64) {
		t.Helper()
		pos, err := rc.Seek(offset, whence)
		if err != nil {
			t.Fatalf("Seek(%d, %d): %v", offset, whence, err)
		}
		if pos != want {
			t.Fatalf("Seek(%d, %d) = %d, want %d", offset, whence, pos, want)
		}
	}

	read("start", 10, b[:10])
	seek(1000, io.SeekStart, 1000)
	read("after SeekStart", 100, b[1000:1100])
	seek(500, io.SeekCurrent, 1600)
	read("after SeekCurrent", 100, b[1600:1700])
	seek(-10, io.SeekEnd, size-10)
	read("after SeekEnd", 10, b[len(b)-10:])
	if n, err := rc.Read(make([]byte, 1)); n != 0 || !errors.Is(err, io.EOF) {
		t.Errorf("Read at end = %d, %v; want 0, io.EOF", n, err)
	}
	seek(0, io.SeekStart, 0)
	all, err := io.ReadAll(rc)
	if err != nil || !bytes.Equal(all, b) {
		t.Errorf("ReadAll after seeking back to the start: %d bytes, %v", len(all), err)
	}
}

func testConcurrentPut(t *testing.T, s blob.Store, c *cleanup) {
	b := payload(7, 1<<20)
	d := blob.DigestOf(b)
	c.add(d)
	const n = 10
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			errs[i] = s.Put(context.Background(), d, bytes.NewReader(b))
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("concurrent Put %d: %v", i, err)
		}
	}
	requireContent(t, s, d, b)
	requireList(t, s, []blob.Digest{d})
}

func testInvalidDigest(t *testing.T, s blob.Store, c *cleanup) {
	ctx := context.Background()
	good := string(blob.DigestOf([]byte("x")))
	bad := []blob.Digest{
		"",
		blob.Digest(strings.ToUpper(good)),
		blob.Digest(good[:127]),
		blob.Digest(good + "0"),
		blob.Digest(good[:64]), // a SHA-256 length
		blob.Digest("sha512-" + good[:121]),
		blob.Digest(good[:126] + "g0"),
		blob.Digest("../" + good[3:]),
		blob.Digest(good[:60] + "/../" + good[64:]),
		blob.Digest(strings.Repeat(".", 128)),
		blob.Digest(good[:127] + "\x00"),
	}
	for _, d := range bad {
		if d.Valid() {
			t.Errorf("Digest(%q).Valid() = true", d)
		}
		requireKind(t, "Put with invalid digest "+string(d), s.Put(ctx, d, strings.NewReader("x")), core.KindInvalid)
		_, _, err := s.Open(ctx, d)
		requireKind(t, "Open with invalid digest "+string(d), err, core.KindInvalid)
		_, err = s.Stat(ctx, d)
		requireKind(t, "Stat with invalid digest "+string(d), err, core.KindInvalid)
		requireKind(t, "Delete with invalid digest "+string(d), s.Delete(ctx, d), core.KindInvalid)
	}
	if !blob.Digest(good).Valid() {
		t.Errorf("DigestOf result %q is not Valid", good)
	}
	requireList(t, s, nil)
}

func testList(t *testing.T, s blob.Store, c *cleanup) {
	var want []blob.Digest
	for i := range 20 {
		want = append(want, put(t, s, c, payload(uint64(100+i), 10*i)))
	}
	requireList(t, s, want)

	// An error from fn stops List and comes back unchanged.
	stop := errors.New("stop")
	calls := 0
	err := s.List(context.Background(), func(blob.Digest) error {
		calls++
		return stop
	})
	if !errors.Is(err, stop) {
		t.Errorf("List with fn failing: error = %v, want the error fn returned", err)
	}
	if calls != 1 {
		t.Errorf("List called fn %d times after it failed, want 1", calls)
	}
}

func testDelete(t *testing.T, s blob.Store, c *cleanup) {
	ctx := context.Background()
	keep := put(t, s, c, []byte("keep"))
	gone := put(t, s, c, []byte("gone"))
	if err := s.Delete(ctx, gone); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	requireNotFound(t, s, gone)
	if err := s.Delete(ctx, gone); err != nil {
		t.Errorf("second Delete: %v, want nil", err)
	}
	requireContent(t, s, keep, []byte("keep"))
	requireList(t, s, []blob.Digest{keep})

	// A deleted blob can be put again.
	put(t, s, c, []byte("gone"))
	requireContent(t, s, gone, []byte("gone"))
}
