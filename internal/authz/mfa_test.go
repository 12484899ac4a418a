package authz_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
)

// TestSecondFactorMatrix: for a user with TOTP on, which principals need a
// one-time password for which actions, and that a code is only checked
// (spent) when the answer would otherwise be yes.
func TestSecondFactorMatrix(t *testing.T) {
	u := &core.User{ID: 1, Name: "alice", EmailVerified: true}
	other := core.User{ID: 2, Name: "bob"}
	mine := authz.Resource{Package: core.NPM("p"), Maintainers: []core.User{*u}}
	theirs := authz.Resource{Package: core.NPM("p"), Maintainers: []core.User{other}}
	at := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	all := []core.TokenAction{core.TokenRead, core.TokenPublish, core.TokenManage}
	session := &core.Token{Kind: core.TokenSession, Actions: all}
	apiMFA := &core.Token{Kind: core.TokenAPI, Actions: all, MFAVerifiedAt: at}
	apiOld := &core.Token{Kind: core.TokenAPI, Actions: all}

	good := func() *authz.OTPCheck { return authz.NewOTPCheck(func() error { return nil }) }
	bad := func() *authz.OTPCheck {
		return authz.NewOTPCheck(func() error { return core.Errorf(core.KindUnauthenticated, "that code is not valid") })
	}
	type principal struct {
		name string
		p    authz.Principal
	}
	ps := []principal{
		{"browser with MFA", authz.Principal{User: u, MFA: true, MFAVerifiedAt: at}},
		{"browser from before MFA", authz.Principal{User: u, MFA: true}},
		{"login token, no code", authz.Principal{User: u, MFA: true, Token: session}},
		{"login token, good code", authz.Principal{User: u, MFA: true, Token: session, OTP: good()}},
		{"login token, bad code", authz.Principal{User: u, MFA: true, Token: session, OTP: bad()}},
		{"API token made under MFA", authz.Principal{User: u, MFA: true, Token: apiMFA}},
		{"API token from before MFA", authz.Principal{User: u, MFA: true, Token: apiOld}},
		{"login token, no MFA on", authz.Principal{User: u, Token: session}},
	}
	otp, ok := core.KindOTPRequired, core.Kind(-1)
	cases := []struct {
		a    authz.Action
		r    authz.Resource
		want []core.Kind // one per principal
	}{
		{authz.CreatePackage, authz.Resource{Package: core.NPM("p")}, []core.Kind{ok, otp, otp, ok, otp, ok, otp, ok, ok}},
		{authz.PublishVersion, mine, []core.Kind{ok, otp, otp, ok, otp, ok, otp, ok, ok}},
		{authz.Unpublish, mine, []core.Kind{ok, otp, otp, ok, otp, otp, otp, ok, otp}},
		{authz.SetDistTags, mine, []core.Kind{ok, otp, otp, ok, otp, otp, otp, ok, otp}},
		{authz.ChangeOwners, mine, []core.Kind{ok, otp, otp, ok, otp, otp, otp, ok, otp}},
		{authz.ReadPackage, mine, []core.Kind{ok, ok, ok, ok, ok, ok, ok, ok, ok}},
		{authz.ManageTokens, authz.Resource{}, []core.Kind{ok, ok, ok, ok, ok, core.KindForbidden, core.KindForbidden, ok, core.KindForbidden}},
		{authz.CreateTokens, authz.Resource{}, []core.Kind{ok, otp, otp, ok, otp, core.KindForbidden, core.KindForbidden, ok, core.KindForbidden}},
		{authz.RevokeTokens, authz.Resource{}, []core.Kind{ok, otp, otp, ok, otp, core.KindForbidden, core.KindForbidden, ok, core.KindForbidden}},
	}
	for _, c := range cases {
		for i, pr := range ps {
			err := settle(pr.p, c.a, c.r)
			got := ok
			if err != nil {
				got = core.KindOf(err)
			}
			if got != c.want[i] {
				t.Errorf("%s by %s: got %v (%v), want %v", c.a, pr.name, got, err, c.want[i])
			}
		}
	}

	// Not a maintainer: refused before the code is looked at.
	spent := false
	p := authz.Principal{User: u, MFA: true, Token: session, OTP: authz.NewOTPCheck(func() error { spent = true; return nil })}
	if err := settle(p, authz.Unpublish, theirs); core.KindOf(err) != core.KindForbidden || spent {
		t.Fatalf("non-maintainer: %v, code spent %v; want forbidden without spending it", err, spent)
	}
	// A read does not spend it either.
	if err := settle(p, authz.ReadPackage, mine); err != nil || spent {
		t.Fatalf("read: %v, code spent %v", err, spent)
	}
	// A throttled check stays a rate limit, not a new prompt.
	limited := authz.Principal{User: u, MFA: true, Token: session, OTP: authz.NewOTPCheck(func() error { return core.RateLimited(time.Second, "too many") })}
	if err := settle(limited, authz.CreatePackage, authz.Resource{Package: core.NPM("p")}); core.KindOf(err) != core.KindRateLimited {
		t.Fatalf("throttled code: %v", err)
	}
	// The OTP message says a one-time password is needed, and how to send one.
	err := settle(ps[2].p, authz.CreatePackage, authz.Resource{Package: core.NPM("p")})
	var e *core.Error
	if !errors.As(err, &e) || !strings.HasPrefix(e.Msg, authz.OTPRequiredMessage+": ") {
		t.Fatalf("message %v, want one starting %q", err, authz.OTPRequiredMessage)
	}
}

