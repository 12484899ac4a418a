package e2e

import (
	"net/url"
	"testing"

	"github.com/rampart/rampart/internal/testserver"
)

// createAdmin runs `rampart admin user create --admin` as the operator does
// and returns its output.
func createAdmin(t *testing.T, s *testserver.Server, name, pw string) string {
	t.Helper()
	out, err := s.Admin(t, pw+"\n", "user", "create", "--name", name, "--email", name+"@example.com", "--admin", "--verified", "--password-stdin")
	if err != nil {
		t.Fatalf("admin user create --admin: %v\n%s", err, out)
	}
	return out
}

// TestAdminSentToAddSecurityKey (review item 12): an administrator created
// from the console is told it needs a security key or passkey. Signing in
// to the web UI with its password lands it on the security-keys page, with
// the reason, and every other page sends it back there: a password alone
// (or with an authenticator app, which is not phishing-resistant) gives an
// administrator nothing. An ordinary user signing in is not affected.
func TestAdminSentToAddSecurityKey(t *testing.T) {
	t.Parallel()
	s := server(t, "")
	out := createAdmin(t, s, "chief", alicePW)
	mustContain(t, out, "created administrator chief", "administrators need a security key or passkey", s.URL+"account/security-keys")

	w := newBrowser(t, s, firefoxUA)
	w.mustRedirect("POST", s.URL+"login", url.Values{"name": {"chief"}, "password": {alicePW}, "next": {"/account"}}, "/account")
	for _, page := range []string{"account", "", "account/tokens/new", "~chief", "search?q=x"} {
		w.mustRedirect("GET", s.URL+page, nil, "/account/security-keys")
	}
	w.mustShow(s.URL+"account/security-keys", signedInAs("chief"), "administrators need a security key or passkey")
	w.mustShow(s.URL + "policies/unpublish")

	// An authenticator app is not enough for an administrator.
	enableTOTP(t, s, "chief", alicePW)
	w.mustRedirect("GET", s.URL+"account", nil, "/account/security-keys")

	bob := newBrowser(t, s, firefoxUA)
	s.CreateUser(t, "bob", "bob@example.com", bobPW)
	bob.mustRedirect("POST", s.URL+"login", url.Values{"name": {"bob"}, "password": {bobPW}, "next": {"/account"}}, "/account")
	bob.mustShow(s.URL+"account", signedInAs("bob"))
}

// TestAdminWithTOTPWhenAllowed (review item 12): with [mfa]
// insecure_admins_with_totp = true an administrator is sent to enable an
// authenticator app instead, and once it has, signing in with its code
// reaches the site.
func TestAdminWithTOTPWhenAllowed(t *testing.T) {
	t.Parallel()
	s := server(t, "[mfa]\ninsecure_admins_with_totp = true\n")
	out := createAdmin(t, s, "chief", alicePW)
	mustContain(t, out, "administrators need two-factor authentication", s.URL+"account/mfa")

	w := newBrowser(t, s, firefoxUA)
	w.mustRedirect("POST", s.URL+"login", url.Values{"name": {"chief"}, "password": {alicePW}, "next": {"/account"}}, "/account")
	w.mustRedirect("GET", s.URL+"account", nil, "/account/mfa")
	w.mustShow(s.URL+"account/mfa", "administrators need two-factor authentication")

	auth, _ := enableTOTP(t, s, "chief", alicePW)
	two := newBrowser(t, s, chromeUA)
	signInWithCode(t, s, two, "chief", alicePW, auth.Code(t))
	two.mustShow(s.URL+"account", signedInAs("chief"))
}
