package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/testserver"
)

// swapper stands between Rampart and its upstream (a second real Rampart)
// as a mirror does (its tarball links rewritten to its own origin) and,
// once told to, plays an upstream that serves other bytes for a version:
// its tarball replaced, and the packument's integrity claiming the new
// bytes.
type swapper struct {
	up       *url.URL
	self     string // the swapper's own URL, with a trailing slash
	proxy    *httputil.ReverseProxy
	file     atomic.Value // the tarball file name to swap, "" for none
	evil     []byte
	evilSRI  string
	requests atomic.Int64
}

func (s *swapper) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	file, _ := s.file.Load().(string)
	if file != "" && strings.HasSuffix(r.URL.Path, "/"+file) {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(s.evil)
		return
	}
	if strings.Contains(r.URL.Path, "/-/") {
		s.proxy.ServeHTTP(w, r)
		return
	}
	// A packument: fetch it honestly, point its tarballs here, and lie
	// about the swapped file.
	req, _ := http.NewRequestWithContext(r.Context(), http.MethodGet, s.up.String()+strings.TrimPrefix(r.URL.EscapedPath(), "/"), nil)
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var doc map[string]any
	if json.Unmarshal(body, &doc) == nil {
		for _, mv := range doc["versions"].(map[string]any) {
			dist := mv.(map[string]any)["dist"].(map[string]any)
			dist["tarball"] = strings.Replace(dist["tarball"].(string), s.up.String(), s.self, 1)
			if file != "" && strings.HasSuffix(dist["tarball"].(string), "/"+file) {
				dist["integrity"], dist["shasum"] = s.evilSRI, ""
			}
		}
		body, _ = json.Marshal(doc)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(resp.StatusCode)
	w.Write(body)
}

