package e2e

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/rampart/rampart/internal/testpeers/authapp"
	"github.com/rampart/rampart/internal/testserver"
)

// signInWithTOTP signs in on the web with a password and a code from a,
// as a browser would, and returns the signed-in client.
func signInWithTOTP(t *testing.T, s *testserver.Server, user, pw string, a *authapp.App) *webClient {
	t.Helper()
	w := newWebClient(t)
	status, body := w.do("POST", s.URL+"login", url.Values{"name": {user}, "password": {pw}, "next": {"/account"}})
	if status != http.StatusOK || !strings.Contains(body, `name="code"`) {
		t.Fatalf("sign in: want the second-step page, got status %d:\n%s", status, body)
	}
	if status, body = w.do("POST", s.URL+"login/otp", url.Values{"code": {a.Code(t)}, "next": {"/account"}}); status != http.StatusSeeOther {
		t.Fatalf("second step: status %d:\n%s", status, body)
	}
	return w
}

// TestSecurityChangeNotices (AUTHN-1d): each security change made on the
// web (password, recovery codes, turning the second factor off) mails the
// account over SMTP, and the account page lists it under recent security
// events. Other changes are shown where they happen: token creation and
// password reset in email_test.go, a second factor added and a recovery
// code used in mfa_test.go, keys and passkeys in test/browser, email
// changes and new devices in security_test.go.
func TestSecurityChangeNotices(t *testing.T) {
	t.Parallel()
	s := server(t, "")
	signup(t, s, "carol", alicePW)
	auth, _ := enableTOTP(t, s, "carol", alicePW)
	w := signInWithTOTP(t, s, "carol", alicePW, auth)

	const newPW = "quiet lantern orbits the marsh"
	status, body := w.do("POST", s.URL+"account/password", url.Values{"current": {alicePW}, "password": {newPW}})
	if status >= 400 {
		t.Fatalf("changing the password: status %d:\n%s", status, body)
	}
	waitForMail(t, s, "carol@example.com", "password was changed")

	status, body = w.do("POST", s.URL+"account/mfa/recovery-codes", url.Values{"code": {auth.Code(t)}})
	if status != http.StatusOK || len(recoveryRE.FindAllString(body, -1)) != 10 {
		t.Fatalf("new recovery codes: status %d:\n%s", status, body)
	}
	waitForMail(t, s, "carol@example.com", "New recovery codes were generated")

	status, body = w.do("POST", s.URL+"account/mfa/disable", url.Values{"password": {newPW}, "code": {auth.Code(t)}})
	if status >= 400 {
		t.Fatalf("turning TOTP off: status %d:\n%s", status, body)
	}
	waitForMail(t, s, "carol@example.com", "second factor was removed")

	_, body = w.do("GET", s.URL+"account", nil)
	events := body[strings.Index(body, "Recent security events"):]
	mustContain(t, events, "Password changed", "New recovery codes generated", "Second factor added (authenticator app)", "Second factor removed (authenticator app)", "Sign-in from a new device from 127.0.0.1")
}
