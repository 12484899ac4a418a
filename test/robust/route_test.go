package robust

import (
	"net/http"
	"strings"
	"testing"

	"github.com/rampart/rampart/internal/testserver"
)

// TestWrongMethodIs405 asks the real server for known npm paths with a
// method they do not take. Each answer is 405 with an Allow header and a
// JSON error that names the methods the path takes, so that a client (or
// its author) learns that the path exists and what to send; a 404 said
// "no such thing", which was false. Unknown and malformed paths stay 404.
func TestWrongMethodIs405(t *testing.T) {
	t.Parallel()
	s := testserver.Start(t, testserver.Options{})
	cases := []struct {
		method, path string
		status       int
		allow        string
		want         string // in the "error" field
	}{
		{"PATCH", "left-pad", 405, "GET, HEAD, PUT", `"/left-pad" takes only GET, HEAD, PUT, not "PATCH"`},
		{"POST", "@acme%2fwidget", 405, "GET, HEAD, PUT", `"/@acme/widget" takes only GET, HEAD, PUT, not "POST"`},
		{"PUT", "left-pad/-/left-pad-1.0.0.tgz", 405, "GET, HEAD", "takes only GET, HEAD"},
		{"GET", "left-pad/-rev/1-abc", 405, "PUT, DELETE", "takes only PUT, DELETE"},
		{"POST", "-/whoami", 405, "GET", `"/-/whoami" takes only GET, not "POST"`},
		{"GET", "-/v1/login", 405, "POST", "takes only POST"},
		{"DELETE", "-/user/org.couchdb.user:alice", 405, "PUT, GET", "takes only PUT, GET"},
		{"GET", "-/npm/v1/security/advisories/bulk", 405, "POST", "takes only POST"},
		{"DELETE", "-/package/left-pad/visibility", 405, "GET", "takes only GET"},

		{"GET", "-/no-such-thing", 404, "", `no such endpoint: "/-/no-such-thing"`},
		{"PATCH", "-/no-such-thing", 404, "", "no such endpoint"},
		{"GET", "left-pad/no-such-thing", 404, "", "no such endpoint"},
		{"GET", "left-pad%00", 404, "", "NUL"},
	}
	for _, c := range cases {
		rep := mustDo(t, c.method, s.URL+c.path, "", nil)
		if rep.Status != c.status {
			t.Errorf("%s /%s: %d %s, want %d", c.method, c.path, rep.Status, rep.Body, c.status)
			continue
		}
		if got := rep.Header.Get("Allow"); got != c.allow {
			t.Errorf("%s /%s: Allow %q, want %q", c.method, c.path, got, c.allow)
		}
		if ct := rep.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("%s /%s: Content-Type %q", c.method, c.path, ct)
		}
		if msg := rep.ErrorMsg(); !strings.Contains(msg, c.want) {
			t.Errorf("%s /%s: error %q, want it to contain %q", c.method, c.path, msg, c.want)
		}
	}

	// The methods a path takes still work: the same paths, right method.
	if rep := mustDo(t, http.MethodGet, s.URL+"-/whoami", "", nil); rep.Status != http.StatusUnauthorized {
		t.Errorf("GET /-/whoami anonymously: %d %s, want 401", rep.Status, rep.Body)
	}
	if rep := mustDo(t, http.MethodGet, s.URL+"left-pad", "", nil); rep.Status != http.StatusNotFound || !strings.Contains(rep.ErrorMsg(), "left-pad was not found") {
		t.Errorf("GET /left-pad: %d %s, want 404 for the package", rep.Status, rep.Body)
	}
}