// TestUpstreamProxy (issue 13): a Rampart proxying another real Rampart.
// npm installs a tree mixing local and proxied packages; a proxied name
// cannot be published here (dependency confusion) and a local user's
// scope never resolves upstream although the upstream has it; versions
// in their cooldown stay hidden; an upstream that later serves other
// bytes under a pinned version is refused, and what was fetched before
// keeps being served as first seen.
func TestUpstreamProxy(t *testing.T) {
	t.Parallel()
	up := testserver.Start(t, testserver.Options{SMTP: true})
	upAlice := signup(t, up, "alice", alicePW)
	publish(t, upAlice, pkg{Name: "up-dep", Version: "1.0.0"})
	publish(t, upAlice, pkg{Name: "up-dep", Version: "1.1.0"})
	publish(t, upAlice, pkg{Name: "shared-name", Version: "9.0.0"})
	publish(t, upAlice, pkg{Name: "@alice/only-upstream", Version: "1.0.0"}, "--access", "public")

	upURL, _ := url.Parse(up.URL)
	sw := &swapper{up: upURL, proxy: httputil.NewSingleHostReverseProxy(upURL)}
	sw.file.Store("")
	peer := httptest.NewServer(sw)
	t.Cleanup(peer.Close)
	sw.self = peer.URL + "/"

	s := testserver.Start(t, testserver.Options{SMTP: true, Config: fmt.Sprintf(`
[[upstream]]
name = "public"
url = %q
packages = ["*"]
exclude = ["internal-*"]
cooldown = "1h"
`, peer.URL+"/")})
	alice := signup(t, s, "alice", alicePW)

	// The cooldown: every upstream version is minutes old, so none is
	// served yet, and installing fails as for a missing version.
	if d := getDoc(t, s, "up-dep"); len(d.Versions) != 0 {
		t.Fatalf("versions in their cooldown are served: %v", d.Versions)
	}
	s.Advance(t, 2*time.Hour)
	d := getDoc(t, s, "up-dep")
	v := d.Versions["1.1.0"]
	if v.Dist.Tarball != s.URL+"up-dep/-/up-dep-1.1.0.tgz" || !strings.HasPrefix(v.Dist.Integrity, "sha512-") {
		t.Fatalf("proxied up-dep@1.1.0: tarball %q integrity %q, want this registry's link and the sha512 integrity", v.Dist.Tarball, v.Dist.Integrity)
	}
	pinned := v.Dist.Integrity

	// No dependency confusion.
	r := alice.Run(writePkg(t, pkg{Name: "shared-name", Version: "10.0.0"}), "publish")
	mustFail(t, r, "shared-name is served from the upstream registry", "dependency confusion", "exclude")
	publish(t, alice, pkg{Name: "@alice/local-lib", Version: "1.0.0"}, "--access", "public")
	if got := packument(t, s, "@alice/only-upstream", ""); got.Status != http.StatusNotFound {
		t.Fatalf("@alice/only-upstream, in a local user's scope: %d, want 404 (never resolved upstream)", got.Status)
	}
	if status, page := browser(t, "GET", s.URL+"package/@alice/only-upstream", nil); status != http.StatusNotFound || strings.Contains(page, "proxied from") {
		t.Fatalf("@alice/only-upstream's web page, in a local user's scope: %d, want 404 and no proxied page", status)
	}
	if status, page := browser(t, "GET", s.URL+"package/up-dep", nil); status != http.StatusOK || !strings.Contains(page, "proxied from public") {
		t.Fatalf("up-dep's web page: %d, want the proxied package's page\n%s", status, page)
	}

	// A mixed tree: a local package (its name excluded from the upstream)
	// depending on a proxied one.
	publish(t, alice, pkg{Name: "internal-app", Version: "1.0.0", Deps: map[string]string{"up-dep": "^1.0.0", "@alice/local-lib": "^1.0.0"}})
	app := project(t)
	r = anon(t, s).MustRun(app, "install", "internal-app")
	mustContain(t, r.Output(), "added 3 packages")
	if got := installedVersion(t, app, "up-dep"); got != "1.1.0" {
		t.Fatalf("installed up-dep@%s, want 1.1.0", got)
	}
	lock := readLock(t, app)
	if e := lock.Packages["node_modules/up-dep"]; !strings.HasPrefix(e.Resolved, s.URL) || e.Integrity != pinned {
		t.Fatalf("lockfile up-dep: resolved %q integrity %q, want this registry's URL and %s", e.Resolved, e.Integrity, pinned)
	}

	// The upstream turns evil for up-dep@1.1.0: other bytes, and a
	// packument claiming them. This registry keeps the first-seen
	// integrity and the bytes it fetched, and reports the lie.
	evil := randomBytes(t, 2048)
	sw.evil, sw.evilSRI = evil, sri512(evil)
	sw.file.Store("up-dep-1.1.0.tgz")
	s.Advance(t, 10*time.Minute) // past the revalidation interval
	if got := getDoc(t, s, "up-dep").Versions["1.1.0"].Dist.Integrity; got != pinned {
		t.Fatalf("after the upstream changed its integrity the served one is %q, want the pinned %q", got, pinned)
	}
	app2 := project(t)
	anon(t, s).MustRun(app2, "install", "up-dep@1.1.0")
	if !logShows(s, "other bytes offered for a pinned version") {
		t.Fatalf("the mismatch was not reported in the log:\n%s", s.Log())
	}

	// A version pinned but never fetched: the upstream's other bytes are
	// refused outright.
	up.Advance(t, 3*time.Hour) // published "now" for this registry, whose clock is ahead
	publish(t, upAlice, pkg{Name: "up-dep", Version: "1.2.0"})
	s.Advance(t, 10*time.Minute)
	if got := getDoc(t, s, "up-dep").Versions; len(got) != 2 {
		t.Fatalf("1.2.0 is served before its cooldown: %d versions", len(got))
	}
	s.Advance(t, 2*time.Hour)
	if got := getDoc(t, s, "up-dep").Versions["1.2.0"].Dist.Integrity; got == "" { // pins 1.2.0 as first seen
		t.Fatal("up-dep@1.2.0 not served after its cooldown")
	}
	sw.file.Store("up-dep-1.2.0.tgz")
	tgz := do(t, "GET", s.URL+"up-dep/-/up-dep-1.2.0.tgz", "", nil)
	if tgz.Status != http.StatusBadGateway || !bytes.Contains(tgz.Body, []byte("differ from what it first offered")) {
		t.Fatalf("a swapped tarball under a pinned version: %d %s, want 502 naming the refusal", tgz.Status, tgz.Body)
	}
	app3 := project(t)
	r = anon(t, s).Run(app3, "install", "up-dep@1.2.0")
	mustFail(t, r, "differ from what it first offered")
}
