package account_test

import (
	"testing"
	"time"

	"github.com/descope/virtualwebauthn"

	"github.com/rampart/rampart/internal/authn"
	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/secondfactor"
	"github.com/rampart/rampart/internal/testpeers/softkey"
)

// A stolen session must not plant its own second factor: an account
// without one adds it only from a fresh sign-in; an account with one must
// confirm it first (step-up), and adding an app beside a key does not
// make the session count as having passed the key. (Security review H1.)
func TestAddingAFactorNeedsAFreshSessionOrStepUp(t *testing.T) {
	e := newMFAEnv(t)
	p, value := e.keyUserSession("alice")
	auth := virtualwebauthn.NewAuthenticator()
	cred := softkey.NewCredential(t)

	// An hour after signing in, without any factor: refused.
	e.clock.Advance(time.Hour)
	stale := e.svc.Authn.WebPrincipal(e.ctx, value, e.addr)
	_, err := e.svc.Factors.BeginTOTP(e.ctx, stale)
	wantKind(t, err, core.KindForbidden, "a first factor from an hour-old session")
	_, err = e.svc.Factors.BeginRegisterKey(e.ctx, stale, secondfactor.KeySecurityKey)
	wantKind(t, err, core.KindForbidden, "a first key from an hour-old session")

	// Signed in again: the key is added, and the session passes it at
	// its next sign-in.
	v, err := e.svc.Authn.StartWebSession(e.ctx, p.User)
	if err != nil {
		t.Fatal(err)
	}
	fresh := e.svc.Authn.WebPrincipal(e.ctx, v, e.addr)
	if err := e.register(fresh, secondfactor.KeySecurityKey, "YubiKey", &auth, cred); err != nil {
		t.Fatalf("a first key from a fresh session: %v", err)
	}
	// Registering used the key: that browser counts as having passed it.
	if wp := e.svc.Authn.WebPrincipal(e.ctx, v, e.addr); wp.MFAVerifiedAt.IsZero() || wp.PhishingResistantAt.IsZero() {
		t.Fatalf("the browser that registered a first key: MFA at %v, key at %v", wp.MFAVerifiedAt, wp.PhishingResistantAt)
	}
	pending, _, err := e.svc.Authn.BeginWebSignIn(e.ctx, p.User)
	if err != nil {
		t.Fatal(err)
	}
	o, err := e.svc.Authn.BeginKeySignIn(e.ctx, pending)
	if err != nil {
		t.Fatal(err)
	}
	cred.Counter = 1
	_, value, err = e.svc.Authn.FinishKeySignIn(e.ctx, pending, o.Ceremony, assertionFor(t, o, auth, cred), e.addr)
	if err != nil {
		t.Fatal(err)
	}

	// Twenty minutes on, the key is no longer recent: adding an app is
	// refused until the key is confirmed again.
	e.clock.Advance(20 * time.Minute)
	wp := e.svc.Authn.WebPrincipal(e.ctx, value, e.addr)
	_, err = e.svc.Factors.BeginTOTP(e.ctx, wp)
	wantKind(t, err, core.KindOTPRequired, "an app added beside a key without step-up")
	if err := authz.Authorize(wp, authz.ChangeOwners, authz.Resource{Package: core.NPM("p"), Maintainers: []core.User{*wp.User}, Critical: true}); core.KindOf(err) != core.KindOTPRequired {
		t.Fatalf("a critical owner change with a key passed 20 minutes ago: %v, want a step-up", err)
	}
	o, err = e.svc.Factors.BeginStepUpKey(e.ctx, wp)
	if err != nil {
		t.Fatal(err)
	}
	cred.Counter = 2
	if err := e.svc.Factors.FinishStepUpKey(e.ctx, wp, o.Ceremony, assertionFor(t, o, auth, cred)); err != nil {
		t.Fatalf("step-up with the key: %v", err)
	}
	wp = e.svc.Authn.WebPrincipal(e.ctx, value, e.addr)
	if err := authz.Authorize(wp, authz.ChangeOwners, authz.Resource{Package: core.NPM("p"), Maintainers: []core.User{*wp.User}, Critical: true}); err != nil {
		t.Fatalf("a critical owner change right after the key: %v", err)
	}
	en, err := e.svc.Factors.BeginTOTP(e.ctx, wp)
	if err != nil {
		t.Fatalf("an app after the step-up: %v", err)
	}
	if _, err := e.svc.Factors.ConfirmTOTP(e.ctx, wp, e.code(en.Secret, 0)); err != nil {
		t.Fatal(err)
	}
	// The session keeps the key it passed; a code from the app at the
	// confirm page later leaves it without.
	e.clock.Advance(time.Minute)
	wp = e.svc.Authn.WebPrincipal(e.ctx, value, e.addr)
	if wp.PhishingResistantAt.IsZero() {
		t.Fatal("adding an app cleared the key the session had passed")
	}
	if err := e.svc.Factors.ConfirmWebSession(e.ctx, wp, e.code(en.Secret, 0)); err != nil {
		t.Fatal(err)
	}
	wp = e.svc.Authn.WebPrincipal(e.ctx, value, e.addr)
	if !wp.PhishingResistantAt.IsZero() {
		t.Fatal("a code from the app left the session counting as having passed a key")
	}
	if err := authz.Authorize(wp, authz.SetDistTags, authz.Resource{Package: core.NPM("p"), Maintainers: []core.User{*wp.User}, Critical: true}); core.KindOf(err) != core.KindOTPRequired {
		t.Fatalf("critical dist-tags after a TOTP step-up: %v, want the key asked for", err)
	}
}

// Approving an npm web login hands out a token: a session whose second
// factor is older than the step-up window must confirm it first.
// (Security review M1.)
func TestCLILoginApprovalNeedsRecentFactor(t *testing.T) {
	e := newMFAEnv(t)
	_, secret, _ := e.enrolled("bob")
	u, err := e.svc.Identity.User(e.ctx, "bob")
	if err != nil {
		t.Fatal(err)
	}
	pending, _, err := e.svc.Authn.BeginWebSignIn(e.ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	_, value, err := e.svc.Authn.FinishWebSignIn(e.ctx, pending, e.code(secret, 0), e.addr)
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Hour)
	urls, err := e.svc.Authn.StartCLILogin(e.ctx, e.addr)
	if err != nil {
		t.Fatal(err)
	}
	loginID := urls.LoginURL[len("https://registry.example/"+authn.PathCLILogin):]
	err = e.svc.Authn.ApproveCLILogin(e.ctx, e.svc.Authn.WebPrincipal(e.ctx, value, e.addr), loginID)
	wantKind(t, err, core.KindOTPRequired, "approving an npm login an hour after the second factor")
	e.clock.Advance(30 * time.Second)
	wp := e.svc.Authn.WebPrincipal(e.ctx, value, e.addr)
	if err := e.svc.Factors.ConfirmWebSession(e.ctx, wp, e.code(secret, 0)); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Authn.ApproveCLILogin(e.ctx, e.svc.Authn.WebPrincipal(e.ctx, value, e.addr), loginID); err != nil {
		t.Fatalf("approving right after the step-up: %v", err)
	}
}
