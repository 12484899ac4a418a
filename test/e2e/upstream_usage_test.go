package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestUpstreamProxiedDownloadsCounted (issue 13): the operator sees
// which upstream packages this registry serves. A proxied tarball counts
// as a local one does: a complete GET, once per client source and day;
// a HEAD or a partial range from the same address counts nothing. The
// moderation API lists the proxied packages with their pins (first-seen
// time, integrity), 30-day downloads and holds.
func TestUpstreamProxiedDownloadsCounted(t *testing.T) {
	t.Parallel()
	up := server(t, "")
	upAlice := signup(t, up, "alice", alicePW)
	publish(t, upAlice, pkg{Name: "up-used", Version: "1.0.0"})
	publish(t, upAlice, pkg{Name: "up-used", Version: "1.1.0"})
	publish(t, upAlice, pkg{Name: "up-unused", Version: "1.0.0"})

	s := server(t, fmt.Sprintf("[[upstream]]\nname = \"public\"\nurl = %q\npackages = [\"*\"]\n", up.URL))
	mod := newModerator(t, s, "carol", bobPW)
	usage := func(q string) map[string]any {
		t.Helper()
		r := mod.call(t, "GET", "upstream/packages?q="+q, nil)
		if r.Status != http.StatusOK {
			t.Fatalf("upstream/packages?q=%s: %d %s", q, r.Status, r.Body)
		}
		var out struct {
			Packages []map[string]any `json:"packages"`
		}
		if err := json.Unmarshal(r.Body, &out); err != nil {
			t.Fatal(err)
		}
		if len(out.Packages) != 1 {
			t.Fatalf("upstream/packages?q=%s lists %d packages, want 1: %s", q, len(out.Packages), r.Body)
		}
		return out.Packages[0]
	}
	downloads := func() float64 {
		t.Helper()
		n, _ := usage("up-used")["downloads"].(float64)
		return n
	}
	tarball := s.URL + "up-used/-/up-used-1.1.0.tgz"
	notDownloads := func() {
		t.Helper()
		if r := do(t, "HEAD", tarball, "", nil); r.Status != http.StatusOK {
			t.Fatalf("HEAD %s: %d", tarball, r.Status)
		}
		req, _ := http.NewRequest("GET", tarball, nil)
		req.Header.Set("Range", "bytes=0-9")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusPartialContent {
			t.Fatalf("a range of %s: %d, want 206", tarball, resp.StatusCode)
		}
	}

	// The packument pins every version; a HEAD and a range are no download.
	anon(t, s).MustRun(project(t), "view", "up-used", "version")
	notDownloads()
	if n := downloads(); n != 0 {
		t.Fatalf("downloads = %v after a HEAD and a range request, want 0", n)
	}
	// npm's download counts once; a second install from the same
	// address the same day (a fresh cache) does not count again.
	for range 2 {
		app := project(t)
		anon(t, s).MustRun(app, "install", "up-used")
		if v := installedVersion(t, app, "up-used"); v != "1.1.0" {
			t.Fatalf("installed up-used@%s", v)
		}
	}
	p := usage("up-used")
	if p["downloads"] != 1.0 || p["upstream"] != "public" || p["versions_pinned"] != 2.0 || p["package"] != "up-used" {
		t.Fatalf("up-used after two installs from one address: %v, want 1 download, 2 versions pinned from public", p)
	}
	vs, _ := p["versions"].([]any)
	if len(vs) != 1 {
		t.Fatalf("versions downloaded: %v, want 1.1.0 alone", vs)
	}
	v := vs[0].(map[string]any)
	if v["version"] != "1.1.0" || !strings.HasPrefix(v["integrity"].(string), "sha512-") || v["first_seen"] == "" || v["downloads"] != 1.0 {
		t.Fatalf("up-used@1.1.0: %v", v)
	}

	// The next day: a HEAD and a range still count nothing; a download
	// counts again.
	s.Advance(t, 25*time.Hour)
	mod = newModerator(t, s, "dave", bobPW) // carol's token expired
	notDownloads()
	if n := downloads(); n != 1 {
		t.Fatalf("downloads = %v after the next day's HEAD and range, want still 1", n)
	}
	anon(t, s).MustRun(project(t), "install", "up-used@1.0.0")
	anon(t, s).MustRun(project(t), "install", "up-used@1.1.0")
	p = usage("up-used")
	if p["downloads"] != 3.0 {
		t.Fatalf("downloads = %v after the next day's two versions, want 3", p["downloads"])
	}
	// Out of the 30-day window, the sum forgets them.
	s.Advance(t, 31*24*time.Hour)
	mod = newModerator(t, s, "erin", bobPW)
	if n := downloads(); n != 0 {
		t.Fatalf("downloads = %v a month later, want 0 in the last 30 days", n)
	}
	// A name prefix finds the one proxied package only; one whose
	// packument was read is listed, downloaded or not.
	anon(t, s).MustRun(project(t), "view", "up-unused", "version")
	if p := usage("up-un"); p["package"] != "up-unused" || p["downloads"] != 0.0 || p["versions_pinned"] != 1.0 {
		t.Fatalf("upstream/packages?q=up-un: %v", p)
	}
}
