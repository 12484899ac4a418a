package account_test

import (
	"net/url"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/authn"
	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/identity"
	"github.com/rampart/rampart/internal/mail"
)

// A request is authenticated when it arrives and writes a little later.
// These tests take a thief's principal (the request has arrived), let the
// owner end every session (the owner takes the account back), and only
// then let the thief's request go on: it must not leave the thief signed
// in or holding a token. A thief who keeps such requests in flight would
// otherwise survive every reset and "sign out everywhere else".

// twoBrowsers makes a verified user without a second factor, signed in
// twice: the owner's browser and the thief's copy of a session.
func (e *mfaEnv) twoBrowsers(name string) (u *core.User, owner, thief string) {
	e.t.Helper()
	u, err := e.svc.Identity.CreateUser(e.ctx, "operator", identity.NewUser{Name: name, Email: name + "@example.com", Password: goodPassword, Verified: true})
	if err != nil {
		e.t.Fatal(err)
	}
	if owner, err = e.svc.Authn.StartWebSession(e.ctx, u); err != nil {
		e.t.Fatal(err)
	}
	if thief, err = e.svc.Authn.StartWebSession(e.ctx, u); err != nil {
		e.t.Fatal(err)
	}
	return u, owner, thief
}

// signedIn reports whether a cookie value still signs a browser in.
func (e *mfaEnv) signedIn(value string) bool {
	return value != "" && e.svc.Authn.WebPrincipal(e.ctx, value, e.addr).User != nil
}

func TestSignOutOthersInFlightDoesNotOutliveTheOwner(t *testing.T) {
	e := newMFAEnv(t)
	_, owner, thief := e.twoBrowsers("alice")

	thiefReq := e.svc.Authn.WebPrincipal(e.ctx, thief, e.addr)
	_, ownerNew, err := e.svc.Authn.SignOutOthers(e.ctx, e.svc.Authn.WebPrincipal(e.ctx, owner, e.addr))
	if err != nil {
		t.Fatalf("the owner signing out everywhere else: %v", err)
	}
	_, thiefNew, err := e.svc.Authn.SignOutOthers(e.ctx, thiefReq)
	wantKind(t, err, core.KindUnauthenticated, "sign out everywhere else from a session signed out meanwhile")
	if e.signedIn(thiefNew) {
		t.Error("the thief's browser got a new session after the owner signed it out")
	}
	if !e.signedIn(ownerNew) {
		t.Error("the thief's late request signed the owner out")
	}
}

func TestSignOutOthersKeepsExpiry(t *testing.T) {
	e := newMFAEnv(t)
	_, owner, _ := e.twoBrowsers("alice")
	e.clock.Advance(authn.WebSessionLifetime - time.Hour)
	_, again, err := e.svc.Authn.SignOutOthers(e.ctx, e.svc.Authn.WebPrincipal(e.ctx, owner, e.addr))
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(2 * time.Hour)
	if e.signedIn(again) {
		t.Errorf("signing out the others extended this browser's session past its %s", authn.WebSessionLifetime)
	}
}

func TestNPMLoginApprovalInFlightDoesNotOutliveAPasswordChange(t *testing.T) {
	e := newMFAEnv(t)
	u, owner, thief := e.twoBrowsers("alice")
	urls, err := e.svc.Authn.StartCLILogin(e.ctx, e.addr)
	if err != nil {
		t.Fatal(err)
	}
	loginID := urls.LoginURL[len("https://registry.example/"+authn.PathCLILogin):]
	doneID := urls.DoneURL[len("https://registry.example/"+authn.PathCLIDone):]

	thiefReq := e.svc.Authn.WebPrincipal(e.ctx, thief, e.addr)
	if _, err := e.svc.Identity.ChangePassword(e.ctx, e.svc.Authn.WebPrincipal(e.ctx, owner, e.addr), goodPassword, "another-long-secret-phrase"); err != nil {
		t.Fatalf("the owner changing the password: %v", err)
	}
	err = e.svc.Authn.ApproveCLILogin(e.ctx, thiefReq, loginID)
	wantKind(t, err, core.KindUnauthenticated, "approving an npm login from a session ended meanwhile")
	if tok, pending, err := e.svc.Authn.PollCLILogin(e.ctx, doneID); tok != nil || !pending || err != nil {
		t.Fatalf("the npm login after the refused approval: token %v, pending %v, %v; want still pending", tok, pending, err)
	}
	if p := e.svc.Authn.WebPrincipal(e.ctx, thief, e.addr); p.User != nil {
		t.Fatalf("the thief's session outlived the password change (%s)", u.Name)
	}
}

