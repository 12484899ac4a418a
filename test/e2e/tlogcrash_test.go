package e2e

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/tessera/client"

	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/sqlite"
	"github.com/rampart/rampart/internal/testserver"
)

// checkpointSize reads the size line of the log's checkpoint file; 0 if none.
func checkpointSize(t *testing.T, data string) uint64 {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(data, "tlog", "log", "checkpoint"))
	if err != nil {
		return 0
	}
	lines := strings.SplitN(string(b), "\n", 3)
	if len(lines) < 2 {
		return 0
	}
	n, _ := strconv.ParseUint(lines[1], 10, 64)
	return n
}

// TestTransparencyLogSurvivesKill: the real server is killed (SIGKILL)
// while it appends a backlog of events to the log; the next start
// resumes where the log ends, and in the end leaf i is event i+1 for
// every event: no duplicate and no gap, and the tree verifies.
func TestTransparencyLogSurvivesKill(t *testing.T) {
	t.Parallel()
	s := testserver.Start(t, testserver.Options{})
	s.Stop()

	// A backlog, written while the server is down.
	const backlog = 30000
	st, err := sqlite.Open(context.Background(), filepath.Join(s.Data, "metadata.db"))
	if err != nil {
		t.Fatal(err)
	}
	at := time.Now().UTC()
	for b := 0; b < backlog/1000; b++ {
		err := st.Update(context.Background(), func(tx store.Tx) error {
			for i := range 1000 {
				if err := tx.AppendEvent(event.AccessChange{Access: "public"}.At(at.Add(time.Duration(b*1000+i)*time.Millisecond), "alice", "crash-pad", "")); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	st.Close()

	before := checkpointSize(t, s.Data)
	s2 := s.Restart(t)
	killedAt := uint64(0)
	deadline := time.Now().Add(120 * time.Second)
	for killedAt == 0 && time.Now().Before(deadline) {
		if n := checkpointSize(t, s.Data); n > before {
			s2.Kill()
			killedAt = n
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if killedAt == 0 {
		t.Fatal("no checkpoint within 120 s of the start")
	}
	if killedAt >= before+backlog {
		t.Logf("the whole backlog was appended before the kill (checkpoint %d): this run did not kill mid-batch", killedAt)
	} else {
		t.Logf("killed with a checkpoint of %d of more than %d events", killedAt, backlog)
	}

	s3 := s2.Restart(t)
	deadline = time.Now().Add(180 * time.Second)
	for checkpointSize(t, s.Data) < backlog && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	// Killed, not stopped: what is checked is the log against the events,
	// and a stop waits for the notifiers working through the same 30,000
	// events, which can outlast the 10 s close budget on a busy machine
	// (a known issue, in the stop notes).
	s3.Kill()

	db, err := sql.Open("sqlite", "file:"+filepath.Join(s.Data, "metadata.db")+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	var events uint64
	if err := db.QueryRow(`SELECT MAX(seq) FROM events`).Scan(&events); err != nil {
		t.Fatal(err)
	}
	db.Close()

	ctx := context.Background()
	f := client.FileFetcher{Root: filepath.Join(s.Data, "tlog", "log")}
	raw, err := f.ReadCheckpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	size := checkpointSize(t, s.Data)
	if size != events {
		t.Fatalf("the log has %d leaves for %d events\n%s", size, events, raw)
	}
	var hashes [][]byte
	for i := uint64(0); i < size; i += 256 {
		b, err := client.GetEntryBundle(ctx, f.ReadEntryBundle, i/256, size)
		if err != nil {
			t.Fatal(err)
		}
		for j, leaf := range b.Entries {
			var e struct {
				Seq uint64 `json:"seq"`
			}
			if err := json.Unmarshal(leaf, &e); err != nil || e.Seq != i+uint64(j)+1 {
				t.Fatalf("leaf %d is event %d (%v), want %d: a duplicate or a gap", i+uint64(j), e.Seq, err, i+uint64(j)+1)
			}
			hashes = append(hashes, rfc6962.DefaultHasher.HashLeaf(leaf))
		}
	}
	if uint64(len(hashes)) != size {
		t.Fatalf("%d leaves in the bundles, %d in the checkpoint", len(hashes), size)
	}
	// The last leaf's inclusion in the checkpoint, proved from the tiles.
	_, cpHash := checkpointRoot(t, raw)
	pb, err := client.NewProofBuilder(ctx, size, f.ReadTile)
	if err != nil {
		t.Fatal(err)
	}
	p, err := pb.InclusionProof(ctx, size-1)
	if err != nil {
		t.Fatal(err)
	}
	if err := proof.VerifyInclusion(rfc6962.DefaultHasher, size-1, size, hashes[size-1], p, cpHash); err != nil {
		t.Fatal(err)
	}
}

// checkpointRoot reads a checkpoint note's size and root hash (unverified:
// the caller checks the tree against it).
func checkpointRoot(t *testing.T, raw []byte) (uint64, []byte) {
	t.Helper()
	lines := strings.SplitN(string(raw), "\n", 4)
	n, _ := strconv.ParseUint(lines[1], 10, 64)
	h, err := base64Std(lines[2])
	if err != nil {
		t.Fatal(err)
	}
	return n, h
}

func base64Std(s string) ([]byte, error) { return base64.StdEncoding.DecodeString(s) }
