package logapi_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/logapi"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/sqlite"
	"github.com/rampart/rampart/internal/tlog"
)

// server is a log of 300 events (the publish of pad@1.0.0 among them),
// served by logapi.
func server(t *testing.T) *httptest.Server {
	t.Helper()
	dir := t.TempDir()
	st, err := sqlite.Open(context.Background(), filepath.Join(dir, "metadata.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	at := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	err = st.Update(context.Background(), func(tx store.Tx) error {
		for i := range 300 {
			e := event.AccessChange{Access: "public"}.At(at, "alice", "other", "")
			if i == 41 {
				e = event.Publish{Integrity: "sha512-x", Tag: "latest", IP: "192.0.2.1", Notify: []string{"alice"}}.At(at, "alice", "pad", "1.0.0")
			}
			if err := tx.AppendEvent(e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	l, err := tlog.Open(context.Background(), st, tlog.Config{Dir: filepath.Join(dir, "tlog"), Origin: "registry.test/-/log", CheckpointEvery: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close(context.Background()) })
	if err := l.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(60 * time.Second); ; {
		if _, cp, err := l.Checkpoint(context.Background()); err == nil && cp.Size == 300 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no checkpoint of 300")
		}
		time.Sleep(20 * time.Millisecond)
	}
	h, err := logapi.New(l, tlog.LogDir(filepath.Join(dir, "tlog")), logapi.Access{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(logapi.Prefix, h)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// TestFeedLookupAndFiles: the feed pages through every event from the
// log (resumable with next), the lookups name the leaves, the static
// files carry their cache headers, and nothing else is served.
func TestFeedLookupAndFiles(t *testing.T) {
	srv := server(t)
	base := srv.URL + "/-/log/"

	var seqs []int64
	after := "0"
	for range 10 {
		resp, body := get(t, base+"feed?limit=128&after="+after)
		if resp.StatusCode != 200 {
			t.Fatalf("feed: %d %s", resp.StatusCode, body)
		}
		var page struct {
			Entries []struct {
				Index uint64     `json:"index"`
				Entry tlog.Entry `json:"entry"`
			} `json:"entries"`
			Next uint64 `json:"next"`
			Size uint64 `json:"tree_size"`
		}
		if err := json.Unmarshal([]byte(body), &page); err != nil {
			t.Fatal(err)
		}
		if page.Size != 300 {
			t.Fatalf("tree_size %d", page.Size)
		}
		if len(page.Entries) == 0 {
			break
		}
		for _, e := range page.Entries {
			seqs = append(seqs, e.Entry.Seq)
			if e.Entry.Type == "package.publish" && (strings.Contains(string(e.Entry.Data), "192.0.2.1") || !strings.Contains(string(e.Entry.Data), `"integrity":"sha512-x"`)) {
				t.Errorf("the publish's public form: %s", e.Entry.Data)
			}
		}
		after = jsonNumber(page.Next)
	}
	if len(seqs) != 300 || seqs[0] != 1 || seqs[299] != 300 {
		t.Fatalf("the feed gave %d events (%v...)", len(seqs), seqs[:min(3, len(seqs))])
	}

	_, body := get(t, base+"lookup/pad@1.0.0")
	if !strings.Contains(body, `"entries":[{"index":41,"seq":42,"type":"package.publish"}]`) {
		t.Errorf("lookup: %s", body)
	}
	_, body = get(t, base+"lookup/event/42")
	if !strings.Contains(body, `"index":41`) {
		t.Errorf("lookup by event: %s", body)
	}
	for path, want := range map[string]int{
		"feed?limit=1001":   400,
		"feed?after=-1":     400,
		"lookup/pad":        400,
		"lookup/event/301":  404,
		".state/treeState":  404,
		"tile/0/.p/x":       404,
		"nothing":           404,
		"tile/0/000.p/ff/x": 404,
	} {
		if resp, body := get(t, base+path); resp.StatusCode != want || !strings.Contains(body, `"error"`) {
			t.Errorf("%s: %d %s, want %d with an error", path, resp.StatusCode, body, want)
		}
	}
	resp, body := get(t, base+"checkpoint")
	if resp.StatusCode != 200 || !strings.HasPrefix(body, "registry.test/-/log\n300\n") || !strings.Contains(resp.Header.Get("Cache-Control"), "max-age=1") {
		t.Errorf("checkpoint: %d %q %q", resp.StatusCode, resp.Header.Get("Cache-Control"), body)
	}
	if resp, _ := get(t, base+"tile/0/000"); resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") {
		t.Errorf("full tile: %d %q", resp.StatusCode, resp.Header.Get("Cache-Control"))
	}
	if resp, _ := get(t, base+"tile/0/001.p/44"); resp.StatusCode != 200 || strings.Contains(resp.Header.Get("Cache-Control"), "immutable") {
		t.Errorf("partial tile: %d %q", resp.StatusCode, resp.Header.Get("Cache-Control"))
	}
	if resp, _ := get(t, base+"tile/entries/000"); resp.StatusCode != 200 {
		t.Errorf("full entry bundle: %d", resp.StatusCode)
	}
	req, _ := http.NewRequest(http.MethodPost, base+"checkpoint", nil)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 405 || resp.Header.Get("Allow") == "" {
		t.Errorf("POST: %v %v", resp, err)
	}
}

func jsonNumber(n uint64) string { b, _ := json.Marshal(n); return string(b) }
