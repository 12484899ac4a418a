package registry_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/config"
)

// TestCriticalNotices: a package that becomes critical by downloads is
// mailed to its maintainer with the deadline at the end of the grace
// period, once (a recomputation that keeps it says nothing more); one an
// administrator designates is mailed as applying at once.
func TestCriticalNotices(t *testing.T) {
	e := newPolicyEnvWith(t, func(c *config.Config) { c.MFA.CriticalMinDownloads = 2 })
	e.publish(e.alice, "hot", "1.0.0", "latest", nil)
	e.publish(e.alice, "calm", "1.0.0", "latest", nil)
	e.download("hot", "1.0.0", 2)
	if _, err := e.svc.Registry.Critical().Recompute(e.ctx); err != nil {
		t.Fatal(err)
	}
	e.at(time.Hour)
	if _, err := e.svc.Registry.Critical().Recompute(e.ctx); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Registry.Critical().Designate(e.ctx, e.admin, "calm", true); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Registry.Close(e.ctx); err != nil { // waits for the mail
		t.Fatal(err)
	}
	hot := outboxMails(t, e, "hot is now a critical package")
	if len(hot) != 1 {
		t.Fatalf("%d mails about hot, want 1 (the second recomputation kept it)", len(hot))
	}
	deadline := policyT0.Add(14 * 24 * time.Hour).Format("2 January 2006")
	for _, want := range []string{"To: <alice@example.com>", "add a security key by", deadline, "keeps working for this package until",
		"/account/security-keys"} {
		if !strings.Contains(hot[0], want) {
			t.Errorf("the mail about hot lacks %q:\n%s", want, hot[0])
		}
	}
	calm := outboxMails(t, e, "calm is now a critical package")
	if len(calm) != 1 || !strings.Contains(calm[0], "This applies now.") || strings.Contains(calm[0], "add a security key by") {
		t.Fatalf("mails about the designated calm: %q, want one saying it applies now", calm)
	}
}

// outboxMails returns the mails in the outbox folder whose text contains
// subject.
func outboxMails(t *testing.T, e *policyEnv, subject string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(e.data, "outbox", "*.eml"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), subject) {
			out = append(out, string(b))
		}
	}
	return out
}
