package datafolder_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/blob"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/datafolder"
	"github.com/rampart/rampart/internal/store"
)

// TestOrphanCollectionSparesHeldEvidence: the bytes kept as a proxied
// hold's evidence belong to no version, but they are no orphans:
// verification does not list them, a backup copies them and orphan
// collection keeps them; a blob nothing names still goes.
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
	rep, err := datafolder.Verify(t.Context(), f.DB, f.Blobs)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Orphans) != 1 || rep.Orphans[0] != blob.DigestOf(orphan) || len(rep.Problems) != 0 {
		t.Fatalf("verify: orphans %v, problems %v; want only the orphan", rep.Orphans, rep.Problems)
	}
	// A backup copies the evidence.
	dst := filepath.Join(t.TempDir(), "backup")
	if _, err := datafolder.Copy(t.Context(), f, dst); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dst, datafolder.BlobDir)); err != nil {
		t.Fatal(err)
	}
	bk, err := datafolder.Open(t.Context(), dst)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := bk.Blobs.Open(t.Context(), blob.DigestOf(evidence)); err != nil {
		t.Errorf("the backup lacks the held evidence: %v", err)
	}
	bk.Close()
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
