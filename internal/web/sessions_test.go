package web_test

import (
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

var sessionHandleRE = regexp.MustCompile(`name="session" value="([0-9a-f]{16})"`)

// The account page lists the browsers signed in to the account, marks the
// one asking, and signs another out on request: its cookie stops working.
func TestActiveSessionsRevoke(t *testing.T) {
	e := newEnv(t, "http://localhost:4873/")
	e.user("alice")
	first := e.signIn("alice")
	second := e.signIn("alice")

	w := e.browserGet("/account", second)
	body := w.Body.String()
	handles := sessionHandleRE.FindAllStringSubmatch(body, -1)
	if w.Code != http.StatusOK || len(handles) != 2 || !strings.Contains(body, "this browser") {
		t.Fatalf("account page: status %d, %d sessions listed:\n%s", w.Code, len(handles), body)
	}
	// The newest (this browser) is listed first; sign the other one out.
	other := handles[1][1]
	w = e.postForm("/account/sessions/revoke", url.Values{"session": {other}}, second)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("revoke: status %d\n%s", w.Code, w.Body)
	}
	if w := e.browserGet("/account", first); w.Code == http.StatusOK && strings.Contains(w.Body.String(), "signed in as") {
		t.Fatal("the signed-out browser still reaches the account page")
	}
	w = e.browserGet("/account", second)
	if got := sessionHandleRE.FindAllStringSubmatch(w.Body.String(), -1); len(got) != 1 {
		t.Fatalf("after revoking, %d sessions listed", len(got))
	}
	if !strings.Contains(w.Body.String(), "A signed-in browser was signed out") {
		t.Fatal("no security event for the revocation")
	}
	// Another user's handle, or garbage, names nothing.
	if w := e.postForm("/account/sessions/revoke", url.Values{"session": {"0000000000000000"}}, second); w.Code != http.StatusNotFound {
		t.Fatalf("unknown handle: status %d", w.Code)
	}
}

// "Sign out everywhere else": every other browser and every npm login
// token stops working, this browser stays signed in (with a new cookie),
// and API tokens keep working.
func TestSignOutEverywhereElse(t *testing.T) {
	e := newEnv(t, "http://localhost:4873/")
	alice := e.user("alice")
	laptop := e.signIn("alice")
	phone := e.signIn("alice")
	addr := netip.MustParseAddr("192.0.2.1")
	npmLogin, err := e.svc.Authn.IssueSessionToken(t.Context(), alice, addr)
	if err != nil {
		t.Fatal(err)
	}

	w := e.postForm("/account/sessions/revoke-others", url.Values{}, laptop)
	if w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/account?others-signed-out") {
		t.Fatalf("sign out everywhere else: status %d, Location %q\n%s", w.Code, w.Header().Get("Location"), w.Body)
	}
	fresh := sessionCookie(w)
	if fresh == nil {
		t.Fatal("this browser got no new session")
	}
	if w := e.browserGet("/account", phone); strings.Contains(w.Body.String(), "signed in as") {
		t.Fatal("the other browser is still signed in")
	}
	if _, err := e.svc.Authn.Authenticate(t.Context(), npmLogin.Value, addr); err == nil {
		t.Fatal("the npm login token still works")
	}
	w = e.browserGet("/account?others-signed-out=1", fresh)
	wantContains(t, w.Body.String(), "signed in as", "Every other browser and npm login was signed out")
	if got := sessionHandleRE.FindAllStringSubmatch(w.Body.String(), -1); len(got) != 1 {
		t.Fatalf("%d sessions listed afterwards, want this one", len(got))
	}
}
