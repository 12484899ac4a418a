package npm_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestAttestationsFollowReadAccess: a version's publish attestation is
// shown to whoever may see the version, and to no one else: a restricted
// package's to its maintainers only, in the words used for its tarball.
func TestAttestationsFollowReadAccess(t *testing.T) {
	g := newGoldenRegistry(t)
	w := g.do(t, goldenRequest{method: "PUT", path: "/@alice%2fhidden", token: g.alice, body: publishBody("@alice/hidden", "1.0.0")})
	if w.Code != http.StatusCreated {
		t.Fatalf("publish: %d %s", w.Code, w.Body)
	}
	w = g.do(t, goldenRequest{method: "POST", path: "/-/package/@alice%2fhidden/access", token: g.alice, body: []byte(`{"access":"restricted"}`)})
	if w.Code != http.StatusOK {
		t.Fatalf("npm access set status=private: %d %s", w.Code, w.Body)
	}
	const path = "/-/rampart/v1/attestations/@alice%2fhidden@1.0.0"
	for _, c := range []struct {
		who, token string
		status     int
	}{{"anonymous", "", http.StatusNotFound}, {"bob", g.bob, http.StatusNotFound}, {"alice", g.alice, http.StatusOK}} {
		w := g.do(t, goldenRequest{method: "GET", path: path, token: c.token})
		if w.Code != c.status {
			t.Errorf("%s: %d %s, want %d", c.who, w.Code, w.Body, c.status)
		}
		if c.status == http.StatusOK {
			var body struct {
				Attestations []struct {
					PredicateType string          `json:"predicateType"`
					Bundle        json.RawMessage `json:"bundle"`
				} `json:"attestations"`
			}
			if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || len(body.Attestations) != 1 || !strings.Contains(string(body.Attestations[0].Bundle), "dsseEnvelope") {
				t.Errorf("alice's answer: %v %s", err, w.Body)
			}
		}
	}
	for _, bad := range []string{"/-/rampart/v1/attestations/left-pad", "/-/rampart/v1/attestations/@alice%2fhidden@", "/-/rampart/v1/attestations/@1.0.0"} {
		if w := g.do(t, goldenRequest{method: "GET", path: bad}); w.Code != http.StatusNotFound || !strings.Contains(w.Body.String(), "error") {
			t.Errorf("GET %s: %d %s, want 404 with an error", bad, w.Code, w.Body)
		}
	}
}
