package npm

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/rampart/rampart/internal/core"
)

// TestRouteNPMRequests routes the requests npm 11 makes, written as it
// sends them (npm-protocol.md, the [observed] ones verbatim), to the
// endpoint that serves them.
func TestRouteNPMRequests(t *testing.T) {
	cases := []struct {
		method, path string
		pattern      string
		want         args
	}{
		{"GET", "/-/ping", "/-/ping", args{}},
		{"GET", "/-/whoami", "/-/whoami", args{}},
		{"POST", "/-/v1/login", "/-/v1/login", args{}},
		{"GET", "/-/v1/done/abc123", "/-/v1/done/{id}", args{id: "abc123"}},
		{"PUT", "/-/user/org.couchdb.user:alice", "/-/user/org.couchdb.user:{user}", args{user: "alice"}},
		{"GET", "/-/user/org.couchdb.user:alice", "/-/user/org.couchdb.user:{user}", args{user: "alice"}},
		{"DELETE", "/-/user/token/rmp_abc%2Bdef", "/-/user/token/{token}", args{token: "rmp_abc+def"}},
		{"GET", "/-/user/alice/package", "/-/user/{user}/package", args{user: "alice"}},
		// A user named "token" has packages too.
		{"GET", "/-/user/token/package", "/-/user/{user}/package", args{user: "token"}},
		{"DELETE", "/-/user/token/package", "/-/user/token/{token}", args{token: "package"}},
		{"GET", "/-/org/acme/package", "/-/org/{org}/package", args{org: "acme"}},

		{"GET", "/left-pad", "/{pkg}", args{pkg: "left-pad"}},
		{"HEAD", "/left-pad", "/{pkg}", args{pkg: "left-pad"}},
		{"GET", "/@acme%2fwidget", "/{pkg}", args{pkg: "@acme/widget"}},
		{"GET", "/@acme%2Fwidget", "/{pkg}", args{pkg: "@acme/widget"}},
		{"GET", "/@acme/widget", "/{pkg}", args{pkg: "@acme/widget"}},
		{"GET", "/a..b", "/{pkg}", args{pkg: "a..b"}},
		{"PUT", "/@acme%2fwidget", "/{pkg}", args{pkg: "@acme/widget"}},
		{"PUT", "/left-pad/-rev/6-abc", "/{pkg}/-rev/{rev}", args{pkg: "left-pad", rev: "6-abc"}},
		{"DELETE", "/@acme%2fwidget/-rev/1-abc", "/{pkg}/-rev/{rev}", args{pkg: "@acme/widget", rev: "1-abc"}},
		{"GET", "/left-pad/-/left-pad-1.1.0.tgz", "/{pkg}/-/{file}", args{pkg: "left-pad", file: "left-pad-1.1.0.tgz"}},
		{"GET", "/@acme/widget/-/widget-1.0.0.tgz", "/{pkg}/-/{file}", args{pkg: "@acme/widget", file: "widget-1.0.0.tgz"}},
		{"DELETE", "/left-pad/-/left-pad-1.1.0.tgz/-rev/7-abc", "/{pkg}/-/{file}/-rev/{rev}", args{pkg: "left-pad", file: "left-pad-1.1.0.tgz", rev: "7-abc"}},
		{"DELETE", "/@acme/widget/-/widget-1.0.0.tgz/-rev/7-abc", "/{pkg}/-/{file}/-rev/{rev}", args{pkg: "@acme/widget", file: "widget-1.0.0.tgz", rev: "7-abc"}},

		{"GET", "/-/package/@acme%2fwidget/visibility", "/-/package/{pkg}/visibility", args{pkg: "@acme/widget"}},
		{"GET", "/-/package/@acme/widget/dist-tags", "/-/package/{pkg}/dist-tags", args{pkg: "@acme/widget"}},
		{"PUT", "/-/package/left-pad/dist-tags/beta", "/-/package/{pkg}/dist-tags/{tag}", args{pkg: "left-pad", tag: "beta"}},
		{"DELETE", "/-/package/@acme%2fwidget/dist-tags/beta", "/-/package/{pkg}/dist-tags/{tag}", args{pkg: "@acme/widget", tag: "beta"}},
		{"POST", "/-/package/@acme%2fwidget/access", "/-/package/{pkg}/access", args{pkg: "@acme/widget"}},
		{"GET", "/-/package/left-pad/collaborators", "/-/package/{pkg}/collaborators", args{pkg: "left-pad"}},

		{"GET", "/-/npm/v1/tokens", "/-/npm/v1/tokens", args{}},
		{"POST", "/-/npm/v1/tokens", "/-/npm/v1/tokens", args{}},
		{"DELETE", "/-/npm/v1/tokens/token/0123abcd", "/-/npm/v1/tokens/token/{key}", args{key: "0123abcd"}},
		{"GET", "/-/npm/v1/user", "/-/npm/v1/user", args{}},
		{"POST", "/-/npm/v1/user", "/-/npm/v1/user", args{}},
		{"GET", "/-/v1/search", "/-/v1/search", args{}},
		{"POST", "/-/npm/v1/security/advisories/bulk", "/-/npm/v1/security/advisories/bulk", args{}},
		{"GET", "/-/npm/v1/keys", "/-/npm/v1/keys", args{}},
		{"POST", "/-/npm/v1/oidc/token/exchange/package/@acme%2fwidget", "/-/npm/v1/oidc/token/exchange/package/{pkg}", args{pkg: "@acme/widget"}},
	}
	for _, c := range cases {
		e, a, err := route(c.method, c.path)
		if err != nil {
			t.Errorf("%s %s: %v", c.method, c.path, err)
			continue
		}
		if e.method != c.method || e.pattern != c.pattern || a != c.want {
			t.Errorf("%s %s: routed to %s %s with %+v, want %s %s with %+v", c.method, c.path, e.method, e.pattern, a, c.method, c.pattern, c.want)
		}
	}
}

