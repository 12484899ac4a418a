package account_test

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/descope/virtualwebauthn"

	"github.com/rampart/rampart/internal/authn"
	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/identity"
	"github.com/rampart/rampart/internal/mail"
	"github.com/rampart/rampart/internal/secondfactor"
	"github.com/rampart/rampart/internal/testpeers/softkey"
)

// The account service's relying party is the test env's public URL.
var testRP = virtualwebauthn.RelyingParty{ID: "registry.example", Name: "Rampart", Origin: "https://registry.example"}

// keyUser makes a verified user without a second factor and returns the
// principal of a signed-in browser.
func (e *mfaEnv) keyUser(name string) authz.Principal {
	p, _ := e.keyUserSession(name)
	return p
}

// keyUserSession is keyUser that also returns the session cookie value.
func (e *mfaEnv) keyUserSession(name string) (authz.Principal, string) {
	e.t.Helper()
	u, err := e.svc.Identity.CreateUser(e.ctx, "operator", identity.NewUser{Name: name, Email: name + "@example.com", Password: goodPassword, Verified: true})
	if err != nil {
		e.t.Fatal(err)
	}
	v, err := e.svc.Authn.StartWebSession(e.ctx, u)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.svc.Authn.WebPrincipal(e.ctx, v, e.addr), v
}

// register runs a registration ceremony of kind with a software
// authenticator and returns the error of its finish.
func (e *mfaEnv) register(p authz.Principal, kind, name string, auth *virtualwebauthn.Authenticator, cred virtualwebauthn.Credential) error {
	e.t.Helper()
	o, err := e.svc.Factors.BeginRegisterKey(e.ctx, p, kind)
	if err != nil {
		e.t.Fatal(err)
	}
	opts, err := virtualwebauthn.ParseAttestationOptions(string(o.Options))
	if err != nil {
		e.t.Fatal(err)
	}
	if kind == secondfactor.KeyPasskey {
		auth.Options.UserHandle = []byte(opts.UserID) // a discoverable credential keeps the user handle
	}
	resp := virtualwebauthn.CreateAttestationResponse(testRP, *auth, cred, *opts)
	_, err = e.svc.Factors.FinishRegisterKey(e.ctx, p, o.Ceremony, kind, name, []byte(resp))
	if err == nil {
		auth.AddCredential(cred)
	}
	return err
}

func assertionFor(t *testing.T, o *secondfactor.Options, auth virtualwebauthn.Authenticator, cred virtualwebauthn.Credential) []byte {
	t.Helper()
	opts, err := virtualwebauthn.ParseAssertionOptions(string(o.Options))
	if err != nil {
		t.Fatal(err)
	}
	return []byte(virtualwebauthn.CreateAssertionResponse(testRP, auth, cred, *opts))
}

