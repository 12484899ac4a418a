package provenanceapi

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
	const policyPattern, attPattern = "/-/rampart/v1/package/{pkg}/provenance-policy", "/-/rampart/v1/attestations/{id}"
	for _, c := range []struct {
		method, path string
		pattern, arg string
		kind         core.Kind
	}{
		{"GET", "package/pad/provenance-policy", policyPattern, "pad", 0},
		{"PUT", "package/pad/provenance-policy", policyPattern, "pad", 0},
		{"GET", "package/@acme%2fpad/provenance-policy", policyPattern, "@acme/pad", 0},
		{"GET", "package/@acme%2Fpad/provenance-policy", policyPattern, "@acme/pad", 0},
		{"PUT", "package/@acme/pad/provenance-policy", policyPattern, "@acme/pad", 0},
		{"GET", "attestations/pad@1.0.0", attPattern, "pad@1.0.0", 0},
		{"GET", "attestations/@acme%2fpad@1.0.0", attPattern, "@acme/pad@1.0.0", 0},
		{"POST", "package/pad/provenance-policy", "", "", core.KindWrongMethod},
		{"DELETE", "attestations/pad@1.0.0", "", "", core.KindWrongMethod},
		{"GET", "package/a/b/provenance-policy", "", "", core.KindNotFound},
		{"GET", "package/-/provenance-policy", "", "", core.KindNotFound},
		{"GET", "package/@acme%2f../provenance-policy", "", "", core.KindNotFound},
		{"GET", "package/../provenance-policy", "", "", core.KindNotFound},
		{"GET", "package/%zz/provenance-policy", "", "", core.KindNotFound},
		{"GET", "package/pad/provenance-policy/", "", "", core.KindNotFound},
		{"GET", "package/pad/trust", "", "", core.KindNotFound},
		{"GET", "attestations/@acme/pad@1.0.0", "", "", core.KindNotFound},
		{"GET", "attestations/", "", "", core.KindNotFound},
		{"GET", "attestations/pad%00@1.0.0", "", "", core.KindNotFound},
	} {
		ep, arg, err := route(c.method, "/-/rampart/v1/"+c.path)
		if c.kind != 0 {
			if core.KindOf(err) != c.kind {
				t.Errorf("%s %s: %v, want kind %v", c.method, c.path, err, c.kind)
			}
			continue
		}
		if err != nil || ep.pattern != c.pattern || arg != c.arg {
			t.Errorf("%s %s: %v %q %v; want %s %q", c.method, c.path, ep, arg, err, c.pattern, c.arg)
		}
	}
}

// A wrong method gets Allow; a password or an unknown scheme is refused
// before anything is served, in npm's words; without the signing service
// attestations are not available.
func TestServeRefusals(t *testing.T) {
	h := New(nil, nil, Config{}, nil)
	for _, c := range []struct {
		method, path, auth string
		status             int
		allow, body        string
	}{
		{"DELETE", PrefixPackage + "pad/provenance-policy", "", http.StatusMethodNotAllowed, "GET, PUT", "takes only"},
		{"POST", PrefixAttestations + "pad@1.0.0", "", http.StatusMethodNotAllowed, "GET", "takes only"},
		{"GET", PrefixAttestations + "pad@1.0.0", "", http.StatusNotFound, "", "not available"},
		{"GET", PrefixPackage + "pad/nothing", "", http.StatusNotFound, "", "no such endpoint"},
		{"GET", PrefixAttestations + "pad@1.0.0", "Basic eDp5", http.StatusUnauthorized, "", "npm login"},
		{"GET", PrefixAttestations + "pad@1.0.0", "Token x", http.StatusUnauthorized, "", "unsupported Authorization scheme"},
		{"PUT", PrefixPackage + "pad/provenance-policy", "", http.StatusUnauthorized, "", "npm login"},
	} {
		r := httptest.NewRequest(c.method, c.path, strings.NewReader(`{"continuity":"off"}`))
		if c.auth != "" {
			r.Header.Set("Authorization", c.auth)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != c.status || w.Header().Get("Allow") != c.allow || !strings.Contains(w.Body.String(), c.body) || !strings.Contains(w.Body.String(), `"error"`) {
			t.Errorf("%s %s: %d Allow %q %s", c.method, c.path, w.Code, w.Header().Get("Allow"), w.Body)
		}
	}
}
