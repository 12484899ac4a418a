package robust

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/npmfixture"
	"github.com/rampart/rampart/internal/testserver"
)

// TestCrashDuringPublishStream kills the server with SIGKILL while several
// clients publish as fast as they can, three times at different moments,
// and checks after each restart that the registry kept its word:
//
//   - every version whose publish was acknowledged (2xx) is served, with
//     the integrity it was acknowledged with, and its tarball downloads and
//     hashes to that integrity;
//   - no version is half there: whatever the packument lists has its
//     tarball, with the bytes that were sent for that version;
//   - the event log (read from the data folder once the server is stopped)
//     has exactly one package.publish event per served version, and none
//     for a version that is not served.
func TestCrashDuringPublishStream(t *testing.T) {
	// Not t.Parallel: it kills the server at set real times into a
	// publish, which land elsewhere in the publish on a busy machine.
	if testing.Short() {
		t.Skip("starts and kills the real server several times")
	}
	s, tok := startWithUser(t, "")
	const pkg = "crash-stream"

	st := &streamState{pkg: pkg, acked: map[string]string{}, sent: map[string]string{}}
	for round, killAfter := range []time.Duration{1500 * time.Millisecond, 900 * time.Millisecond, 2100 * time.Millisecond} {
		n := st.publishUntilKilled(t, s, tok, killAfter)
		t.Logf("round %d: killed after %v with %d publishes acknowledged", round, killAfter, n)
		if n == 0 {
			t.Fatalf("round %d: no publish was acknowledged in %v; the test proves nothing", round, killAfter)
		}
		s = s.Restart(t)
		if tmp := filesUnder(t, filepath.Join(s.Data, "blobs", "tmp")); len(tmp) > 0 {
			t.Errorf("round %d: after restart the blob store still holds temporary files %v", round, tmp)
		}
		st.checkServed(t, s, round)
	}

	served := st.checkServed(t, s, -1)
	s.Stop()

	events := map[string][]string{} // version -> integrity of each publish event
	for _, e := range readEvents(t, s.Data) {
		if e.Type != core.EventPublish || e.Package != pkg {
			continue
		}
		var d struct {
			Integrity string `json:"integrity"`
		}
		if err := json.Unmarshal(e.Data, &d); err != nil {
			t.Errorf("event %d: data %s: %v", e.Seq, e.Data, err)
		}
		events[e.Version] = append(events[e.Version], d.Integrity)
	}
	for v, integ := range st.acked {
		if got := events[v]; len(got) != 1 || got[0] != integ {
			t.Errorf("acknowledged %s@%s (%s): publish events %v, want exactly one with that integrity", pkg, v, integ, got)
		}
	}
	for v, integ := range served {
		if got := events[v]; len(got) != 1 || got[0] != integ {
			t.Errorf("served %s@%s (%s): publish events %v, want exactly one with that integrity", pkg, v, integ, got)
		}
	}
	for v := range events {
		if _, ok := served[v]; !ok {
			t.Errorf("a package.publish event names %s@%s, which the registry does not serve", pkg, v)
		}
	}
	t.Logf("%d versions acknowledged, %d served, %d publish events", len(st.acked), len(served), len(events))
}

// streamState is what the publishing clients sent and were told.
type streamState struct {
	pkg  string
	next atomic.Int64

	mu    sync.Mutex
	acked map[string]string // version -> integrity, for 2xx answers
	sent  map[string]string // version -> integrity, for every attempt
}

// publishUntilKilled runs four publishing clients against s, SIGKILLs s
// after killAfter, waits for the clients to notice, and returns how many
// publishes were acknowledged in this round.
func (st *streamState) publishUntilKilled(t *testing.T, s *testserver.Server, tok string, killAfter time.Duration) int {
	t.Helper()
	var killed atomic.Bool
	var ackedNow atomic.Int64
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !killed.Load() {
				version := fmt.Sprintf("1.0.%d", st.next.Add(1))
				body, tgz := goodPublish(t, st.pkg, version, "crash "+version)
				st.mu.Lock()
				st.sent[version] = npmfixture.Integrity(tgz)
				st.mu.Unlock()
				rep, err := do(http.MethodPut, s.URL+st.pkg, tok, bytes.NewReader(body), "application/json")
				switch {
				case err != nil && killed.Load():
					return // the server is gone: expected
				case err != nil:
					t.Errorf("publish %s before the kill: %v", version, err)
					return
				case rep.Status/100 == 2:
					// Acknowledged, even if the kill came right after.
					st.mu.Lock()
					st.acked[version] = npmfixture.Integrity(tgz)
					st.mu.Unlock()
					ackedNow.Add(1)
				case !killed.Load():
					t.Errorf("publish %s: %d %s", version, rep.Status, rep.Body)
					return
				}
			}
		}()
	}
	time.Sleep(killAfter)
	killed.Store(true)
	s.Kill()
	wg.Wait()
	return int(ackedNow.Load())
}

// checkServed checks the packument and every tarball against what was
// sent and acknowledged, and returns the served versions' integrities.
func (st *streamState) checkServed(t *testing.T, s *testserver.Server, round int) map[string]string {
	t.Helper()
	doc, ok := getPackument(t, s, st.pkg)
	if !ok {
		t.Fatalf("round %d: %s is not served at all after the restart", round, st.pkg)
	}
	served := map[string]string{}
	for v, m := range doc.Versions {
		served[v] = m.Dist.Integrity
	}
	for _, v := range sortedKeys(st.acked) {
		if got, ok := served[v]; !ok {
			t.Errorf("round %d: acknowledged %s@%s is missing after the crash", round, st.pkg, v)
		} else if got != st.acked[v] {
			t.Errorf("round %d: %s@%s is served with integrity %s, but was acknowledged with %s", round, st.pkg, v, got, st.acked[v])
		}
	}
	for _, v := range sortedKeys(served) {
		if sent, ok := st.sent[v]; !ok || sent != served[v] {
			t.Errorf("round %d: %s@%s is served with integrity %s, but the client sent %q", round, st.pkg, v, served[v], sent)
		}
		b, status := download(t, doc.Versions[v].Dist.Tarball)
		if status != http.StatusOK {
			t.Errorf("round %d: %s@%s is listed but its tarball %s answers %d: half-present", round, st.pkg, v, doc.Versions[v].Dist.Tarball, status)
			continue
		}
		if got := npmfixture.Integrity(b); got != served[v] {
			t.Errorf("round %d: %s@%s tarball hashes to %s, but the packument says %s", round, st.pkg, v, got, served[v])
		}
	}
	return served
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// filesUnder lists the regular files in dir (none if dir is absent).
func filesUnder(t testing.TB, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if !e.IsDir() {
			out = append(out, e.Name())
		}
	}
	return out
}
