package account_test

import (
	"strings"
	"testing"

	"github.com/descope/virtualwebauthn"

	"github.com/rampart/rampart/internal/authn"
	"github.com/rampart/rampart/internal/secondfactor"
	"github.com/rampart/rampart/internal/testpeers/softkey"
)

// A web OTP value is approved in the browser for one npm write; turning
// off the authenticator app (in the browser, or `npm profile
// disable-2fa`) asks for a code from that app, and such a value is none
// (review item 19), even one issued before the app was added.
func TestWebOTPDoesNotTurnOffTOTP(t *testing.T) {
	e := newMFAEnv(t)
	p, _ := e.keyUserSession("dave")
	auth := virtualwebauthn.NewAuthenticator()
	cred := softkey.NewCredential(t)
	if err := e.register(p, secondfactor.KeyPasskey, "Phone", &auth, cred); err != nil {
		t.Fatal(err)
	}
	o, err := e.svc.Factors.BeginPasskeySignIn(e.ctx, e.addr)
	if err != nil {
		t.Fatal(err)
	}
	cred.Counter = 1
	_, session, err := e.svc.Authn.FinishPasskeySignIn(e.ctx, o.Ceremony, assertionFor(t, o, auth, cred), e.addr)
	if err != nil {
		t.Fatal(err)
	}
	wp := e.svc.Authn.WebPrincipal(e.ctx, session, e.addr)

	// Keys only: an npm write gets a web OTP, approved with the passkey.
	urls, err := e.svc.Authn.StartWebOTP(e.ctx, wp.User, e.addr)
	if err != nil {
		t.Fatal(err)
	}
	loginID, _, _ := strings.Cut(urls.LoginURL[len("https://registry.example/"+authn.PathCLILogin):], "?")
	if err := e.svc.Authn.ApproveCLILogin(e.ctx, wp, loginID); err != nil {
		t.Fatal(err)
	}
	got, pending, err := e.svc.Authn.PollCLILogin(e.ctx, urls.DoneURL[len("https://registry.example/"+authn.PathCLIDone):])
	if err != nil || pending || got == nil {
		t.Fatalf("collecting the web OTP value: %v pending %v, %v", got, pending, err)
	}

	// Then an authenticator app is added, from the same fresh browser.
	en, err := e.svc.Factors.BeginTOTP(e.ctx, wp)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Factors.ConfirmTOTP(e.ctx, wp, e.code(en.Secret, 0)); err != nil {
		t.Fatal(err)
	}

	if err := e.svc.Factors.DisableTOTP(e.ctx, e.svc.Authn.WebPrincipal(e.ctx, session, e.addr), goodPassword, got.Value); err == nil {
		t.Fatal("a web OTP value approved for an npm write turned the authenticator app off")
	}
	st, err := e.svc.Factors.MFAStatus(e.ctx, wp)
	if err != nil || !st.TOTP {
		t.Fatalf("the authenticator app after the refused attempt: on %v, %v", st.TOTP, err)
	}
}
