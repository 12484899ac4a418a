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
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/testserver"
)

// counting stands in front of an upstream and counts the requests it
// passes on, by path: what the upstream would see.
type counting struct {
	proxy *httputil.ReverseProxy
	mu    sync.Mutex
	paths map[string]int
	// mutate, if set, may change each packument the upstream sends.
	mutate func(doc map[string]any)
	// replace, if set, answers a path itself (a JSON body) instead of
	// the upstream when it returns true.
	replace func(path string) ([]byte, bool)
}

func newCounting(t *testing.T, up *testserver.Server) (*httptest.Server, *counting) {
	t.Helper()
	u, _ := url.Parse(up.URL)
	c := &counting{proxy: &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(u)
		r.Out.Header.Del("Accept-Encoding")
	}}, paths: map[string]int{}}
	srv := httptest.NewUnstartedServer(c)
	self := "http://" + srv.Listener.Addr().String() + "/"
	// As a mirror does: the packuments' tarball links point at itself.
	c.proxy.ModifyResponse = func(resp *http.Response) error {
		if !strings.Contains(resp.Header.Get("Content-Type"), "json") {
			return nil
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		b = bytes.ReplaceAll(b, []byte(up.URL), []byte(self))
		c.mu.Lock()
		mutate := c.mutate
		c.mu.Unlock()
		var doc map[string]any
		if mutate != nil && json.Unmarshal(b, &doc) == nil && doc["versions"] != nil {
			mutate(doc)
			b, _ = json.Marshal(doc)
		}
		resp.Body = io.NopCloser(bytes.NewReader(b))
		resp.ContentLength = int64(len(b))
		resp.Header.Set("Content-Length", strconv.Itoa(len(b)))
		resp.Header.Del("ETag")
		return nil
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, c
}

func (c *counting) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	c.paths[r.URL.EscapedPath()]++
	replace := c.replace
	c.mu.Unlock()
	if replace != nil {
		if body, ok := replace(r.URL.EscapedPath()); ok {
			w.Header().Set("Content-Type", "application/json")
			w.Write(body)
			return
		}
	}
	c.proxy.ServeHTTP(w, r)
}

func (c *counting) count(prefix string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for p, k := range c.paths {
		if strings.HasPrefix(p, prefix) {
			n += k
		}
	}
	return n
}

// TestUpstreamNegativeCacheAndRate (issue 13): made-up names cannot turn
// the proxy into an amplifier. A name the upstream does not have reaches
// the upstream once within the negative cache's time, however often it is
// asked for; one client's fetches of names not cached are rate limited,
// with a clear 429; real packages keep working from the cache.
func TestUpstreamNegativeCacheAndRate(t *testing.T) {
	t.Parallel()
	up := testserver.Start(t, testserver.Options{SMTP: true})
	upAlice := signup(t, up, "alice", alicePW)
	publish(t, upAlice, pkg{Name: "real-dep", Version: "1.0.0"})
	front, cnt := newCounting(t, up)

	s := testserver.Start(t, testserver.Options{Config: fmt.Sprintf(`
[[upstream]]
name = "public"
url = %q
packages = ["*"]
negative_ttl = "10m"
client_fetch_burst = 6
client_fetch_every = "1h"
`, front.URL+"/")})
	s.Freeze(t, true)

	// The real package first: one fetch of the budget, then cached.
	if d := getDoc(t, s, "real-dep"); len(d.Versions) != 1 {
		t.Fatalf("real-dep through the proxy: %v", d.Versions)
	}
	// Five made-up names, each asked for four times: five upstream
	// requests in all.
	for round := 0; round < 4; round++ {
		for i := 0; i < 5; i++ {
			name := fmt.Sprintf("made-up-%d", i)
			if got := packument(t, s, name, ""); got.Status != http.StatusNotFound || !strings.Contains(string(got.Body), "not found here or on the upstream registry") {
				t.Fatalf("round %d, %s: %d %s, want 404 naming the upstream", round, name, got.Status, got.Body)
			}
		}
	}
	if n := cnt.count("/made-up-"); n != 5 {
		t.Fatalf("the upstream saw %d requests for 5 made-up names asked 4 times each, want 5 (one per name within negative_ttl)", n)
	}
	// The budget is spent (6): a new name is refused before it reaches
	// the upstream, with a clear 429; the cached real package is still
	// served, and npm reads it.
	got := packument(t, s, "made-up-new", "")
	if got.Status != http.StatusTooManyRequests || !strings.Contains(string(got.Body), "too many requests from your address for packages not cached") {
		t.Fatalf("a 7th uncached name: %d %s, want 429 with the reason", got.Status, got.Body)
	}
	for i := 0; i < 20; i++ {
		packument(t, s, fmt.Sprintf("flood-%d", i), "")
	}
	if n := cnt.count("/made-up-new") + cnt.count("/flood-"); n != 0 {
		t.Fatalf("rate-limited names reached the upstream %d times", n)
	}
	r := anon(t, s).MustRun(project(t), "view", "real-dep", "version")
	mustContain(t, r.Output(), "1.0.0")

	// After negative_ttl a missing name is asked again (the bucket has
	// drained by then too).
	s.Advance(t, 2*time.Hour)
	if got := packument(t, s, "made-up-0", ""); got.Status != http.StatusNotFound {
		t.Fatalf("made-up-0 after the negative cache expired: %d %s", got.Status, got.Body)
	}
	if n := cnt.count("/made-up-0"); n != 2 {
		t.Fatalf("made-up-0 reached the upstream %d times, want 2 (once per negative_ttl)", n)
	}
	r = anon(t, s).Run(project(t), "view", "made-up-1")
	mustFail(t, r, "E404", "not found here or on the upstream registry")
}
