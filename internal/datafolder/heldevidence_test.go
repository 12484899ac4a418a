package datafolder_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/blob"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/datafolder"
	"github.com/rampart/rampart/internal/store"
)

// TestOrphanCollectionSparesHeldEvidence: the bytes kept as a proxied
// hold's evidence belong to no version, but orphan collection keeps
// them; a blob nothing names still goes.
func TestOrphanCollectionSparesHeldEvidence(t *testing.T) {
	f, err := datafolder.Open(t.Context(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	evidence, orphan := []byte("held tarball bytes"), []byte("nobody's bytes")
	for _, b := range [][]byte{evidence, orphan} {
		if err := f.Blobs.Put(t.Context(), blob.DigestOf(b), bytes.NewReader(b)); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.DB.Update(t.Context(), func(tx store.Tx) error {
		return tx.PutUpstreamHold(core.UpstreamHold{Ref: core.NPM("evil"), Version: "1.0.0", Upstream: "npmjs", Integrity: "sha512-x",
			Reason: "r", At: time.Now(), Digest: string(blob.DigestOf(evidence))})
	}); err != nil {
		t.Fatal(err)
	}
	got, err := datafolder.CollectOrphans(t.Context(), f.DB, f.Blobs, 0, time.Now().Add(time.Hour), false)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Digests) != 1 || got.Digests[0] != blob.DigestOf(orphan) {
		t.Fatalf("collected %v, want only the orphan %s", got.Digests, blob.DigestOf(orphan))
	}
	if _, _, err := f.Blobs.Open(t.Context(), blob.DigestOf(evidence)); err != nil {
		t.Fatalf("the held evidence is gone: %v", err)
	}
}