// TestMFAPolicyMatrix: the registry's MFA policy (AUTHN-2c, 3b, 3c):
// Level 3 requires a second factor of every maintainer and of the
// session that made a publishing token; critical packages need a
// phishing-resistant factor for owners, tokens and interactive
// publishing; sensitive actions need a recent second factor.
func TestMFAPolicyMatrix(t *testing.T) {
	now := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	fresh, stale := now.Add(-time.Minute), now.Add(-time.Hour)
	u := &core.User{ID: 1, Name: "alice", EmailVerified: true}
	mine := authz.Resource{Package: core.NPM("p"), Maintainers: []core.User{*u}}
	critical := authz.Resource{Package: core.NPM("p"), Maintainers: []core.User{*u}, Critical: true}
	criticalToken := authz.Resource{Critical: true}
	all := []core.TokenAction{core.TokenRead, core.TokenPublish, core.TokenManage}
	session := &core.Token{Kind: core.TokenSession, Actions: all}
	sessionPR := &core.Token{Kind: core.TokenSession, Actions: all, MFAVerifiedAt: stale, PhishingResistantAt: stale}
	apiMFA := &core.Token{Kind: core.TokenAPI, Actions: all, MFAVerifiedAt: stale}
	apiOld := &core.Token{Kind: core.TokenAPI, Actions: all}
	apiPR := &core.Token{Kind: core.TokenAPI, Actions: all, MFAVerifiedAt: stale, PhishingResistantAt: stale}
	good := func() *authz.OTPCheck { return authz.NewOTPCheck(func() error { return nil }) }
	l3 := authz.Policy{RequireMFA: true, StepUpWindow: 15 * time.Minute}

	type principal struct {
		name string
		p    authz.Principal
	}
	ps := []principal{
		{"L3, no MFA, browser", authz.Principal{User: u, Now: now, Policy: l3}},
		{"L3, no MFA, login token", authz.Principal{User: u, Now: now, Policy: l3, Token: session}},
		{"L3, TOTP, fresh browser", authz.Principal{User: u, Now: now, Policy: l3, MFA: true, MFAVerifiedAt: fresh}},
		{"L3, TOTP, stale browser", authz.Principal{User: u, Now: now, Policy: l3, MFA: true, MFAVerifiedAt: stale}},
		{"L3, TOTP, login token + code", authz.Principal{User: u, Now: now, Policy: l3, MFA: true, Token: session, OTP: good()}},
		{"L3, TOTP, API token made under MFA", authz.Principal{User: u, Now: now, Policy: l3, MFA: true, Token: apiMFA}},
		{"L3, TOTP, API token from before MFA", authz.Principal{User: u, Now: now, Policy: l3, MFA: true, Token: apiOld}},
		{"L3, security key, fresh browser", authz.Principal{User: u, Now: now, Policy: l3, MFA: true, MFAVerifiedAt: fresh, PhishingResistantAt: fresh}},
		{"L2, no MFA, login token", authz.Principal{User: u, Now: now, Token: session}},
		{"L3, key passed long ago, TOTP since, browser", authz.Principal{User: u, Now: now, Policy: l3, MFA: true, HasKey: true, MFAVerifiedAt: fresh, PhishingResistantAt: stale}},
		{"L3, login token approved with a key + code", authz.Principal{User: u, Now: now, Policy: l3, MFA: true, HasKey: true, Token: sessionPR, MFAVerifiedAt: stale, PhishingResistantAt: stale, OTP: good()}},
		{"L3, no MFA, browser just signed in", authz.Principal{User: u, Now: now, Policy: l3, SignedInAt: fresh}},
		{"L3, key, API token made with the key", authz.Principal{User: u, Now: now, Policy: l3, MFA: true, HasKey: true, Token: apiPR, MFAVerifiedAt: stale, PhishingResistantAt: stale}},
	}
	O, F, A := core.KindOTPRequired, core.KindForbidden, core.Kind(-1)
	cases := []struct {
		a    authz.Action
		r    authz.Resource
		want []core.Kind // one per principal
	}{
		{authz.ReadPackage, mine, []core.Kind{A, A, A, A, A, A, A, A, A, A, A, A, A}},
		{authz.CreatePackage, authz.Resource{Package: core.NPM("p")}, []core.Kind{F, F, A, A, A, A, F, A, A, A, A, F, A}},
		{authz.PublishVersion, mine, []core.Kind{F, F, A, A, A, A, F, A, A, A, A, F, A}},
		{authz.Unpublish, mine, []core.Kind{F, F, A, A, A, O, O, A, A, A, A, F, O}},
		{authz.SetDistTags, mine, []core.Kind{F, F, A, A, A, O, O, A, A, A, A, F, O}},
		{authz.ChangeOwners, mine, []core.Kind{F, F, A, O, A, O, O, A, A, A, A, F, O}},
		{authz.ChangeAccess, mine, []core.Kind{F, F, A, A, A, O, O, A, A, A, A, F, O}},
		{authz.ManageTokens, authz.Resource{}, []core.Kind{A, A, A, A, A, F, F, A, A, A, A, A, F}},
		{authz.RevokeTokens, authz.Resource{}, []core.Kind{A, A, A, A, A, F, F, A, A, A, A, A, F}},
		{authz.CreateTokens, authz.Resource{}, []core.Kind{F, F, A, O, A, F, F, A, A, A, A, F, F}},
		{authz.RemoveMFA, authz.Resource{}, []core.Kind{A, A, A, O, A, F, F, A, A, A, A, A, F}},
		// Adding a factor: a confirmed existing one, or a fresh sign-in.
		{authz.AddMFA, authz.Resource{}, []core.Kind{F, A, A, O, A, F, F, A, A, A, A, A, F}},
		// Approving an npm web login: the same, and only in a browser.
		{authz.ApproveLogin, authz.Resource{}, []core.Kind{F, F, A, O, F, F, F, A, F, A, F, A, F}},
		{authz.ChangeEmail, authz.Resource{}, []core.Kind{A, A, A, O, A, F, F, A, A, A, A, A, F}},
		// Critical packages: TOTP alone is refused for managing them,
		// tokens covering them and interactive publishing; a browser's
		// key must be recent (else it is asked for again); CI tokens made
		// with a key publish, not those made with TOTP alone; even Level 2
		// needs MFA there.
		{authz.PublishVersion, critical, []core.Kind{F, F, F, F, F, F, F, A, F, O, A, F, A}},
		{authz.ChangeOwners, critical, []core.Kind{F, F, F, F, F, F, F, A, F, O, A, F, O}},
		{authz.SetDistTags, critical, []core.Kind{F, F, F, F, F, F, F, A, F, O, A, F, O}},
		{authz.Unpublish, critical, []core.Kind{F, F, F, F, F, F, F, A, F, O, A, F, O}},
		{authz.ChangeAccess, critical, []core.Kind{F, F, F, F, F, F, F, A, F, O, A, F, O}},
		{authz.Deprecate, critical, []core.Kind{F, F, F, F, F, F, F, A, F, O, A, F, O}},
		{authz.CreateTokens, criticalToken, []core.Kind{F, F, F, F, F, F, F, A, F, O, A, F, F}},
	}
	for _, c := range cases {
		for i, pr := range ps {
			err := settle(pr.p, c.a, c.r)
			got := A
			if err != nil {
				got = core.KindOf(err)
			}
			if got != c.want[i] {
				t.Errorf("%s (critical %t) by %s: got %v (%v), want %v", c.a, c.r.Critical, pr.name, got, err, c.want[i])
			}
		}
	}
}

