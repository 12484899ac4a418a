package e2e

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

var inviteLink = regexp.MustCompile(`http://\S+/signup\?invite=([A-Za-z0-9_-]+)`)

// invite runs `rampart admin invite create` and returns the link's secret.
func invite(t *testing.T, s interface {
	Admin(testing.TB, string, ...string) (string, error)
}, email string) string {
	t.Helper()
	out, err := s.Admin(t, "", "invite", "create", email)
	m := inviteLink.FindStringSubmatch(out)
	if err != nil || m == nil || !strings.Contains(out, "invited "+email) {
		t.Fatalf("admin invite create: %v\n%s", err, out)
	}
	return m[1]
}

// TestInviteOnlyRegistration: with [access] registration = "invite", npm
// adduser and a sign-up without an invitation are refused with what to do;
// an administrator's invitation link signs up once, with its address,
// before it expires.
func TestInviteOnlyRegistration(t *testing.T) {
	t.Parallel()
	s := server(t, "[access]\nregistration = \"invite\"\ninvite_expiry = \"48h\"\n")
	mustContain(t, adduserFails(t, s, "mallory", bobPW, "mallory@example.com"), "this registry is invite-only", "rampart admin invite create")
	signupForm := func(invite, name, email string) (int, string) {
		return browser(t, http.MethodPost, s.URL+"signup", url.Values{"invite": {invite}, "name": {name}, "email": {email}, "password": {alicePW}})
	}
	status, body := signupForm("", "mallory", "mallory@example.com")
	if status != http.StatusForbidden || !strings.Contains(body, "this registry is invite-only") {
		t.Fatalf("sign-up without an invitation: %d\n%s", status, body)
	}

	secret := invite(t, s, "carol@example.com")
	// The link opens the form with the invitation filled in.
	status, body = browser(t, http.MethodGet, s.URL+"signup?invite="+secret, nil)
	if status != http.StatusOK || !strings.Contains(body, `name="invite" type="text" value="`+secret+`"`) {
		t.Fatalf("invitation link: %d\n%s", status, body)
	}
	// Another address than the invited one is refused.
	status, body = signupForm(secret, "carol", "someone@example.com")
	if status != http.StatusForbidden || !strings.Contains(body, "this invitation is for c***@example.com") {
		t.Fatalf("other address: %d\n%s", status, body)
	}
	if status, body = signupForm(secret, "carol", "carol@example.com"); status != http.StatusSeeOther {
		t.Fatalf("sign-up with the invitation: %d\n%s", status, body)
	}
	// Used: it signs up no one else.
	status, body = signupForm(secret, "carol2", "carol@example.com")
	if status != http.StatusForbidden || !strings.Contains(body, "this invitation was used already") {
		t.Fatalf("second use: %d\n%s", status, body)
	}
	status, body = signupForm(secret+"x", "dave", "dave@example.com")
	if status != http.StatusForbidden || !strings.Contains(body, "this invitation link is not valid") {
		t.Fatalf("unknown invitation: %d\n%s", status, body)
	}
	// carol signs in with npm.
	login(t, s, "carol", alicePW)

	// Expired after invite_expiry.
	late := invite(t, s, "dave@example.com")
	s.Advance(t, 49*time.Hour)
	status, body = signupForm(late, "dave", "dave@example.com")
	if status != http.StatusForbidden || !strings.Contains(body, "this invitation expired on") {
		t.Fatalf("expired invitation: %d\n%s", status, body)
	}
	out, err := s.Admin(t, "", "invite", "list")
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, out, "carol@example.com\tby operator\tused by carol on", "dave@example.com\tby operator\texpired on")
}

// TestClosedRegistration: with [access] registration = "closed", the
// sign-up page says so, sign-up is refused on the web and through npm,
// and an account the administrator creates signs in.
func TestClosedRegistration(t *testing.T) {
	t.Parallel()
	s := server(t, "[access]\nregistration = \"closed\"\n")
	status, body := browser(t, http.MethodGet, s.URL+"signup", nil)
	if status != http.StatusOK || !strings.Contains(body, "Registration is closed on this registry") || strings.Contains(body, `action="/signup"`) {
		t.Fatalf("sign-up page: %d\n%s", status, body)
	}
	status, body = browser(t, http.MethodPost, s.URL+"signup", url.Values{"name": {"mallory"}, "email": {"mallory@example.com"}, "password": {alicePW}})
	if status != http.StatusForbidden || !strings.Contains(body, "sign-up is closed on this registry") {
		t.Fatalf("sign-up: %d\n%s", status, body)
	}
	mustContain(t, adduserFails(t, s, "mallory", bobPW, "mallory@example.com"), "sign-up is closed on this registry", "rampart admin user create")
	s.CreateUser(t, "alice", "alice@example.com", alicePW)
	login(t, s, "alice", alicePW)
}