// samplePaths fills a pattern's wildcards with sample values, and gives
// every form npm may send a package name in.
func samplePaths(pattern string) []struct {
	path string
	want args
} {
	type sample = struct {
		path string
		want args
	}
	out := []sample{{"", args{}}}
	for _, seg := range strings.Split(strings.TrimPrefix(pattern, "/"), "/") {
		open := strings.IndexByte(seg, '{')
		if open < 0 {
			for i := range out {
				out[i].path += "/" + seg
			}
			continue
		}
		name := strings.TrimSuffix(seg[open+1:], "}")
		var next []sample
		for _, s := range out {
			if name == "pkg" {
				for _, form := range []struct{ path, name string }{
					{"left-pad", "left-pad"}, {"@acme%2fwidget", "@acme/widget"},
					{"@acme%2Fwidget", "@acme/widget"}, {"@acme/widget", "@acme/widget"},
				} {
					a := s.want
					a.pkg = form.name
					next = append(next, sample{s.path + "/" + form.path, a})
				}
				continue
			}
			a := s.want
			a.set(name, "v-"+name)
			next = append(next, sample{s.path + "/" + seg[:open] + "v-" + name, a})
		}
		out = next
	}
	return out
}

// TestEveryEndpointReachable: every row of the table is reached by a path
// of its own pattern, with every form of a package name, and no earlier
// row takes its requests.
func TestEveryEndpointReachable(t *testing.T) {
	for i := range endpoints {
		want := &endpoints[i]
		for _, s := range samplePaths(want.pattern) {
			e, a, err := route(want.method, s.path)
			switch {
			case err != nil:
				t.Errorf("%s %s (for %s): %v", want.method, s.path, want.pattern, err)
			case e != want:
				t.Errorf("%s %s: reached %s %s, want %s %s", want.method, s.path, e.method, e.pattern, want.method, want.pattern)
			case a != s.want:
				t.Errorf("%s %s: args %+v, want %+v", want.method, s.path, a, s.want)
			}
		}
	}
}

// TestWrongMethod: a method a known path does not take is 405, and Allow
// lists exactly the methods that path takes.
func TestWrongMethod(t *testing.T) {
	cases := []struct {
		method, path string
		allow        string
	}{
		{"PATCH", "/left-pad", "GET, HEAD, PUT"},
		{"DELETE", "/left-pad", "GET, HEAD, PUT"},
		{"POST", "/@acme%2fwidget", "GET, HEAD, PUT"},
		{"PUT", "/left-pad/-/left-pad-1.0.0.tgz", "GET, HEAD"},
		{"GET", "/left-pad/-rev/1-abc", "PUT, DELETE"},
		{"GET", "/left-pad/-/left-pad-1.0.0.tgz/-rev/1-abc", "DELETE"},
		{"POST", "/-/whoami", "GET"},
		{"HEAD", "/-/whoami", "GET"},
		{"POST", "/-/ping", "GET, HEAD"},
		{"GET", "/-/v1/login", "POST"},
		{"DELETE", "/-/user/org.couchdb.user:alice", "PUT, GET"},
		{"GET", "/-/user/token/rmp_x", "DELETE"},
		{"PUT", "/-/npm/v1/tokens", "GET, POST"},
		{"GET", "/-/npm/v1/tokens/token/abc", "DELETE"},
		{"GET", "/-/npm/v1/security/advisories/bulk", "POST"},
		{"GET", "/-/package/left-pad/dist-tags/beta", "PUT, POST, DELETE"},
		{"PUT", "/-/package/left-pad/dist-tags", "GET"},
		{"GET", "/-/package/left-pad/access", "POST"},
		// Two patterns match: the methods of both.
		{"POST", "/-/user/token/package", "DELETE, GET"},
	}
	for _, c := range cases {
		_, _, err := route(c.method, c.path)
		if core.KindOf(err) != core.KindWrongMethod {
			t.Errorf("%s %s: %v, want a wrong-method error", c.method, c.path, err)
			continue
		}
		if got := strings.Join(core.AllowOf(err), ", "); got != c.allow {
			t.Errorf("%s %s: Allow %q, want %q", c.method, c.path, got, c.allow)
		}
		if msg := core.Message(err); !strings.Contains(msg, c.allow) || !strings.Contains(msg, c.method) {
			t.Errorf("%s %s: message %q does not say which methods the path takes", c.method, c.path, msg)
		}
	}

	// And for every pattern in the table, every method it does not take.
	methods := []string{"GET", "HEAD", "PUT", "POST", "DELETE", "PATCH", "OPTIONS"}
	for _, pp := range routes {
		for _, s := range samplePaths(pp.pattern) {
			for _, m := range methods {
				e, _, err := route(m, s.path)
				takes := slices.Contains(pp.methods(), m)
				switch {
				case takes && err != nil:
					t.Errorf("%s %s: %v", m, s.path, err)
				case !takes && err == nil && e.pattern == pp.pattern:
					t.Errorf("%s %s: served by %s though the pattern does not list it", m, s.path, e.pattern)
				case !takes && err != nil && core.KindOf(err) != core.KindWrongMethod:
					t.Errorf("%s %s: %v, want 405", m, s.path, err)
				case !takes && err != nil:
					for _, want := range pp.methods() {
						if !slices.Contains(core.AllowOf(err), want) {
							t.Errorf("%s %s: Allow %v lacks %s", m, s.path, core.AllowOf(err), want)
						}
					}
				}
			}
		}
	}
}

