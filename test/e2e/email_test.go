package e2e

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/testpeers/hibp"
	"github.com/rampart/rampart/internal/testserver"
)

// TestVerifyEmailBeforePublish: a new account cannot publish until it
// follows the link mailed to it over SMTP; the link works once.
func TestVerifyEmailBeforePublish(t *testing.T) {
	t.Parallel()
	s := server(t, "")
	alice := adduser(t, s, "alice", alicePW)
	dir := writePkg(t, pkg{Name: "verified-pkg", Version: "1.0.0"})
	mustFail(t, alice.Run(dir, "publish"), "verify your email address first", "follow the link mailed to a***@example.com", "request a new one at "+s.URL+"account")
	mustFail(t, alice.Run("", "token", "create", "--password", alicePW), "verify your email address first")

	body := followMailedLink(t, s, "alice@example.com", "verify-email", nil)
	mustContain(t, body, "Email address verified")
	alice.MustRun(dir, "publish")

	// Notice for token creation.
	alice.MustRun("", "token", "create", "--password", alicePW)
	waitForMail(t, s, "alice@example.com", "API token was created")
}

// TestPasswordResetByMail: a reset link mailed over SMTP sets a new
// password, revokes the old npm token, and a notice follows.
func TestPasswordResetByMail(t *testing.T) {
	t.Parallel()
	s := server(t, "")
	bob := signup(t, s, "bob", bobPW)
	old := bob.Token()

	status, body := browser(t, "POST", s.URL+"forgot-password", url.Values{"email": {"bob@example.com"}})
	if status != 200 || !strings.Contains(body, "Check your mail") {
		t.Fatalf("forgot-password: %d\n%s", status, body)
	}
	const fresh = "velvet otter juggles seven lanterns"
	body = followMailedLink(t, s, "bob@example.com", "reset-password", url.Values{"password": {fresh}})
	mustContain(t, body, "Password changed")
	notice := s.Mail.WaitFor(t, "bob@example.com", 30*time.Second)
	mustContain(t, notice.Subject, "password was changed")

	bob.SetToken(old)
	mustFail(t, bob.Run("", "whoami"), "was revoked")
	n := testserver.NewNPM(t, s.URL)
	n.Login("bob", fresh, "")
}

// TestBreachedPasswordRefusedAtAdduser: HIBP (a real range server on
// loopback) knows the password, so sign-up is refused with its reason.
func TestBreachedPasswordRefusedAtAdduser(t *testing.T) {
	t.Parallel()
	const leaked = "Tr0ub4dor&3-horse-staple"
	h := hibp.Start(t, leaked)
	s := testserver.Start(t, testserver.Options{SMTP: true, HIBPURL: h.URL})
	n := anon(t, s)
	out, err := n.Interactive("", []string{"Username:", "Password:", "Email"}, []string{"carol", leaked, "carol@example.com"}, "adduser", "--auth-type=legacy")
	if err == nil {
		t.Fatalf("adduser with a breached password succeeded:\n%s", out)
	}
	mustContain(t, out, "appeared in", "data breach")
}
