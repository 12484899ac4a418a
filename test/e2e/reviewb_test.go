package e2e

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
)

// TestAdminTokenDoesNotReadEmails: an administrator's npm token (from a
// plain `npm login`, no second factor) carries no administrative power
// (review item 12), so it reads other users' documents without their
// email address, as everyone else does (item 21); the administrator still
// sees its own.
func TestAdminTokenDoesNotReadEmails(t *testing.T) {
	t.Parallel()
	s := server(t, "")
	signup(t, s, "alice", alicePW)
	createAdmin(t, s, "chief", bobPW)
	chief := login(t, s, "chief", bobPW)

	r := do(t, http.MethodGet, s.URL+"-/user/org.couchdb.user:alice", chief.Token(), nil)
	if r.Status != http.StatusOK {
		t.Fatalf("GET alice's document as the administrator: status %d: %s", r.Status, r.Body)
	}
	if doc := r.JSON(t); doc["name"] != "alice" || doc["email"] != nil {
		t.Fatalf("an administrator's npm token reads alice's document as %v, want her name and no email", doc)
	}
	if doc := do(t, http.MethodGet, s.URL+"-/user/org.couchdb.user:chief", chief.Token(), nil).JSON(t); doc["email"] != "chief@example.com" {
		t.Fatalf("the administrator reads its own document as %v, want its email", doc)
	}
}

// TestSignupAttemptNoticesAreBounded: signing up again and again with an
// address another account verified (as anyone may, from many sources)
// mails its owner a few "someone tried to sign up" notices, not one per
// sign-up; each sign-up is still answered as for a free address.
func TestSignupAttemptNoticesAreBounded(t *testing.T) {
	t.Parallel()
	s := server(t, "")
	signup(t, s, "alice", alicePW)
	const subject = "Someone tried to sign up"

	for i := range 6 {
		w := newBrowser(t, s, firefoxUA)
		w.mustShow(s.URL + "signup")
		name := fmt.Sprintf("mal%d", i)
		w.mustRedirect("POST", s.URL+"signup", url.Values{"name": {name}, "email": {"alice@example.com"}, "password": {"a-long-and-unusual-passphrase-42"}}, "/account?welcome=1")
	}
	// Notices are mailed before a sign-up is answered.
	if got := len(mailsTo(s, "alice@example.com", subject)); got != 3 {
		t.Fatalf("%d sign-up attempt notices to alice after 6 sign-ups with her address, want 3", got)
	}
}