// A password change reissues the browser's session; a reset landing
// between the change and the reissue signed every browser out and must
// stay the last word.
func TestResetBetweenPasswordChangeAndReissue(t *testing.T) {
	e := newMFAEnv(t)
	u, _, thief := e.twoBrowsers("alice")
	thiefReq := e.svc.Authn.WebPrincipal(e.ctx, thief, e.addr)
	changed, err := e.svc.Identity.ChangePassword(e.ctx, thiefReq, goodPassword, "thiefs-long-secret-phrase")
	if err != nil {
		t.Fatal(err)
	}

	// The owner resets the password before the thief's browser is
	// signed in again.
	if err := e.svc.Identity.RequestPasswordReset(e.ctx, u.Email, e.addr); err != nil {
		t.Fatal(err)
	}
	link, err := url.Parse(waitMail(t, e.mail, mail.KindPasswordReset, u.Email).Links[0])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Identity.ResetPassword(e.ctx, link.Query().Get("token"), "owners-long-secret-phrase", e.addr); err != nil {
		t.Fatalf("the owner's reset: %v", err)
	}

	value, err := e.svc.Authn.ContinueWebSession(e.ctx, authz.Principal{User: changed, Addr: e.addr, SignedInAt: thiefReq.SignedInAt})
	wantKind(t, err, core.KindUnauthenticated, "reissuing a session after a reset")
	if e.signedIn(value) {
		t.Error("the browser that changed the password is signed in after the owner's reset")
	}
}

// A token or a change-of-address link asked for from a browser signed out
// while the request was under way (modelled here by a request that knows
// the password the owner just set: the check of the password ran before
// the change) is not created: it would outlive the owner's change.
func TestTokenAndAddressChangeInFlightDoNotOutliveAPasswordChange(t *testing.T) {
	e := newMFAEnv(t)
	_, owner, thief := e.twoBrowsers("alice")
	const newPW = "another-long-secret-phrase"
	thiefReq := e.svc.Authn.WebPrincipal(e.ctx, thief, e.addr)
	if _, err := e.svc.Identity.ChangePassword(e.ctx, e.svc.Authn.WebPrincipal(e.ctx, owner, e.addr), goodPassword, newPW); err != nil {
		t.Fatal(err)
	}

	tok, err := e.svc.Authn.CreateToken(e.ctx, thiefReq, newPW, authn.TokenRequest{Name: "late", Actions: []core.TokenAction{core.TokenRead, core.TokenPublish}})
	wantKind(t, err, core.KindUnauthenticated, "creating a token from a session ended meanwhile")
	if tok != nil {
		t.Errorf("a token was created: %s", tok)
	}

	err = e.svc.Identity.RequestEmailChange(e.ctx, thiefReq, newPW, "thief@example.net")
	wantKind(t, err, core.KindUnauthenticated, "asking for a change of address from a session ended meanwhile")
	session, err := e.svc.Authn.StartWebSession(e.ctx, thiefReq.User)
	if err != nil {
		t.Fatal(err)
	}
	if pending, err := e.svc.Identity.PendingEmailChange(e.ctx, e.svc.Authn.WebPrincipal(e.ctx, session, e.addr)); err != nil || pending != nil {
		t.Fatalf("pending change of address after the refused request: %+v, %v; want none", pending, err)
	}
}
