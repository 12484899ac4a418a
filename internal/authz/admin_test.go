package authz_test

import (
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
)

// TestAdminPowerNeedsSecondFactor (review item 12): an administrator's
// password alone, or a browser session that passed no second factor,
// grants no administrative power. By default the factor must be a security
// key or passkey passed within the step-up window; with
// insecure_admins_with_totp a code from an app passed within the window
// will do. The console operator needs none; tokens never carry it.
func TestAdminPowerNeedsSecondFactor(t *testing.T) {
	now := time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC)
	recent, old := now.Add(-time.Minute), now.Add(-time.Hour)
	totpOnly := authz.Policy{InsecureAdminsWithTOTP: true}
	const key, ok = core.KindForbidden, allow
	otp := core.KindOTPRequired
	for _, c := range []struct {
		name        string
		p           authz.Principal
		want        core.Kind
		msg         string
		missing     bool
		keyRequired bool
	}{
		{"password only, no factor", authz.Principal{User: admin, Now: now}, key, "need a security key or passkey before using administrative power: add one at /account/security-keys", true, true},
		{"TOTP enrolled and passed, key required", authz.Principal{User: admin, MFA: true, MFAVerifiedAt: recent, Now: now}, key, "add one at /account/security-keys", true, true},
		{"key enrolled, signed in with TOTP", authz.Principal{User: admin, MFA: true, HasKey: true, MFAVerifiedAt: recent, Now: now}, otp, "need your security key or passkey, used within the last 15m0s", false, true},
		{"key passed an hour ago", authz.Principal{User: admin, MFA: true, HasKey: true, MFAVerifiedAt: old, PhishingResistantAt: old, Now: now}, otp, "used within the last", false, true},
		{"key passed just now", authz.Principal{User: admin, MFA: true, HasKey: true, MFAVerifiedAt: recent, PhishingResistantAt: recent, Now: now}, ok, "", false, true},
		{"TOTP allowed, no factor", authz.Principal{User: admin, Now: now, Policy: totpOnly}, key, "need two-factor authentication before using administrative power: enable it at /account/mfa", true, false},
		{"TOTP allowed, enrolled but session passed none", authz.Principal{User: admin, MFA: true, Now: now, Policy: totpOnly}, otp, "", false, false},
		{"TOTP allowed, passed an hour ago", authz.Principal{User: admin, MFA: true, MFAVerifiedAt: old, Now: now, Policy: totpOnly}, otp, "", false, false},
		{"TOTP allowed, passed just now", authz.Principal{User: admin, MFA: true, MFAVerifiedAt: recent, Now: now, Policy: totpOnly}, ok, "", false, false},
		{"key passed, but through a token", authz.Principal{User: admin, MFA: true, HasKey: true, Token: sessionToken(), PhishingResistantAt: recent, Now: now}, core.KindForbidden, "need a signed-in browser session", false, true},
		{"console operator", authz.Principal{User: &core.User{Name: "operator", Admin: true}, Console: true}, ok, "", false, false},
		{"not an admin, key passed", authz.Principal{User: maintainer, MFA: true, HasKey: true, PhishingResistantAt: recent, Now: now}, core.KindForbidden, "only registry administrators", false, false},
	} {
		for _, a := range []authz.Action{authz.AdminUsers, authz.AdminNames} {
			err := authz.Authorize(c.p, a, authz.Resource{Package: core.NPM("x")})
			switch {
			case c.want == ok && err != nil:
				t.Errorf("%s, %s: denied (%v), want allowed", c.name, a, err)
			case c.want != ok && core.KindOf(err) != c.want:
				t.Errorf("%s, %s: got %v (%v), want kind %v", c.name, a, core.KindOf(err), err, c.want)
			case c.want != ok && !strings.Contains(core.Message(err), c.msg):
				t.Errorf("%s, %s: message %q lacks %q", c.name, a, core.Message(err), c.msg)
			}
		}
		missing, keyRequired := authz.AdminFactorMissing(c.p)
		if missing != c.missing || (missing && keyRequired != c.keyRequired) {
			t.Errorf("%s: AdminFactorMissing = %v, %v; want %v, %v", c.name, missing, keyRequired, c.missing, c.keyRequired)
		}
	}
}