func TestSecurityKeyAsSecondFactor(t *testing.T) {
	e := newMFAEnv(t)
	p := e.keyUser("alice")
	auth := virtualwebauthn.NewAuthenticator()
	cred := softkey.NewCredential(t)
	if err := e.register(p, secondfactor.KeySecurityKey, "YubiKey", &auth, cred); err != nil {
		t.Fatalf("registering a security key: %v", err)
	}
	if m := e.lastMail(mail.KindMFAAdded); !slices.Equal(m.To, []string{"alice@example.com"}) {
		t.Errorf("MFA-added mail went to %s", m.To)
	}
	if !slices.Contains(e.eventTypes("alice"), core.EventMFAAdd) {
		t.Errorf("no %s event: %v", core.EventMFAAdd, e.eventTypes("alice"))
	}
	// The same key again is refused (excluded, and unique in the store).
	if err := e.register(p, secondfactor.KeySecurityKey, "Again", &auth, cred); err == nil {
		t.Error("the same security key registered twice")
	}

	// The password is now only the first step.
	u := p.User
	pending, isPending, err := e.svc.Authn.BeginWebSignIn(e.ctx, u)
	if err != nil || !isPending {
		t.Fatalf("BeginWebSignIn = pending %v, %v; want a pending sign-in", isPending, err)
	}
	totp, keys, err := e.svc.Authn.PendingFactors(e.ctx, pending)
	if err != nil || totp || !keys {
		t.Fatalf("PendingFactors = totp %v keys %v, %v", totp, keys, err)
	}
	o, err := e.svc.Authn.BeginKeySignIn(e.ctx, pending)
	if err != nil {
		t.Fatal(err)
	}
	cred.Counter = 1
	_, value, err := e.svc.Authn.FinishKeySignIn(e.ctx, pending, o.Ceremony, assertionFor(t, o, auth, cred), e.addr)
	if err != nil {
		t.Fatalf("signing in with the security key: %v", err)
	}
	wp := e.svc.Authn.WebPrincipal(e.ctx, value, e.addr)
	if wp.User == nil || !wp.MFA || wp.MFAVerifiedAt.IsZero() || wp.PhishingResistantAt.IsZero() {
		t.Fatalf("session after the security key: user %v MFA %v at %v phishing-resistant %v", wp.User != nil, wp.MFA, wp.MFAVerifiedAt, wp.PhishingResistantAt)
	}
	// The challenge was spent: the same answer again is refused.
	if _, _, err := e.svc.Authn.FinishKeySignIn(e.ctx, pending, o.Ceremony, assertionFor(t, o, auth, cred), e.addr); err == nil {
		t.Error("a spent challenge was accepted again")
	}

	// Removing it mails and turns the factor off.
	keysNow, err := e.svc.Factors.SecurityKeys(e.ctx, wp)
	if err != nil || len(keysNow) != 1 || keysNow[0].Name != "YubiKey" || keysNow[0].SignCount != 1 {
		t.Fatalf("SecurityKeys = %+v, %v", keysNow, err)
	}
	if err := e.svc.Factors.RemoveKey(e.ctx, wp, keysNow[0].ID); err != nil {
		t.Fatal(err)
	}
	e.lastMail(mail.KindMFARemoved)
	if _, isPending, _ := e.svc.Authn.BeginWebSignIn(e.ctx, u); isPending {
		t.Error("the password still asks for a second factor after the key was removed")
	}
}

func TestPasskeySignInAlone(t *testing.T) {
	e := newMFAEnv(t)
	p := e.keyUser("bob")
	auth := virtualwebauthn.NewAuthenticatorWithOptions(virtualwebauthn.AuthenticatorOptions{})
	cred := softkey.NewCredential(t)
	if err := e.register(p, secondfactor.KeyPasskey, "Laptop", &auth, cred); err != nil {
		t.Fatalf("registering a passkey: %v", err)
	}
	e.lastMail(mail.KindPasskeyAdded)

	o, err := e.svc.Factors.BeginPasskeySignIn(e.ctx, e.addr)
	if err != nil {
		t.Fatal(err)
	}
	var opts struct {
		PublicKey struct {
			AllowCredentials []any  `json:"allowCredentials"`
			UserVerification string `json:"userVerification"`
		} `json:"publicKey"`
	}
	if err := json.Unmarshal(o.Options, &opts); err != nil {
		t.Fatal(err)
	}
	if len(opts.PublicKey.AllowCredentials) != 0 || opts.PublicKey.UserVerification != "required" {
		t.Errorf("passkey options: %+v (want no allow list, user verification required)", opts.PublicKey)
	}
	cred.Counter = 3
	u, value, err := e.svc.Authn.FinishPasskeySignIn(e.ctx, o.Ceremony, assertionFor(t, o, auth, cred), e.addr)
	if err != nil {
		t.Fatalf("signing in with the passkey: %v", err)
	}
	if u.Name != "bob" {
		t.Fatalf("passkey signed in %s", u.Name)
	}
	wp := e.svc.Authn.WebPrincipal(e.ctx, value, e.addr)
	if wp.Name() != "bob" || wp.MFAVerifiedAt.IsZero() || wp.PhishingResistantAt.IsZero() {
		t.Fatalf("passkey session: %s MFA at %v phishing-resistant at %v", wp.Name(), wp.MFAVerifiedAt, wp.PhishingResistantAt)
	}

	// A counter that goes backwards means a cloned authenticator.
	o, err = e.svc.Factors.BeginPasskeySignIn(e.ctx, e.addr)
	if err != nil {
		t.Fatal(err)
	}
	cred.Counter = 2
	_, _, err = e.svc.Authn.FinishPasskeySignIn(e.ctx, o.Ceremony, assertionFor(t, o, auth, cred), e.addr)
	wantKind(t, err, core.KindUnauthenticated, "an assertion with a lower sign count")

	// Without user verification a passkey does not sign in.
	o, err = e.svc.Factors.BeginPasskeySignIn(e.ctx, e.addr)
	if err != nil {
		t.Fatal(err)
	}
	noUV := auth
	noUV.Options.UserNotVerified = true
	cred.Counter = 10
	if _, _, err := e.svc.Authn.FinishPasskeySignIn(e.ctx, o.Ceremony, assertionFor(t, o, noUV, cred), e.addr); err == nil {
		t.Error("a passkey assertion without user verification signed in")
	}
}

