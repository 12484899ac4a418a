package e2e

import (
	"database/sql"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite" // the driver, to stand in for the passing of the waiting period

	"github.com/rampart/rampart/internal/testpeers/smtpd"
)

// TestAdminRecoveryMailsRecentAddresses (docs/policies/account-recovery.md,
// "High-risk recovery"): a user signs up and verifies one address, then
// changes to another on the web, confirming by the link mailed to it. An
// administrator's `rampart admin user recover` then mails the notice with
// its cancel link over SMTP to both addresses, each in its own mail; after
// the wait, completing mails both again, and the reset link goes to the
// current address only. (That an address given up more than 90 days ago
// is not mailed needs a clock the test moves: internal/account's
// TestAssistedRecoveryNoticesReachRecentAddresses shows it.)
func TestAdminRecoveryMailsRecentAddresses(t *testing.T) {
	t.Parallel()
	s := server(t, "")
	const user, oldAddr, newAddr = "dana", "dana@example.com", "dana@new.example.org"
	signup(t, s, user, alicePW)

	// The change of address, as a browser does it. dana has no second
	// factor, so the change needs no step-up.
	w := newWebClient(t)
	if status, body := w.do("POST", s.URL+"login", url.Values{"name": {user}, "password": {alicePW}, "next": {"/account"}}); status != http.StatusSeeOther {
		t.Fatalf("sign in: status %d:\n%s", status, body)
	}
	if status, body := w.do("POST", s.URL+"account/email", url.Values{"email": {newAddr}, "password": {alicePW}}); status != http.StatusSeeOther {
		t.Fatalf("asking to change the address: status %d:\n%s", status, body)
	}
	mustContain(t, followMailedLink(t, s, newAddr, "confirm-email", nil), "Email address changed")
	waitForMail(t, s, oldAddr, "email address of your Rampart account was changed")
	waitForMail(t, s, newAddr, "email address of your Rampart account was changed")

	admin := func(args ...string) string {
		t.Helper()
		out, err := s.Admin(t, "", append([]string{"user", "recover", user}, args...)...)
		if err != nil {
			t.Fatalf("rampart admin user recover %s %q: %v\n%s", user, args, err, out)
		}
		return out
	}
	// mailTo waits for the next mail to addr about subject; it must go to
	// addr alone, so that no address learns the others.
	mailTo := func(addr, subject string) smtpd.Received {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		var seen []string
		for time.Now().Before(deadline) {
			m := s.Mail.WaitFor(t, addr, time.Until(deadline))
			if strings.Contains(m.Subject, subject) {
				if len(m.To) != 1 {
					t.Fatalf("%q went to %v at once, want one mail per address", m.Subject, m.To)
				}
				return m
			}
			seen = append(seen, m.Subject)
		}
		t.Fatalf("no mail to %s about %q; skipped %q", addr, subject, seen)
		return smtpd.Received{}
	}

	mustContain(t, admin("--reason", "asked from "+newAddr+", lost phone and codes"), "started the recovery of "+user)
	for _, addr := range []string{newAddr, oldAddr} {
		m := mailTo(addr, "Account recovery started")
		mustContain(t, m.Text, s.URL+"account/recovery/cancel?token=")
	}

	// Before the wait, completing is refused.
	out, err := s.Admin(t, "", "user", "recover", user, "--complete")
	if err == nil || !strings.Contains(out, "left") {
		t.Fatalf("completing before the wait: %v\n%s", err, out)
	}
	// The configuration accepts no wait under a day and the binary's
	// clock is the machine's, so the week passes in the database: the
	// recovery's earliest completion is moved to a minute ago. Nothing
	// else is touched.
	db, err := sql.Open("sqlite", "file:"+filepath.Join(s.Data, "metadata.db")+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	res, err := db.Exec(`UPDATE account_recoveries SET effective_at = ? WHERE ended_at = 0`, time.Now().Add(-time.Minute).UnixMilli())
	if err != nil {
		t.Fatalf("moving the end of the wait: %v", err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		t.Fatalf("moving the end of the wait: %v (%d rows, want 1)", err, n)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	mustContain(t, admin("--complete"), "recovered "+user)
	for _, addr := range []string{newAddr, oldAddr} {
		mailTo(addr, "Account recovery completed")
	}
	mailTo(newAddr, "Reset your Rampart password")
	for _, m := range s.Mail.Messages() {
		for _, to := range m.To {
			if strings.EqualFold(to, oldAddr) && strings.Contains(m.Subject, "Reset") {
				t.Fatalf("a reset link went to the old address: %q", m.Subject)
			}
		}
	}
}
