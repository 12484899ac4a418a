package robust

import (
	"crypto/sha512"
	"encoding/hex"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/testserver"
)

// blobPath is where the data folder keeps the file with these bytes.
func blobPath(data string, tgz []byte) string {
	sum := sha512.Sum512(tgz)
	d := hex.EncodeToString(sum[:])
	return filepath.Join(data, "blobs", "sha512", d[0:2], d[2:4], d)
}

// flipBit flips one bit in the middle of a file, as a failing disk does.
func flipBit(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0x10
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestRottenFileRefused: one flipped bit in a stored tarball, and another
// version's file deleted. The server serves neither (no 200 with other
// bytes, no bare 404): it answers a clear error, logs at ERROR with
// package, version and digest, and records an event; npm install fails
// with that message; `rampart admin blobs verify` finds both and exits
// non-zero; a healthy version still installs.
func TestRottenFileRefused(t *testing.T) {
	t.Parallel()
	s, tok := startWithUser(t, "")
	const pkg = "rotting"
	tgzs := map[string][]byte{}
	for _, v := range []string{"1.0.0", "1.1.0", "1.2.0"} {
		body, tgz := goodPublish(t, pkg, v, "marker "+v)
		if rep := mustDo(t, http.MethodPut, s.URL+pkg, tok, body); rep.Status/100 != 2 {
			t.Fatalf("publish %s: %d %s", v, rep.Status, rep.Body)
		}
		tgzs[v] = tgz
	}
	flipBit(t, blobPath(s.Data, tgzs["1.0.0"]))
	if err := os.Remove(blobPath(s.Data, tgzs["1.1.0"])); err != nil {
		t.Fatal(err)
	}

	for v, want := range map[string]string{"1.0.0": "no longer match the integrity", "1.1.0": "missing from the registry's storage"} {
		rep := mustDo(t, http.MethodGet, s.URL+pkg+"/-/"+pkg+"-"+v+".tgz", "", nil)
		if rep.Status != http.StatusInternalServerError {
			t.Errorf("GET the damaged %s@%s: %d (%d bytes, Cache-Control %q); want 500", pkg, v, rep.Status, len(rep.Body), rep.Header.Get("Cache-Control"))
		}
		if msg := rep.ErrorMsg(); !strings.Contains(msg, pkg+"@"+v) || !strings.Contains(msg, want) {
			t.Errorf("GET the damaged %s@%s: error %q; want it to name the version and say %q", pkg, v, msg, want)
		}
		if strings.Contains(rep.Header.Get("Cache-Control"), "immutable") {
			t.Errorf("GET the damaged %s@%s: Cache-Control %q lets caches keep the error", pkg, v, rep.Header.Get("Cache-Control"))
		}
	}
	if got, status := download(t, s.URL+pkg+"/-/"+pkg+"-1.2.0.tgz"); status != http.StatusOK || string(got) != string(tgzs["1.2.0"]) {
		t.Errorf("the healthy %s@1.2.0: %d, %d bytes", pkg, status, len(got))
	}
	log := s.Log()
	for _, v := range []string{"1.0.0", "1.1.0"} {
		sum := sha512.Sum512(tgzs[v])
		digest := hex.EncodeToString(sum[:])
		found := false
		for _, line := range strings.Split(log, "\n") {
			if strings.Contains(line, "level=ERROR") && strings.Contains(line, "package="+pkg) && strings.Contains(line, "version="+v) && strings.Contains(line, digest) {
				found = true
			}
		}
		if !found {
			t.Errorf("no ERROR log line names %s@%s and its digest:\n%s", pkg, v, log)
		}
	}

	// npm: fails, quickly, printing the server's message.
	n := testserver.NewNPM(t, s.URL)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "package.json"), []byte(`{"name":"app","version":"1.0.0","private":true}`), 0o600); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	r := n.Run(dir, "install", pkg+"@1.0.0")
	if r.Err == nil {
		t.Fatalf("npm install of the damaged version succeeded:\n%s", r.Output())
	}
	if !strings.Contains(r.Output(), "no longer match the integrity") {
		t.Errorf("npm install does not show the server's message:\n%s", r.Output())
	}
	t.Logf("npm install failed after %v", time.Since(start))
	n.MustRun(dir, "install", pkg+"@1.2.0")

	out, err := s.Admin(t, "", "blobs", "verify")
	if err == nil {
		t.Errorf("admin blobs verify exited 0 with a corrupt and a missing file:\n%s", out)
	}
	for _, want := range []string{"corrupt\t" + pkg + "@1.0.0", "missing\t" + pkg + "@1.1.0", "2 corrupt or missing"} {
		if !strings.Contains(out, want) {
			t.Errorf("admin blobs verify does not report %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, pkg+"@1.2.0") {
		t.Errorf("admin blobs verify reports the healthy version:\n%s", out)
	}

	s.Stop()
	var events []core.Event
	for _, e := range readEvents(t, s.Data) {
		if e.Type == core.EventFileDamaged {
			events = append(events, e)
		}
	}
	if len(events) != 2 {
		t.Errorf("want one %s event per damaged file, got %+v", core.EventFileDamaged, events)
	}
}

// TestOrphanCollection: a stored file no version refers to (a publish
// that failed after storing it) is reported by verify, kept by gc while
// young, removed by gc once old; referenced files stay.
func TestOrphanCollection(t *testing.T) {
	t.Parallel()
	s, tok := startWithUser(t, "")
	body, tgz := goodPublish(t, "kept", "1.0.0", "kept")
	if rep := mustDo(t, http.MethodPut, s.URL+"kept", tok, body); rep.Status/100 != 2 {
		t.Fatalf("publish: %d %s", rep.Status, rep.Body)
	}
	orphan := []byte("the file of a publish that failed after storing it")
	op := blobPath(s.Data, orphan)
	if err := os.MkdirAll(filepath.Dir(op), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(op, orphan, 0o600); err != nil {
		t.Fatal(err)
	}
	od := filepath.Base(op)

	out, err := s.Admin(t, "", "blobs", "verify")
	if err != nil || !strings.Contains(out, "orphan\tsha512 "+od) || !strings.Contains(out, "0 corrupt or missing, 1 orphaned") {
		t.Fatalf("admin blobs verify with one orphan: %v\n%s", err, out)
	}
	out, err = s.Admin(t, "", "blobs", "gc", "--min-age", "1h")
	if err != nil || !strings.Contains(out, "removed 0 orphaned files") || !strings.Contains(out, "kept 1 younger") {
		t.Fatalf("admin blobs gc of a young orphan: %v\n%s", err, out)
	}
	if _, err := os.Stat(op); err != nil {
		t.Fatalf("gc removed a young orphan: %v", err)
	}
	old := time.Now().Add(-2 * time.Hour)
	for _, p := range []string{op, blobPath(s.Data, tgz)} {
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
	}
	out, err = s.Admin(t, "", "blobs", "gc", "--min-age", "1h")
	if err != nil || !strings.Contains(out, "removed\tsha512 "+od) || !strings.Contains(out, "removed 1 orphaned files") {
		t.Fatalf("admin blobs gc of an old orphan: %v\n%s", err, out)
	}
	if _, err := os.Stat(op); !os.IsNotExist(err) {
		t.Errorf("the old orphan is still there: %v", err)
	}
	if got, status := download(t, s.URL+"kept/-/kept-1.0.0.tgz"); status != http.StatusOK || string(got) != string(tgz) {
		t.Errorf("after gc the referenced file downloads with %d, %d bytes", status, len(got))
	}
}
