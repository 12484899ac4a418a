package e2e

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/rampart/rampart/internal/testserver"
)

// webTokenRE finds the token on the page that shows it once.
var webTokenRE = regexp.MustCompile(`<code id="token-value">(rmp_[0-9A-Za-z]{36})</code>`)

// TestWebTokenCreation: a user with an authenticator app, signed in with
// it on the web, creates a publish token limited to one package through
// the account's form. The page shows the value once with the npm line for
// this registry; the real npm CLI holding it publishes that package
// without --otp (a token made in a session that passed a second factor
// may publish, as CI does), and is refused another package with the
// server's message. The value appears in no URL, no mail and no log line.
func TestWebTokenCreation(t *testing.T) {
	t.Parallel()
	s := server(t, "")
	signup(t, s, "alice", alicePW)
	auth, _ := enableTOTP(t, s, "alice", alicePW)
	w := signInWithTOTP(t, s, "alice", alicePW, auth)

	status, body := w.do("GET", s.URL+"account", nil)
	if status != http.StatusOK || !strings.Contains(body, `href="/account/tokens/new"`) {
		t.Fatalf("account page: status %d, no link to the token form:\n%s", status, body)
	}
	status, body = w.do("GET", s.URL+"account/tokens/new", nil)
	if status != http.StatusOK || !strings.Contains(body, `action="/account/tokens"`) {
		t.Fatalf("token form: status %d:\n%s", status, body)
	}
	status, body = w.do("POST", s.URL+"account/tokens", url.Values{
		"name":     {"ci for web-token-pkg"},
		"days":     {"7"},
		"action":   {"read", "publish"},
		"packages": {"web-token-pkg"},
		"password": {alicePW},
	})
	m := webTokenRE.FindStringSubmatch(body)
	if status != http.StatusOK || m == nil {
		t.Fatalf("creating the token: status %d, no token shown:\n%s", status, body)
	}
	value := m[1]
	host := strings.TrimPrefix(s.URL, "http://")
	mustContain(t, body, "shown only this once", "npm config set //"+host+":_authToken="+value)
	waitForMail(t, s, "alice@example.com", "A new API token was created")

	ci := testserver.NewNPM(t, s.URL)
	ci.SetToken(value)
	publish(t, ci, pkg{Name: "web-token-pkg", Version: "1.0.0"})
	if d := getDoc(t, s, "web-token-pkg"); d.Versions["1.0.0"].NPMUser.Name != "alice" {
		t.Fatalf("web-token-pkg@1.0.0 published by %q", d.Versions["1.0.0"].NPMUser.Name)
	}
	mustFail(t, ci.Run(writePkg(t, pkg{Name: "web-token-other", Version: "1.0.0"}), "publish"),
		"is limited to web-token-pkg and cannot act on web-token-other")

	// Afterwards the account page shows only the mask, and the server
	// logged no value.
	_, body = w.do("GET", s.URL+"account", nil)
	mustContain(t, body, "ci for web-token-pkg", value[:8])
	mustNotContain(t, body, value)
	mustNotContain(t, s.Log(), value)
}
