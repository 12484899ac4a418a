package authz

import "github.com/rampart/rampart/internal/core"

// Site administrators and their second factor (security review item 12).
//
// Administrative power (disabling accounts, releasing names, designating
// critical packages, and moderation as it comes) reaches every account
// and package, so a stolen administrator's password must not be enough.
// An administrator acts only from a browser session that passed a second
// factor within the step-up window, and by default that factor must be a
// security key or passkey: phishing-resistant, as the Principles ask for
// critical packages, since an administrator can do more than any
// maintainer of one. `[mfa] insecure_admins_with_totp = true` accepts a
// code from an authenticator app instead (for registries whose public URL
// cannot carry WebAuthn, which turns it on by itself). API tokens never
// carry administrative power (tokenAllows); the operator at the console
// (Principal.Console) needs no factor: the data folder is the registry.

// isAdminAction lists the actions only administrators may take.
func isAdminAction(a Action) bool {
	return a == AdminUsers || a == AdminNames
}

// adminKeyRequired reports whether administrators need a security key or
// passkey rather than any second factor.
func (p Principal) adminKeyRequired() bool { return !p.Policy.InsecureAdminsWithTOTP }

// AdminFactorMissing reports whether p is an administrator without the
// second factor administrators must have: a security key or passkey (or,
// with insecure_admins_with_totp, any factor). Such an account is sent to
// enrol one at sign-in and may use no administrative power until it has
// one. keyRequired says which kind to ask for.
func AdminFactorMissing(p Principal) (missing, keyRequired bool) {
	if p.User == nil || !p.User.Admin || p.Console {
		return false, false
	}
	if p.adminKeyRequired() {
		return !p.HasKey, true
	}
	return !p.MFA, false
}

// adminPolicy decides an administrative action: the user must be an
// administrator with the required factor enrolled and passed within the
// step-up window in this browser session (a key, unless TOTP is allowed).
func adminPolicy(p Principal, a Action) error {
	if !p.User.Admin {
		return core.Errorf(core.KindForbidden, "only registry administrators may do this")
	}
	if p.Console {
		return nil
	}
	if missing, key := AdminFactorMissing(p); missing {
		if key {
			return core.Errorf(core.KindForbidden, "administrators need a security key or passkey before using administrative power: add one at %s and confirm it", p.accountPage("security-keys"))
		}
		return core.Errorf(core.KindForbidden, "administrators need two-factor authentication before using administrative power: enable it at %s", p.accountPage("mfa"))
	}
	if p.adminKeyRequired() {
		if p.Token == nil && p.Recent(p.PhishingResistantAt) {
			return nil
		}
		return core.Errorf(core.KindOTPRequired, "administrative actions need your security key or passkey, used within the last %s; confirm it with the key and try again", p.window())
	}
	return secondFactor(p, a)
}
