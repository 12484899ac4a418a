package e2e

import (
	"regexp"
	"strings"
	"testing"

	"github.com/rampart/rampart/internal/testpeers/authapp"
)

var enterCodeRE = regexp.MustCompile(`Or enter code:\s*([A-Z2-7]+)`)

// TestProfile2FAWithNPM: `npm profile enable-2fa auth-and-writes` enrols
// an authenticator through the CLI (password, QR code and secret, a code,
// recovery codes), `npm profile get` shows the mode, writes then need a
// code, and `npm profile disable-2fa` (password and a code) turns it off.
func TestProfile2FAWithNPM(t *testing.T) {
	t.Parallel()
	s := server(t, "")
	alice := signup(t, s, "alice", alicePW)
	mustContain(t, alice.MustRun("", "profile", "get").Output(), "two-factor auth: disabled")

	auth := &authapp.App{Clock: s}
	out, err := alice.InteractiveFunc("", []string{"npm password:", "And an OTP code from your authenticator:"}, func(i int, out string) string {
		if i == 0 {
			return alicePW
		}
		m := enterCodeRE.FindStringSubmatch(out)
		if m == nil {
			t.Errorf("no secret in npm's output:\n%s", out)
			return "000000"
		}
		auth.Secret = m[1]
		return auth.Code(t)
	}, "profile", "enable-2fa", "auth-and-writes")
	if err != nil || !strings.Contains(out, "2FA successfully enabled") {
		t.Fatalf("npm profile enable-2fa: %v\n%s", err, out)
	}
	if n := len(regexp.MustCompile(`\t[a-z0-9]{5}-[a-z0-9]{5}\b`).FindAllString(out, -1)); n != 10 {
		t.Fatalf("%d recovery codes printed:\n%s", n, out)
	}
	waitForMail(t, s, "alice@example.com", "second factor was added")
	mustContain(t, alice.MustRun("", "profile", "get").Output(), "two-factor auth: auth-and-writes")

	dir := writePkg(t, pkg{Name: "cli-2fa", Version: "1.0.0"})
	mustFail(t, alice.Run(dir, "publish"), "EOTP")
	mustContain(t, alice.MustRun(dir, "publish", "--otp="+auth.Code(t)).Output(), "+ cli-2fa@1.0.0")

	// A wrong password is refused, and 2FA stays on.
	out, err = alice.Interactive("", []string{"npm password:"}, []string{"wrong password"}, "profile", "disable-2fa")
	if err == nil {
		t.Fatalf("disable-2fa with a wrong password worked:\n%s", out)
	}
	mustContain(t, alice.MustRun("", "profile", "get").Output(), "two-factor auth: auth-and-writes")

	out, err = alice.InteractiveFunc("", []string{"npm password:", "Enter OTP:"}, func(i int, _ string) string {
		if i == 0 {
			return alicePW
		}
		return auth.Code(t)
	}, "profile", "disable-2fa")
	if err != nil || !strings.Contains(out, "Two factor authentication disabled.") {
		t.Fatalf("npm profile disable-2fa: %v\n%s", err, out)
	}
	mustContain(t, alice.MustRun("", "profile", "get").Output(), "two-factor auth: disabled")
	dir2 := writePkg(t, pkg{Name: "cli-2fa", Version: "1.0.1"})
	mustContain(t, alice.MustRun(dir2, "publish").Output(), "+ cli-2fa@1.0.1")
}
