package e2e

import (
	"testing"

	"github.com/rampart/rampart/internal/testserver"
)

// TestMFARequiredForMaintainers runs the registry at its default Level 3
// policy: a maintainer without two-factor authentication can neither
// publish nor create tokens, and is told how to enable it; with TOTP on,
// publishing works with --otp, and an API token created with a code
// publishes from CI without one.
func TestMFARequiredForMaintainers(t *testing.T) {
	t.Parallel()
	s := testserver.Start(t, testserver.Options{SMTP: true, RequireMFA: true})
	alice := signup(t, s, "alice", alicePW)

	dir := writePkg(t, pkg{Name: "mfa-only", Version: "1.0.0"})
	mustFail(t, alice.Run(dir, "publish"), "403", "this registry requires two-factor authentication for maintainers: enable it at "+s.URL+"account/mfa")
	if h := packument(t, s, "mfa-only", ""); h.Status != 404 {
		t.Fatalf("a refused publish created the package: %d", h.Status)
	}
	mustFail(t, alice.Run("", "token", "create", "--password", alicePW), "requires two-factor authentication")

	auth, _ := enableTOTP(t, s, "alice", alicePW)
	r := alice.MustRun(dir, "publish", "--otp="+auth.Code(t))
	mustContain(t, r.Output(), "+ mfa-only@1.0.0")

	// A token created in a session that passed a second factor is what CI
	// uses: it publishes without a code.
	r = alice.MustRun("", "token", "create", "--password", alicePW, "--otp="+auth.Code(t))
	ci := tokenRE.FindString(r.Output())
	if ci == "" {
		t.Fatalf("no token in:\n%s", r.Output())
	}
	bot := testserver.NewNPM(t, s.URL)
	bot.SetToken(ci)
	r = bot.MustRun(writePkg(t, pkg{Name: "mfa-only", Version: "1.1.0"}), "publish")
	mustContain(t, r.Output(), "+ mfa-only@1.1.0")
}

// TestCriticalPackageNeedsPhishingResistantFactor: an administrator marks
// a package critical; its owners cannot be changed with a TOTP code alone,
// and the message says a security key or passkey is needed.
func TestCriticalPackageNeedsPhishingResistantFactor(t *testing.T) {
	t.Parallel()
	s := server(t, "")
	alice := signup(t, s, "alice", alicePW)
	signup(t, s, "bob", bobPW)
	auth, _ := enableTOTP(t, s, "alice", alicePW)
	publish(t, alice, pkg{Name: "crown-jewel", Version: "1.0.0"}, "--otp="+auth.Code(t))

	if out, err := s.Admin(t, "", "package", "critical", "add", "crown-jewel"); err != nil {
		t.Fatalf("designating crown-jewel critical: %v\n%s", err, out)
	}
	mustFail(t, alice.Run("", "owner", "add", "bob", "crown-jewel", "--otp="+auth.Code(t)),
		"crown-jewel is a critical package", "security key or passkey")
	r := alice.MustRun("", "owner", "ls", "crown-jewel")
	// An empty list would pass "bob is not an owner" too.
	mustContain(t, r.Stdout, "alice <alice@example.com>")
	mustNotContain(t, r.Output(), "bob")
}
