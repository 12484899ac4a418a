package e2e

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestSignupDoesNotTellTakenAddress (review item 21): `npm adduser` and the
// web sign-up answer a taken address exactly as a free one, so that
// neither tells who has an account; the address's owner is mailed that
// someone tried, and gets no link that would verify the stranger's
// account, not even when the stranger asks for one again. A taken name is
// told, since names are public.
func TestSignupDoesNotTellTakenAddress(t *testing.T) {
	t.Parallel()
	s := server(t, "")
	signup(t, s, "alice", alicePW)

	// npm adduser with alice's address logs in, as with a free one.
	anon(t, s).Login("mal", "a-long-and-unusual-passphrase-42", "alice@example.com")
	m := waitForMail(t, s, "alice@example.com", "Someone tried to sign up")
	mustContain(t, m.Text, `named
"mal"`, "IP address: 127.0.0.1", s.URL+"account")

	w := newBrowser(t, s, firefoxUA)
	w.mustShow(s.URL + "signup")
	w.mustRedirect("POST", s.URL+"signup", url.Values{"name": {"mal2"}, "email": {"ALICE@example.com"}, "password": {"a-long-and-unusual-passphrase-42"}}, "/account?welcome=1")
	waitForMail(t, s, "alice@example.com", "Someone tried to sign up")
	// Asking for the link again sends nothing either, with the usual answer.
	status, body := w.do("POST", s.URL+"account/verify", url.Values{})
	if status != http.StatusSeeOther && status != http.StatusOK {
		t.Fatalf("asking for a new link: status %d:\n%s", status, body)
	}
	for _, m := range mailsTo(s, "alice@example.com", "Verify your email address") {
		if !strings.Contains(m.Text, "Hello alice") {
			t.Fatalf("a verification link for another account went to alice's address:\n%s", m.Text)
		}
	}

	// A taken name is told.
	b := newBrowser(t, s, chromeUA)
	b.mustShow(s.URL + "signup")
	status, body = b.do("POST", s.URL+"signup", url.Values{"name": {"alice"}, "email": {"other@example.com"}, "password": {"a-long-and-unusual-passphrase-42"}})
	if status != http.StatusConflict || !strings.Contains(body, "the user name &#34;alice&#34; is already taken; choose another") {
		t.Fatalf("sign-up with a taken name: status %d:\n%s", status, body)
	}
}

// TestUnverifiedSignupDoesNotSquatAddress (review item 21): an unverified
// sign-up no longer holds its address: the address's real owner signs up
// with it, gets the link and verifies it; the squatter's account can then
// never verify it.
func TestUnverifiedSignupDoesNotSquatAddress(t *testing.T) {
	t.Parallel()
	s := server(t, "")
	const addr = "dora@example.com"
	anon(t, s).Login("squatter", alicePW, addr) // never verified

	anon(t, s).Login("dora", bobPW, addr) // the owner: no 409
	// Two links went to dora's address: the squatter's and her own. Hers
	// verifies; the squatter's then conflicts.
	var links []string
	for _, m := range mailsTo(s, addr, "Verify your email address") {
		links = append(links, linkIn(t, s, m, "verify-email"))
	}
	if len(links) != 2 {
		t.Fatalf("%d verification mails to %s, want 2", len(links), addr)
	}
	followLink := func(link string) (int, string) {
		t.Helper()
		status, body := browser(t, http.MethodGet, link, nil)
		sub := tokenInput.FindStringSubmatch(body)
		if status != http.StatusOK || sub == nil {
			t.Fatalf("GET %s: status %d, no form:\n%s", link, status, body)
		}
		return browser(t, http.MethodPost, s.URL+"verify-email", url.Values{"token": {sub[1]}})
	}
	if status, body := followLink(links[1]); status != http.StatusOK {
		t.Fatalf("dora verifying her address: status %d:\n%s", status, body)
	}
	status, body := followLink(links[0])
	if status != http.StatusConflict || !strings.Contains(body, "dora@example.com is now the verified address of another account") {
		t.Fatalf("the squatter verifying dora's address: status %d:\n%s", status, body)
	}
}