// TestCriticalGracePeriod: for the grace period after a package became
// critical by downloads, TOTP still works for it (browser, npm login
// token with a code, CI token made with a code); once it is over, or at
// once for a package an administrator designated, only a security key or
// passkey does, and a CI token made with TOTP stops publishing it.
func TestCriticalGracePeriod(t *testing.T) {
	now := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	u := &core.User{ID: 1, Name: "alice", EmailVerified: true}
	all := []core.TokenAction{core.TokenRead, core.TokenPublish, core.TokenManage}
	policy := authz.Policy{RequireMFA: true, CriticalGrace: 14 * 24 * time.Hour}
	good := func() *authz.OTPCheck { return authz.NewOTPCheck(func() error { return nil }) }
	browser := func() authz.Principal {
		return authz.Principal{User: u, Now: now, Policy: policy, MFA: true, MFAVerifiedAt: now.Add(-time.Minute)}
	}
	npmLogin := func() authz.Principal {
		return authz.Principal{User: u, Now: now, Policy: policy, MFA: true, OTP: good(), Token: &core.Token{Kind: core.TokenSession, Actions: all}}
	}
	ci := func() authz.Principal {
		return authz.Principal{User: u, Now: now, Policy: policy, MFA: true, Token: &core.Token{Kind: core.TokenAPI, Actions: all, MFAVerifiedAt: now.Add(-30 * 24 * time.Hour), Mask: "rmp_Abc", Name: "ci"}}
	}
	res := func(since time.Time) authz.Resource {
		return authz.Resource{Package: core.NPM("p"), Maintainers: []core.User{*u}, Critical: true, CriticalSince: since}
	}
	inGrace := res(now.Add(-13 * 24 * time.Hour))
	over := res(now.Add(-14*24*time.Hour - time.Second))
	designated := res(time.Time{})
	for _, c := range []struct {
		name string
		p    authz.Principal
		a    authz.Action
		r    authz.Resource
		want string // "" for allowed, else part of the message
	}{
		{"browser owners, in grace", browser(), authz.ChangeOwners, inGrace, ""},
		{"npm login publish, in grace", npmLogin(), authz.PublishVersion, inGrace, ""},
		{"npm login dist-tag, in grace", npmLogin(), authz.SetDistTags, inGrace, ""},
		{"CI publish, in grace", ci(), authz.PublishVersion, inGrace, ""},
		{"token covering it, in grace", browser(), authz.CreateTokens, authz.Resource{Critical: true, CriticalSince: inGrace.CriticalSince}, ""},
		{"browser owners, grace over", browser(), authz.ChangeOwners, over, "p is a critical package: changing the owners of p needs a security key or passkey"},
		{"npm login publish, grace over", npmLogin(), authz.PublishVersion, over, "needs a security key or passkey"},
		{"CI publish, grace over", ci(), authz.PublishVersion, over,
			`p is a critical package: publishing p needs a token created in a session that passed a security key or passkey; this token (rmp_Abc, "ci") was not`},
		{"token covering it, grace over", browser(), authz.CreateTokens, authz.Resource{Critical: true, CriticalSince: over.CriticalSince}, "a token limited to your other packages"},
		{"CI publish, designated", ci(), authz.PublishVersion, designated, "needs a token created in a session that passed a security key or passkey"},
		{"browser owners, designated", browser(), authz.ChangeOwners, designated, "/account/security-keys"},
	} {
		err := settle(c.p, c.a, c.r)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: refused (%v), want allowed", c.name, err)
		case c.want != "" && (err == nil || !strings.Contains(core.Message(err), c.want)):
			t.Errorf("%s: %v, want a refusal containing %q", c.name, err, c.want)
		}
	}
}