// TestUnknownPaths are 404, whatever the method.
func TestUnknownPaths(t *testing.T) {
	for _, path := range []string{
		"/", "/-", "/-/", "/-/nope", "/-/v1", "/-/v1/done", "/-/v1/done/", "/-/user/org.couchdb.user:",
		"/left-pad/", "/left-pad/nope", "/left-pad/-", "/left-pad/-/", "/left-pad/-rev", "/left-pad/-/x.tgz/-rev",
		"/@acme", "/@acme%2f", "/@%2fwidget", "/@acme%2fwidget%2fmore", "/a%2fb", "/-/package/@acme/dist-tags",
		"//left-pad", "/left-pad//-/x.tgz", "/left-pad/-/..", "/left-pad/-/.", "/@acme%2f..", "/%2e%2e",
		"/left%00pad", "/left-pad%zz", "/left-pad/-/x%2f..%2fy.tgz",
	} {
		for _, m := range []string{"GET", "PUT", "DELETE"} {
			_, _, err := route(m, path)
			if core.KindOf(err) != core.KindNotFound {
				t.Errorf("%s %s: %v, want not found", m, path, err)
			} else if !strings.Contains(core.Message(err), "no such endpoint") {
				t.Errorf("%s %s: message %q", m, path, core.Message(err))
			}
		}
	}
}

// TestParsePathRefusesWhy: a refused path is answered with what is wrong
// with it.
func TestParsePathRefusesWhy(t *testing.T) {
	for path, why := range map[string]string{
		"/left-pad/-/../x":    `".." segment`,
		"/@acme%2f..":         `".." segment`,
		"/left-pad/./x":       `"." or ".." segment`,
		"/left-pad//x":        "empty segment",
		"/left-pad/":          "empty segment",
		"/left%00pad":         "NUL",
		"/left-pad%":          "malformed %-escape",
		"/" + "x%2F%2e%2E%2f": `".." segment`,
	} {
		_, err := parsePath(path)
		if err == nil || !strings.Contains(core.Message(err), why) {
			t.Errorf("parsePath(%q) = %v, want an error naming %s", path, err, why)
		}
	}
}

// TestRouteTableChecks: a table mistake is found when the package loads.
func TestRouteTableChecks(t *testing.T) {
	serve := func(*Handler, *call) error { return nil }
	for _, table := range [][]endpoint{
		{{http.MethodGet, "/{pkg}", serve, tokenMustHold}, {http.MethodGet, "/{pkg}", serve, tokenMustHold}},
		{{http.MethodGet, "/-/x/{nope}", serve, tokenMustHold}},
		{{http.MethodGet, "/-/x/a{pkg}", serve, tokenMustHold}},
		{{http.MethodGet, "no-slash", serve, tokenMustHold}},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("compileRoutes(%s %s) did not panic", table[0].method, table[len(table)-1].pattern)
				}
			}()
			compileRoutes(table)
		}()
	}
}

// BenchmarkRoute is the table's cost on the read path: a packument and a
// tarball, the requests installs make most.
func BenchmarkRoute(b *testing.B) {
	for _, path := range []string{"/left-pad", "/@acme%2fwidget", "/@acme/widget/-/widget-1.0.0.tgz"} {
		b.Run(path, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := route(http.MethodGet, path); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
