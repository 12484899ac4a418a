package npm_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestDeadTokenRules: a token that no longer holds refuses every request
// but those of signing in and out, where npm sends along whatever token
// it has configured (endpoint.badToken).
func TestDeadTokenRules(t *testing.T) {
	g := newGoldenRegistry(t)
	if w := g.do(t, goldenRequest{method: "DELETE", path: "/-/user/token/" + g.revoked, token: g.revoked}); w.Code != http.StatusOK {
		t.Fatalf("npm logout: %d %s", w.Code, w.Body)
	}
	cases := []struct {
		method, path string
		body         string
		status       int
		want         string // in the body
	}{
		// Refused for the token, with what to do.
		{"GET", "/-/whoami", "", 401, "was revoked"},
		{"GET", "/left-pad", "", 401, "was revoked"},
		{"GET", "/-/npm/v1/tokens", "", 401, "was revoked"},
		// Signing in: served, the token ignored.
		{"POST", "/-/v1/login", "{}", 200, "loginUrl"},
		{"PUT", "/-/user/org.couchdb.user:alice", `{"name":"alice","password":"wrong password"}`, 401, "incorrect"},
		{"GET", "/-/v1/done/no-such-login", "", 404, "error"},
		// Signing out of a dead token: done.
		{"DELETE", "/-/user/token/" + g.revoked, "", 200, `"ok":true`},
	}
	for _, c := range cases {
		var body []byte
		if c.body != "" {
			body = []byte(c.body)
		}
		w := g.do(t, goldenRequest{method: c.method, path: c.path, token: g.revoked, body: body})
		if w.Code != c.status || !strings.Contains(strings.ToLower(w.Body.String()), strings.ToLower(c.want)) {
			t.Errorf("%s %s with a logged-out token: %d %s, want %d with %q", c.method, c.path, w.Code, w.Body, c.status, c.want)
		}
	}
}