func TestMFAPolicyMessages(t *testing.T) {
	now := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	u := &core.User{ID: 1, Name: "alice", EmailVerified: true}
	mine := authz.Resource{Package: core.NPM("p"), Maintainers: []core.User{*u}}
	l3 := authz.Policy{RequireMFA: true}
	url := "https://npm.example/account"
	for _, tc := range []struct {
		name string
		p    authz.Principal
		a    authz.Action
		r    authz.Resource
		want string
	}{
		{"no MFA", authz.Principal{User: u, Policy: l3, AccountURL: url}, authz.PublishVersion, mine,
			"this registry requires two-factor authentication for maintainers: enable it at https://npm.example/account/mfa"},
		{"old token", authz.Principal{User: u, Policy: l3, MFA: true, AccountURL: url, Token: &core.Token{Kind: core.TokenAPI, Mask: "rmp_Abc", Name: "ci", Actions: []core.TokenAction{core.TokenPublish}}},
			authz.PublishVersion, mine, "created in a session that did not pass two-factor authentication"},
		{"TOTP on a critical package", authz.Principal{User: u, Policy: l3, MFA: true, MFAVerifiedAt: now, Now: now, AccountURL: url}, authz.ChangeOwners,
			authz.Resource{Package: core.NPM("p"), Maintainers: []core.User{*u}, Critical: true}, "p is a critical package: changing the owners of p needs a security key or passkey"},
		{"stale browser", authz.Principal{User: u, MFA: true, MFAVerifiedAt: now.Add(-time.Hour), Now: now}, authz.CreateTokens, authz.Resource{}, authz.StepUpMessage},
	} {
		err := settle(tc.p, tc.a, tc.r)
		if err == nil || !strings.Contains(core.Message(err), tc.want) {
			t.Errorf("%s: %v, want a message containing %q", tc.name, err, tc.want)
		}
	}
}

// settle is a request's whole decision: Authorize, and when it answers
// that a one-time password is needed, the caller's spend of the request's
// code and a second question (authz.Settle).
func settle(p authz.Principal, a authz.Action, r authz.Resource) error {
	return authz.Settle(p, func() error { return authz.Authorize(p, a, r) })
}
