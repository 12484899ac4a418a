package server

import (
	"archive/zip"
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/advisory"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store/eventcheck"
	"github.com/rampart/rampart/internal/store/sqlite"
)

// exportPeer serves a zip of OSV records as OSV's bucket does, with an
// ETag, answering 304 to a matching If-None-Match; it counts full
// downloads.
type exportPeer struct {
	mu        sync.Mutex
	zip       []byte
	etag      string
	downloads int
	asked     []string // If-None-Match of each request
}

func (p *exportPeer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.asked = append(p.asked, r.Header.Get("If-None-Match"))
	if r.Header.Get("If-None-Match") == p.etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	p.downloads++
	w.Header().Set("ETag", p.etag)
	w.Header().Set("Content-Type", "application/zip")
	w.Write(p.zip)
}

func zipOf(t *testing.T, files map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, b := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(b)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestAdvisoryPull: the scheduled pull downloads the export from a real
// HTTP peer on loopback, imports it, then asks conditionally and
// downloads again only when the ETag changed; a failing peer imports
// nothing.
func TestAdvisoryPull(t *testing.T) {
	db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "meta.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	svc := advisory.New(eventcheck.Wrap(t, db), advisory.Config{PublicURL: "https://reg.example"}, time.Now, nil)
	files := map[string][]byte{}
	samples, _ := filepath.Glob("../osv/testdata/npm/*.json")
	for _, f := range samples {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		files[filepath.Base(f)] = b
	}
	peer := &exportPeer{zip: zipOf(t, files), etag: `"v1"`}
	hs := httptest.NewServer(peer)
	defer hs.Close()
	url := hs.URL + "/npm/all.zip"
	fetch := HTTPFetch(url, hs.Client())

	sum, changed, err := svc.Pull(t.Context(), url, fetch, t.TempDir())
	if err != nil || !changed || sum.New != 4 {
		t.Fatalf("first pull: %+v %v %v", sum, changed, err)
	}
	if got, _ := svc.Query(t.Context(), core.NPM("lodash"), "4.17.20"); len(got) != 1 {
		t.Errorf("lodash@4.17.20 after the pull: %d advisories", len(got))
	}
	sum, changed, err = svc.Pull(t.Context(), url, fetch, t.TempDir())
	if err != nil || changed || sum.Read != 0 {
		t.Fatalf("second pull: %+v %v %v", sum, changed, err)
	}
	files["MAL-2026-9.json"] = []byte(`{"id":"MAL-2026-9","modified":"2026-06-01T00:00:00Z","affected":[{"package":{"ecosystem":"npm","name":"evil"},"versions":["1.0.0"]}]}`)
	peer.mu.Lock()
	peer.zip, peer.etag = zipOf(t, files), `"v2"`
	peer.mu.Unlock()
	sum, changed, err = svc.Pull(t.Context(), url, fetch, t.TempDir())
	if err != nil || !changed || sum.New != 1 || sum.Unchanged != 4 {
		t.Fatalf("third pull: %+v %v %v", sum, changed, err)
	}
	peer.mu.Lock()
	if peer.downloads != 2 || len(peer.asked) != 3 || peer.asked[0] != "" || peer.asked[1] != `"v1"` || peer.asked[2] != `"v1"` {
		t.Errorf("downloads %d, If-None-Match sent %q", peer.downloads, peer.asked)
	}
	peer.mu.Unlock()

	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", http.StatusBadGateway) }))
	defer broken.Close()
	if _, _, err := svc.Pull(t.Context(), broken.URL, HTTPFetch(broken.URL, broken.Client()), t.TempDir()); err == nil {
		t.Error("a 502 from the peer is no error")
	}
}
