package server

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

// wildcard is a {name} or {name...} segment of a mux pattern.
var wildcard = regexp.MustCompile(`\{[^}]*\}`)

// TestFastReadsRoutesAsMux checks that the short way in front of the mux
// changes no request's route: every request reaches the handler (or the
// redirect, 404 or 405) the mux alone would give it, with Handler's
// patterns.
func TestFastReadsRoutesAsMux(t *testing.T) {
	mark := func(name string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) { w.Header().Set("X-Route", name) }
	}
	// The server's own list of patterns (serverRoutes), each marked with
	// its name, so that a route added to the server is checked here too.
	routes := serverRoutes(func(name string) http.Handler { return mark(name) })
	catchAll := mark("catch-all")
	mux := newMux(routes)
	mux.Handle("/", catchAll)
	fast := fastReads(mux, catchAll)

	// Each route's own path, with what follows a wildcard filled in, is
	// asked too: none may take the short way past its handler.
	targets := []string{
		"/", "/left-pad", "/left-pad/-/left-pad-1.0.0.tgz", "/@scope%2fname", "/@scope/name",
		"/@scope%2Fname/-/name-1.0.0.tgz", "/left-pad/", "/left-pad?write=true",
		"//left-pad", "/a/../-/healthz", "/./left-pad", "/left-pad/.", "/left-pad/..", "/left-pad//x",
		"/-/healthz", "/-/static/app.css", "/-/policies/privacy", "/-/webauthn/x", "/-", "/-foo",
		"/%2D/healthz", "/%2d/static/app.css", "/-/secret-scanning/github", "/-/v1/search?text=x",
		"/-/user/org.couchdb.user:alice", "/-/npm/v1/security/audits/quick",
		"/.well-known/security.txt", "/%2Ewell-known/security.txt",
	}
	for _, rt := range routes {
		_, p, _ := strings.Cut(rt.pattern, " ")
		if p == "" {
			p = rt.pattern
		}
		if !strings.HasPrefix(p, "/-/") && !strings.HasPrefix(p, "/.") {
			t.Errorf("route %q is outside /-/ and /.: exclude it in catchAllOnly (fastreads.go), with a case here", rt.pattern)
		}
		p = wildcard.ReplaceAllString(p, "x")
		targets = append(targets, p, p+"x")
	}

	shortWay := 0
	for _, method := range []string{http.MethodGet, http.MethodHead, http.MethodPut, http.MethodPost, http.MethodDelete} {
		for _, target := range targets {
			want, got := httptest.NewRecorder(), httptest.NewRecorder()
			mux.ServeHTTP(want, httptest.NewRequest(method, target, nil))
			fast.ServeHTTP(got, httptest.NewRequest(method, target, nil))
			if got.Code != want.Code || got.Header().Get("X-Route") != want.Header().Get("X-Route") || got.Header().Get("Location") != want.Header().Get("Location") {
				t.Errorf("%s %s: fastReads gives %d %q (Location %q), the mux %d %q (Location %q)", method, target,
					got.Code, got.Header().Get("X-Route"), got.Header().Get("Location"),
					want.Code, want.Header().Get("X-Route"), want.Header().Get("Location"))
			}
			r := httptest.NewRequest(method, target, nil)
			if (method == http.MethodGet || method == http.MethodHead) && catchAllOnly(r.URL.EscapedPath()) {
				shortWay++
			}
		}
	}
	if shortWay == 0 {
		t.Fatal("no request took the short way")
	}
}

// TestCatchAllOnly: a path ServeMux would redirect, or that may name a
// "/-/" endpoint, is never taken the short way.
func TestCatchAllOnly(t *testing.T) {
	for p, want := range map[string]bool{
		"/left-pad": true, "/@scope%2fname": true, "/left-pad/-/left-pad-1.0.0.tgz": true, "/left-pad/": true,
		"/": false, "": false, "/-/healthz": false, "/%2D/healthz": false, "//x": false, "/x/./y": false,
		"/x/../-/healthz": false, "/x/": true, "/x//": false, "/x/.": false,
		"/.well-known/security.txt": false, "/%2Ewell-known/security.txt": false,
	} {
		if got := catchAllOnly(p); got != want {
			t.Errorf("catchAllOnly(%q) = %v, want %v", p, got, want)
		}
	}
}
