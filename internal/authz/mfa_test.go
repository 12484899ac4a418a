package authz_test

import (
	"errors"
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
	mine := authz.Resource{Package: "p", Maintainers: []core.User{*u}}
	theirs := authz.Resource{Package: "p", Maintainers: []core.User{other}}
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
		{authz.CreatePackage, authz.Resource{Package: "p"}, []core.Kind{ok, core.KindForbidden, otp, ok, otp, ok, otp, ok}},
		{authz.PublishVersion, mine, []core.Kind{ok, core.KindForbidden, otp, ok, otp, ok, otp, ok}},
		{authz.Unpublish, mine, []core.Kind{ok, core.KindForbidden, otp, ok, otp, otp, otp, ok}},
		{authz.SetDistTags, mine, []core.Kind{ok, core.KindForbidden, otp, ok, otp, otp, otp, ok}},
		{authz.ChangeOwners, mine, []core.Kind{ok, core.KindForbidden, otp, ok, otp, otp, otp, ok}},
		{authz.ReadPackage, mine, []core.Kind{ok, ok, ok, ok, ok, ok, ok, ok}},
		{authz.ManageTokens, authz.Resource{}, []core.Kind{ok, ok, ok, ok, ok, core.KindForbidden, core.KindForbidden, ok}},
		{authz.CreateTokens, authz.Resource{}, []core.Kind{ok, core.KindForbidden, otp, ok, otp, core.KindForbidden, core.KindForbidden, ok}},
		{authz.RevokeTokens, authz.Resource{}, []core.Kind{ok, core.KindForbidden, otp, ok, otp, core.KindForbidden, core.KindForbidden, ok}},
	}
	for _, c := range cases {
		for i, pr := range ps {
			err := authz.Authorize(pr.p, c.a, c.r)
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
	if err := authz.Authorize(p, authz.Unpublish, theirs); core.KindOf(err) != core.KindForbidden || spent {
		t.Fatalf("non-maintainer: %v, code spent %v; want forbidden without spending it", err, spent)
	}
	// A read does not spend it either.
	if err := authz.Authorize(p, authz.ReadPackage, mine); err != nil || spent {
		t.Fatalf("read: %v, code spent %v", err, spent)
	}
	// A throttled check stays a rate limit, not a new prompt.
	limited := authz.Principal{User: u, MFA: true, Token: session, OTP: authz.NewOTPCheck(func() error { return core.RateLimited(time.Second, "too many") })}
	if err := authz.Authorize(limited, authz.CreatePackage, authz.Resource{Package: "p"}); core.KindOf(err) != core.KindRateLimited {
		t.Fatalf("throttled code: %v", err)
	}
	// The OTP message is the one npm users see.
	err := authz.Authorize(ps[2].p, authz.CreatePackage, authz.Resource{Package: "p"})
	var e *core.Error
	if !errors.As(err, &e) || e.Msg != authz.OTPRequiredMessage {
		t.Fatalf("message %v, want %q", err, authz.OTPRequiredMessage)
	}
}
