package tlog_test

import (
	"context"
	"crypto/sha256"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/transparency-dev/formats/log"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/tessera/client"
	"golang.org/x/mod/sumdb/note"

	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/sqlite"
	"github.com/rampart/rampart/internal/tlog"
)

func openStore(t testing.TB, dir string) store.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(dir, "metadata.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func appendEvents(t testing.TB, st store.Store, n int, at time.Time) {
	t.Helper()
	err := st.Update(context.Background(), func(tx store.Tx) error {
		for i := range n {
			if err := tx.AppendEvent(event.AccessChange{Access: "public"}.At(at.Add(time.Duration(i)*time.Millisecond), "alice", "left-pad", "")); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func openLog(t testing.TB, st store.Store, dir string) *tlog.Log {
	return openLogWith(t, st, dir, 100*time.Millisecond)
}

func openLogWith(t testing.TB, st store.Store, dir string, every time.Duration) *tlog.Log {
	t.Helper()
	l, err := tlog.Open(context.Background(), st, tlog.Config{Dir: dir, Origin: tlog.Origin("http://registry.test/"), CheckpointEvery: every})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// waitCheckpoint waits for a checkpoint of at least size (Tessera signs
// one every CheckpointEvery; the deadline is generous for a loaded machine).
func waitCheckpoint(t testing.TB, l *tlog.Log, size uint64) ([]byte, log.Checkpoint) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		raw, cp, err := l.Checkpoint(context.Background())
		if err == nil && cp.Size >= size {
			return raw, cp
		}
		if time.Now().After(deadline) {
			t.Fatalf("no checkpoint of size %d: %v (%d)", size, err, cp.Size)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestSequencerAppendsEveryEventOnceAndResumes: events become leaves in
// order (leaf i is event i+1) with their public form only; a reopened
// log resumes after its last leaf, with no duplicate; the checkpoint
// verifies with the published key, and Tessera's client and merkle's
// proof checks prove inclusion and consistency from the tiles alone.
func TestSequencerAppendsEveryEventOnceAndResumes(t *testing.T) {
	dir := t.TempDir()
	st := openStore(t, dir)
	at := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	appendEvents(t, st, 300, at)
	l := openLog(t, st, filepath.Join(dir, "tlog"))
	if err := l.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	oldRaw, old := waitCheckpoint(t, l, 300)
	if old.Size != 300 {
		t.Fatalf("size %d after 300 events", old.Size)
	}
	if err := l.Close(context.Background()); err != nil {
		t.Fatal(err)
	}

	appendEvents(t, st, 5, at.Add(time.Hour))
	l = openLog(t, st, filepath.Join(dir, "tlog"))
	defer l.Close(context.Background())
	if err := l.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	raw, cp := waitCheckpoint(t, l, 305)
	if cp.Size != 305 {
		t.Fatalf("size %d after reopening with 5 more events, want 305", cp.Size)
	}

	// The checkpoint verifies with the key the log publishes.
	v, err := note.NewVerifier(l.VerifierKeys()[0])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := note.Open(raw, note.VerifierList(v)); err != nil {
		t.Fatalf("checkpoint does not verify: %v\n%s", err, raw)
	}
	if _, err := note.Open(oldRaw, note.VerifierList(v)); err != nil {
		t.Fatal(err)
	}

	// Every leaf is its event, in order, with no personal part.
	items, size, err := l.Feed(context.Background(), 0, 1000)
	if err != nil || size != 305 || len(items) != 305 {
		t.Fatalf("feed: %d items, size %d, %v", len(items), size, err)
	}
	for i, it := range items {
		if it.Entry.Seq != int64(i+1) || it.Index != uint64(i) || it.Entry.Type != "package.access" || string(it.Entry.Data) != `{"access":"public"}` {
			t.Fatalf("leaf %d: %+v", i, it)
		}
	}

	// Inclusion of leaf 302 and consistency 300 -> 305 with
	// transparency-dev's code, from the tiles alone.
	r := l.Reader()
	pb, err := client.NewProofBuilder(context.Background(), cp.Size, r.ReadTile)
	if err != nil {
		t.Fatal(err)
	}
	leaf := items[302].Entry.Marshal()
	ip, err := pb.InclusionProof(context.Background(), 302)
	if err != nil {
		t.Fatal(err)
	}
	if err := proof.VerifyInclusion(rfc6962.DefaultHasher, 302, cp.Size, rfc6962.DefaultHasher.HashLeaf(leaf), ip, cp.Hash); err != nil {
		t.Fatalf("inclusion: %v", err)
	}
	forged := sha256.Sum256([]byte("not the leaf"))
	if err := proof.VerifyInclusion(rfc6962.DefaultHasher, 302, cp.Size, forged[:], ip, cp.Hash); err == nil {
		t.Fatal("a forged leaf verified")
	}
	pr, err := l.Prove(context.Background(), 302)
	if err != nil || pr.Entry.Seq != 303 || string(pr.Leaf) != string(leaf) || len(pr.Hashes) != len(ip) {
		t.Fatalf("Prove(302): %+v, %v", pr, err)
	}
	if _, err := l.Prove(context.Background(), 305); err == nil {
		t.Fatal("Prove of a leaf beyond the checkpoint")
	}
	if es, size, err := l.PackageEntries(context.Background(), "left-pad", false); err != nil || size != 305 || len(es) != 305 || es[0].Seq != 305 {
		t.Fatalf("PackageEntries: %d entries, size %d, %v", len(es), size, err)
	}
	cproof, err := pb.ConsistencyProof(context.Background(), old.Size, cp.Size)
	if err != nil {
		t.Fatal(err)
	}
	if err := proof.VerifyConsistency(rfc6962.DefaultHasher, old.Size, cp.Size, cproof, old.Hash, cp.Hash); err != nil {
		t.Fatalf("consistency: %v", err)
	}
}

// TestOpenRefusesALogAheadOfItsStore: a log whose last leaf is not the
// store's event of that number (a database restored from an older
// backup beside a newer log) is refused at open, naming what to do.
func TestOpenRefusesALogAheadOfItsStore(t *testing.T) {
	dir := t.TempDir()
	st := openStore(t, dir)
	at := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	appendEvents(t, st, 10, at)
	l := openLog(t, st, filepath.Join(dir, "tlog"))
	if err := l.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	waitCheckpoint(t, l, 10)
	l.Close(context.Background())

	// Another store, with other events, under the same log.
	other := openStore(t, t.TempDir())
	appendEvents(t, other, 12, at.Add(time.Hour))
	_, err := tlog.Open(context.Background(), other, tlog.Config{Dir: filepath.Join(dir, "tlog"), Origin: "x/-/log"})
	if err == nil || !strings.Contains(err.Error(), "is not the event store's event 10") || !strings.Contains(err.Error(), "Move ") {
		t.Fatalf("Open over another store: %v", err)
	}
	// The right store opens.
	l = openLog(t, st, filepath.Join(dir, "tlog"))
	l.Close(context.Background())
}
