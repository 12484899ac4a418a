package blobtest

import (
	"bytes"
	"testing"

	"github.com/rampart/rampart/internal/blob"
)

// testScratch checks a store's scratch files (blob.Scratcher), if it
// offers them: readable and writable at any offset, and never a blob,
// not even while open.
func testScratch(t *testing.T, s blob.Store, c *cleanup) {
	sc, ok := s.(blob.Scratcher)
	if !ok {
		t.Skip("the store offers no scratch files")
	}
	f, err := sc.Scratch()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want := payload(7, 100_000)
	if _, err := f.Write(want); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len(want))
	if _, err := f.ReadAt(got, 0); err != nil || !bytes.Equal(got, want) {
		t.Fatalf("reading the scratch file back: %v", err)
	}
	requireList(t, s, nil)
}
