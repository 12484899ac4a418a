package logapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/logapi"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/sqlite"
	"github.com/rampart/rampart/internal/tlog"
)

// privateServer is a log of a public package's publish and a restricted
// one's (@acme/secret@1.0.0, by bob), served with a read decision that
// lets only a caller with the token "bob-token" read @acme/secret.
func privateServer(t *testing.T) (*httptest.Server, *tlog.Log) {
	t.Helper()
	dir := t.TempDir()
	st, err := sqlite.Open(context.Background(), filepath.Join(dir, "metadata.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	at := time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC)
	err = st.Update(context.Background(), func(tx store.Tx) error {
		for _, e := range []*core.Event{
			event.Publish{Integrity: "sha512-pub", Tag: "latest"}.At(at, "alice", "pad", "1.0.0"),
			event.Publish{Integrity: "sha512-hush", Tag: "latest"}.At(at, "bob", "@acme/secret", "1.0.0"),
		} {
			if err := tx.AppendEvent(e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	exists := func(name string) bool { return name == "pad" || name == "@acme/secret" }
	seal := tlog.SealPolicy(false, func(tx store.Tx, name string) (bool, bool, error) { return name != "@acme/secret", exists(name), nil })
	l, err := tlog.Open(context.Background(), st, tlog.Config{Dir: filepath.Join(dir, "tlog"), Origin: "registry.test/-/log", CheckpointEvery: 100 * time.Millisecond, Seal: seal})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close(context.Background()) })
	if err := l.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(60 * time.Second); ; {
		if _, cp, err := l.Checkpoint(context.Background()); err == nil && cp.Size == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no checkpoint of 2")
		}
		time.Sleep(20 * time.Millisecond)
	}
	access := logapi.Access{
		Authenticate: func(_ context.Context, token string, addr netip.Addr) (authz.Principal, error) {
			if token != "bob-token" {
				return authz.Principal{}, core.Errorf(core.KindUnauthenticated, "bad token")
			}
			return authz.Principal{User: &core.User{ID: 2, Name: "bob"}, Addr: addr}, nil
		},
		Readable: func(_ context.Context, p authz.Principal, name string) (bool, bool, error) {
			if !exists(name) {
				return false, false, nil
			}
			return name == "pad" || p.User != nil, true, nil
		},
	}
	h, err := logapi.New(l, tlog.LogDir(filepath.Join(dir, "tlog")), access, nil)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(logapi.Prefix, h)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, l
}

func getAs(t *testing.T, url, token string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return resp, b.String()
}

// TestPrivatePackageLookup: anonymous readers learn nothing of a
// restricted package from the static files, the feed or the lookup (its
// answer is the one for a name never logged, byte for byte); a reader
// who may read it gets the opening of its sealed leaf, which opens the
// leaf the log serves.
func TestPrivatePackageLookup(t *testing.T) {
	srv, l := privateServer(t)
	base := srv.URL + "/-/log/"
	for _, path := range []string{"tile/entries/000.p/2", "feed", "checkpoint", "tile/0/000.p/2"} {
		resp, body := getAs(t, base+path, "")
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, body)
		}
		for _, secret := range []string{"secret", "acme", "bob", "hush"} {
			if strings.Contains(body, secret) {
				t.Errorf("anonymous %s shows %q: %s", path, secret, body)
			}
		}
	}
	if _, body := getAs(t, base+"feed", ""); !strings.Contains(body, `"entry":{"commitment":"sha256:`) || !strings.Contains(body, `"package":"pad"`) {
		t.Errorf("feed: %s", body)
	}

	hidden, hiddenBody := getAs(t, base+"lookup/@acme/secret@1.0.0", "")
	missing, missingBody := getAs(t, base+"lookup/@acme/nothing@1.0.0", "")
	if hidden.StatusCode != 404 || missing.StatusCode != 404 ||
		strings.ReplaceAll(missingBody, "@acme/nothing", "@acme/secret") != hiddenBody || hidden.Header.Get("Content-Type") != missing.Header.Get("Content-Type") {
		t.Errorf("anonymous lookup of a restricted package: %d %s\nof a name never logged: %d %s", hidden.StatusCode, hiddenBody, missing.StatusCode, missingBody)
	}
	if !strings.Contains(hiddenBody, "npm login") {
		t.Errorf("the not-found does not say how to see a private package: %s", hiddenBody)
	}
	if resp, body := getAs(t, base+"lookup/@acme/secret@1.0.0", "stolen"); resp.StatusCode != 401 {
		t.Errorf("a bad token: %d %s", resp.StatusCode, body)
	}

	resp, body := getAs(t, base+"lookup/@acme/secret@1.0.0", "bob-token")
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Cache-Control"), "no-store") {
		t.Fatalf("bob's lookup: %d %q %s", resp.StatusCode, resp.Header.Get("Cache-Control"), body)
	}
	var got struct {
		Entries []tlog.Located `json:"entries"`
	}
	if err := json.Unmarshal([]byte(body), &got); err != nil || len(got.Entries) != 1 || got.Entries[0].Opening == nil {
		t.Fatalf("bob's lookup: %s (%v)", body, err)
	}
	items, _, err := l.Feed(context.Background(), got.Entries[0].Index, 1)
	if err != nil || len(items) != 1 {
		t.Fatal(err)
	}
	plain, err := got.Entries[0].Opening.Open(items[0].Entry)
	if err != nil || plain.Package != "@acme/secret" || plain.Version != "1.0.0" || plain.Integrity() != "sha512-hush" || plain.Actor != "bob" {
		t.Errorf("the opening: %+v, %v", plain, err)
	}
	// The public package's lookup is as before, for anyone.
	if resp, body := getAs(t, base+"lookup/pad@1.0.0", ""); resp.StatusCode != 200 || !strings.Contains(body, `"entries":[{"index":0,"seq":1,"type":"package.publish"}]`) {
		t.Errorf("public lookup: %d %s", resp.StatusCode, body)
	}
}
