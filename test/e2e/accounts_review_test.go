package e2e

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/rampart/rampart/internal/testserver"
)

// Regression tests for the account findings of the security review
// (docs/security-review.md, items 16, 20, 21), each against the real
// binary.

// adduserFails runs `npm adduser` for name with pw and email and returns
// npm's output, failing the test if the account was created.
func adduserFails(t *testing.T, s *testserver.Server, name, pw, email string) string {
	t.Helper()
	out, err := anon(t, s).Interactive("", []string{"Username:", "Password:", "Email"}, []string{name, pw, email}, "adduser", "--auth-type=legacy")
	if err == nil {
		t.Fatalf("npm adduser %s succeeded, want it refused:\n%s", name, out)
	}
	return out
}

// TestFamousPasswordRefusedWithHIBPDown (item 16): with the leaked-password
// service unreachable, `npm adduser` with "correct horse battery staple"
// (or Tr0ub4dor&3, however written) is refused by the offline fallback,
// with the reason; a strong passphrase still signs up.
func TestFamousPasswordRefusedWithHIBPDown(t *testing.T) {
	t.Parallel()
	// Nothing listens on port 1: every HIBP query fails at once.
	s := testserver.Start(t, testserver.Options{SMTP: true, HIBPURL: "http://127.0.0.1:1"})
	for _, pw := range []string{"correct horse battery staple", "Correct-Horse-Battery-Staple!", "Tr0ub4dor&3"} {
		out := adduserFails(t, s, "erin", pw, "erin@example.com")
		mustContain(t, out, "choose another password", "famous example password")
	}
	adduser(t, s, "erin", "a-long-and-unusual-passphrase-42")
	if !logShows(s, "HIBP unavailable") {
		t.Errorf("the server did not log that HIBP was unavailable; was it asked?\n%s", s.Log())
	}
}

// TestNoNoticeToUnverifiedAddress (item 16): an account whose address is
// not verified gets its verification link and nothing else: signing in
// from npm and from a new browser mails no "new sign-in" notice to an
// address nobody proved to own. Once verified, the next new browser does.
func TestNoNoticeToUnverifiedAddress(t *testing.T) {
	t.Parallel()
	s := server(t, "")
	const addr, subject = "erin@example.com", "New sign-in to your Rampart account"
	adduser(t, s, "erin", alicePW) // signs in from npm at once
	w := newBrowser(t, s, firefoxUA)
	w.mustRedirect("POST", s.URL+"login", url.Values{"name": {"erin"}, "password": {alicePW}, "next": {"/account"}}, "/account")
	// Notices are mailed before a sign-in is answered: none came.
	if got := mailsTo(s, addr, subject); len(got) != 0 {
		t.Fatalf("%d new-sign-in notices to the unverified address %s, want none", len(got), addr)
	}

	followMailedLink(t, s, addr, "verify-email", nil)
	two := newBrowser(t, s, chromeUA)
	two.mustRedirect("POST", s.URL+"login", url.Values{"name": {"erin"}, "password": {alicePW}, "next": {"/account"}}, "/account")
	m := waitForMail(t, s, addr, subject)
	mustContain(t, m.Text, "Browser or client: "+chromeUA)
}

// TestUserDocumentHidesEmail (item 21): GET /-/user/org.couchdb.user:NAME
// shows the address only to the user themself; another signed-in user
// (and anyone) sees the name only. `npm owner add`, which reads that
// document, still works.
func TestUserDocumentHidesEmail(t *testing.T) {
	t.Parallel()
	s := server(t, "")
	alice := signup(t, s, "alice", alicePW)
	bob := signup(t, s, "bob", bobPW)

	r := do(t, http.MethodGet, s.URL+"-/user/org.couchdb.user:alice", bob.Token(), nil)
	if r.Status != http.StatusOK {
		t.Fatalf("GET alice's document as bob: status %d: %s", r.Status, r.Body)
	}
	if doc := r.JSON(t); doc["name"] != "alice" || doc["email"] != nil {
		t.Fatalf("bob sees alice's document as %v, want her name and no email", doc)
	}
	if doc := do(t, http.MethodGet, s.URL+"-/user/org.couchdb.user:alice", "", nil).JSON(t); doc["email"] != nil {
		t.Fatalf("anyone sees alice's document as %v, want no email", doc)
	}
	if doc := do(t, http.MethodGet, s.URL+"-/user/org.couchdb.user:alice", alice.Token(), nil).JSON(t); doc["email"] != "alice@example.com" {
		t.Fatalf("alice sees her own document as %v, want her email", doc)
	}

	publish(t, alice, pkg{Name: "owned-by-two", Version: "1.0.0"})
	mustContain(t, alice.MustRun("", "owner", "add", "bob", "owned-by-two").Output(), "+ bob (owned-by-two)")
}

// TestReservedNamesAtSignup (item 21): names that pass for the registry's
// staff cannot be taken through sign-up, in any look-alike spelling,
// before or after an administrator exists; the operator can still create
// them from the console.
func TestReservedNamesAtSignup(t *testing.T) {
	t.Parallel()
	s := server(t, "")
	for _, name := range []string{"admin", "root", "security", "rampart", "npm", "support"} {
		out := adduserFails(t, s, name, "a-long-and-unusual-passphrase-42", name+"-x@example.com")
		mustContain(t, out, `the user name "`+name+`" is reserved for this registry's staff; choose another`)
	}
	for name, reads := range map[string]string{"adm1n": "admin", "r00t": "root", "sec-urity": "security", "adrnin": "admin"} {
		out := adduserFails(t, s, name, "a-long-and-unusual-passphrase-42", name+"-x@example.com")
		mustContain(t, out, `reads like "`+reads+`"`)
	}
	// Ordinary names are not caught by the look-alike rule.
	adduser(t, s, "erin", "a-long-and-unusual-passphrase-42")

	if out, err := s.Admin(t, alicePW+"\n", "user", "create", "--name", "admin", "--email", "ops@example.com", "--verified", "--password-stdin"); err != nil {
		t.Fatalf("the operator could not create admin: %v\n%s", err, out)
	}
}