func TestPasskeyRegistrationNeedsUserVerification(t *testing.T) {
	e := newMFAEnv(t)
	p := e.keyUser("carol")
	auth := virtualwebauthn.NewAuthenticatorWithOptions(virtualwebauthn.AuthenticatorOptions{UserNotVerified: true})
	if err := e.register(p, secondfactor.KeyPasskey, "No PIN", &auth, softkey.NewCredential(t)); err == nil {
		t.Fatal("a passkey without user verification was registered")
	}
}

func TestCLIWebLogin(t *testing.T) {
	e := newMFAEnv(t)
	p, session := e.keyUserSession("dave")
	auth := virtualwebauthn.NewAuthenticator()
	cred := softkey.NewCredential(t)
	if err := e.register(p, secondfactor.KeyPasskey, "Phone", &auth, cred); err != nil {
		t.Fatal(err)
	}
	// The registering browser has used its passkey, but that was long
	// ago by the time the CLI asks.
	e.clock.Advance(time.Hour)
	urls, err := e.svc.Authn.StartCLILogin(e.ctx, e.addr)
	if err != nil {
		t.Fatal(err)
	}
	loginID := urls.LoginURL[len("https://registry.example/"+authn.PathCLILogin):]
	doneID := urls.DoneURL[len("https://registry.example/"+authn.PathCLIDone):]
	if loginID == doneID {
		t.Fatal("the login and done URLs share a secret")
	}
	if _, pending, err := e.svc.Authn.PollCLILogin(e.ctx, doneID); err != nil || !pending {
		t.Fatalf("poll before approval = pending %v, %v", pending, err)
	}
	// A session whose second factor is not recent cannot approve: it is
	// asked to confirm one first (step-up).
	err = e.svc.Authn.ApproveCLILogin(e.ctx, e.svc.Authn.WebPrincipal(e.ctx, session, e.addr), loginID)
	wantKind(t, err, core.KindOTPRequired, "approving from a session whose second factor is an hour old")
	if _, err := e.svc.Authn.CLILogin(e.ctx, doneID); err == nil {
		t.Error("the done secret opens the approval page")
	}

	o, err := e.svc.Factors.BeginPasskeySignIn(e.ctx, e.addr)
	if err != nil {
		t.Fatal(err)
	}
	cred.Counter = 1
	_, value, err := e.svc.Authn.FinishPasskeySignIn(e.ctx, o.Ceremony, assertionFor(t, o, auth, cred), e.addr)
	if err != nil {
		t.Fatal(err)
	}
	wp := e.svc.Authn.WebPrincipal(e.ctx, value, e.addr)
	if err := e.svc.Authn.ApproveCLILogin(e.ctx, wp, loginID); err != nil {
		t.Fatalf("approving: %v", err)
	}
	tok, pending, err := e.svc.Authn.PollCLILogin(e.ctx, doneID)
	if err != nil || pending || tok == nil {
		t.Fatalf("poll after approval = %v pending %v, %v", tok, pending, err)
	}
	tp, err := e.svc.Authn.Authenticate(e.ctx, tok.Value, e.addr)
	if err != nil || tp.Name() != "dave" || tp.MFAVerifiedAt.IsZero() || tp.PhishingResistantAt.IsZero() {
		t.Fatalf("the web-login token: %s MFA at %v phishing-resistant at %v, %v", tp.Name(), tp.MFAVerifiedAt, tp.PhishingResistantAt, err)
	}
	_, _, err = e.svc.Authn.PollCLILogin(e.ctx, doneID)
	wantKind(t, err, core.KindNotFound, "collecting the token twice")

	// An unapproved login expires.
	urls, err = e.svc.Authn.StartCLILogin(e.ctx, e.addr)
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(authn.CLILoginLifetime)
	_, _, err = e.svc.Authn.PollCLILogin(e.ctx, urls.DoneURL[len("https://registry.example/"+authn.PathCLIDone):])
	wantKind(t, err, core.KindNotFound, "polling an expired login")
}
