package moderationapi

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rampart/rampart/internal/core"
)

// The paths the API takes, with npm's two spellings of a scoped name;
// a wrong method is 405 with what the path takes, anything else 404.
func TestRoute(t *testing.T) {
	for _, c := range []struct {
		method, path     string
		pattern, pkg, id string
		kind             core.Kind
	}{
		{"GET", "held", "/-/rampart/v1/moderation/held", "", "", 0},
		{"GET", "rescan", "/-/rampart/v1/moderation/rescan", "", "", 0},
		{"POST", "rescan", "/-/rampart/v1/moderation/rescan", "", "", 0},
		{"GET", "package/pad/v/1.0.1", "/-/rampart/v1/moderation/package/{pkg}/v/{id}", "pad", "1.0.1", 0},
		{"GET", "package/@acme%2fpad/v/1.0.1", "/-/rampart/v1/moderation/package/{pkg}/v/{id}", "@acme/pad", "1.0.1", 0},
		{"POST", "package/@acme/pad/v/1.0.1/confirm", "/-/rampart/v1/moderation/package/{pkg}/v/{id}/confirm", "@acme/pad", "1.0.1", 0},
		{"POST", "package/pad/v/1.0.1/hold", "/-/rampart/v1/moderation/package/{pkg}/v/{id}/hold", "pad", "1.0.1", 0},
		// A package named "v": the method decides.
		{"GET", "package/@s/v/v/hold", "/-/rampart/v1/moderation/package/{pkg}/v/{id}", "@s/v", "hold", 0},
		{"POST", "package/v/v/1.0.0/release", "/-/rampart/v1/moderation/package/{pkg}/v/{id}/release", "v", "1.0.0", 0},
		{"GET", "upstream/held", "/-/rampart/v1/moderation/upstream/held", "", "", 0},
		{"GET", "upstream/decided", "/-/rampart/v1/moderation/upstream/decided", "", "", 0},
		{"GET", "upstream/packages", "/-/rampart/v1/moderation/upstream/packages", "", "", 0},
		{"GET", "upstream/package/@acme%2fpad/v/1.0.1", "/-/rampart/v1/moderation/upstream/package/{pkg}/v/{id}", "@acme/pad", "1.0.1", 0},
		{"GET", "upstream/package/pad/v/release", "/-/rampart/v1/moderation/upstream/package/{pkg}/v/{id}", "pad", "release", 0},
		{"POST", "upstream/package/pad/v/1.0.1", "", "", "", core.KindWrongMethod},
		{"POST", "upstream/package/@acme%2fpad/v/1.0.1/confirm", "/-/rampart/v1/moderation/upstream/package/{pkg}/v/{id}/confirm", "@acme/pad", "1.0.1", 0},
		{"POST", "upstream/package/pad/v/1.0.1/release", "/-/rampart/v1/moderation/upstream/package/{pkg}/v/{id}/release", "pad", "1.0.1", 0},
		{"GET", "upstream/package/pad/v/1.0.1/release", "", "", "", core.KindWrongMethod},
		{"POST", "upstream/package/pad/v/1.0.1/hold", "", "", "", core.KindNotFound},
		{"GET", "upstream/package/pad/v/1.0.1", "/-/rampart/v1/moderation/upstream/package/{pkg}/v/{id}", "pad", "1.0.1", 0},
		{"DELETE", "held", "", "", "", core.KindWrongMethod},
		{"POST", "package/pad/v/1.0.1", "", "", "", core.KindWrongMethod},
		{"GET", "package/pad/v/1.0.1/hold", "", "", "", core.KindWrongMethod},
		{"POST", "package/pad/v/1.0.1/frobnicate", "", "", "", core.KindNotFound},
		{"GET", "package/a/b/v/1.0.0", "", "", "", core.KindNotFound},
		{"GET", "package/../v/1.0.0", "", "", "", core.KindNotFound},
		{"GET", "package/%zz/v/1.0.0", "", "", "", core.KindNotFound},
		{"GET", "held/", "", "", "", core.KindNotFound},
	} {
		ep, pkg, id, err := route(c.method, Prefix+c.path)
		if c.kind != 0 {
			if core.KindOf(err) != c.kind {
				t.Errorf("%s %s: %v, want kind %v", c.method, c.path, err, c.kind)
			}
			continue
		}
		if err != nil || ep.pattern != c.pattern || pkg != c.pkg || id != c.id {
			t.Errorf("%s %s: %v %q %q %v; want %s %q %q", c.method, c.path, ep, pkg, id, err, c.pattern, c.pkg, c.id)
		}
	}
}

// Without the quarantine service the API says so; a wrong method gets
// Allow; a dead scheme is refused before anything is served.
func TestServeRefusals(t *testing.T) {
	h := New(nil, Config{}, nil)
	for _, c := range []struct {
		method, path, auth string
		status             int
		allow, body        string
	}{
		{"GET", "held", "", http.StatusNotFound, "", "not available"},
		{"PUT", "rescan", "", http.StatusMethodNotAllowed, "POST, GET", "takes only"},
		{"GET", "held", "Basic eDp5", http.StatusUnauthorized, "", "Bearer"},
	} {
		r := httptest.NewRequest(c.method, Prefix+c.path, nil)
		if c.auth != "" {
			r.Header.Set("Authorization", c.auth)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != c.status || w.Header().Get("Allow") != c.allow || !strings.Contains(w.Body.String(), c.body) {
			t.Errorf("%s %s: %d Allow %q %s", c.method, c.path, w.Code, w.Header().Get("Allow"), w.Body)
		}
	}
}
