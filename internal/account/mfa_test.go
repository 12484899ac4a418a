package account_test

import (
	"context"
	"errors"
	"net/netip"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/rampart/rampart/internal/authn"
	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/identity"
	"github.com/rampart/rampart/internal/mail"
	"github.com/rampart/rampart/internal/password"
	"github.com/rampart/rampart/internal/pwcheck"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/eventcheck"
	"github.com/rampart/rampart/internal/store/sqlite"
	"github.com/rampart/rampart/internal/testclock"
)

// mfaEnv is an account service on a real SQLite store with a clock the
// test moves and a mailer it reads.
type mfaEnv struct {
	t     *testing.T
	ctx   context.Context
	clock *testclock.Clock
	st    store.Store
	svc   *stack
	mail  *sentMail
	addr  netip.Addr
}

func newMFAEnv(t *testing.T) *mfaEnv {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "metadata.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	pw, err := pwcheck.New(pwcheck.Options{DisableHIBP: true})
	if err != nil {
		t.Fatal(err)
	}
	sent := &sentMail{}
	clock := testclock.New(time.Date(2030, 5, 6, 7, 8, 9, 0, time.UTC))
	svc, err := newStack(ctx, eventcheck.Wrap(t, st), password.NewHasher(password.TestParams(), 4), Policy{
		PublishMaxDays: 90, DefaultDays: 30, ReadOnlyMaxDays: 365, SessionLifetime: 12 * time.Hour,
		FreeFailures: freeFailures, MaxBackoff: maxBackoff, PublicURL: "https://registry.example/",
	}, Peers{Mailer: sent, Passwords: pw}, clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	return &mfaEnv{t: t, ctx: ctx, clock: clock, st: st, svc: svc, mail: sent, addr: netip.MustParseAddr("192.0.2.7")}
}

// code is what an authenticator app shows at the test clock's time plus d.
func (e *mfaEnv) code(secret string, d time.Duration) string {
	e.t.Helper()
	c, err := totp.GenerateCodeCustom(secret, e.clock.Now().Add(d), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// enrolled makes a verified user with TOTP on and returns the principal
// of a browser session, the secret and the recovery codes.
func (e *mfaEnv) enrolled(name string) (authz.Principal, string, []string) {
	e.t.Helper()
	u, err := e.svc.Identity.CreateUser(e.ctx, "operator", identity.NewUser{Name: name, Email: name + "@example.com", Password: goodPassword, Verified: true})
	if err != nil {
		e.t.Fatal(err)
	}
	p := authz.Principal{User: u, Addr: e.addr}
	// A first factor is added from a fresh sign-in.
	fresh := p
	fresh.SignedInAt, fresh.Now = e.clock.Now(), e.clock.Now()
	en, err := e.svc.Factors.BeginTOTP(e.ctx, fresh)
	if err != nil {
		e.t.Fatal(err)
	}
	if !strings.HasPrefix(en.URL, "otpauth://totp/") || len(en.QRPNG) == 0 {
		e.t.Fatalf("enrolment URL %q, %d bytes of QR code", en.URL, len(en.QRPNG))
	}
	codes, err := e.svc.Factors.ConfirmTOTP(e.ctx, fresh, e.code(en.Secret, 0))
	if err != nil {
		e.t.Fatal(err)
	}
	if len(codes) != 10 {
		e.t.Fatalf("ConfirmTOTP returned %d recovery codes, want 10", len(codes))
	}
	e.clock.Advance(30 * time.Second) // the confirming code is spent
	return p, en.Secret, codes
}

func (e *mfaEnv) lastMail(kind string) mail.Message {
	e.t.Helper()
	e.mail.mu.Lock()
	defer e.mail.mu.Unlock()
	for i := len(e.mail.msgs) - 1; i >= 0; i-- {
		if e.mail.msgs[i].Kind == kind {
			return e.mail.msgs[i]
		}
	}
	e.t.Fatalf("no %s mail was sent", kind)
	return mail.Message{}
}

func (e *mfaEnv) eventTypes(actor string) []string {
	e.t.Helper()
	var out []string
	err := e.st.View(e.ctx, func(tx store.Tx) error {
		es, err := tx.EventsByActor(actor, 100)
		out = out[:0]
		for _, ev := range es {
			out = append(out, ev.Type)
		}
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

func wantKind(t *testing.T, err error, kind core.Kind, what string) {
	t.Helper()
	if core.KindOf(err) != kind {
		t.Fatalf("%s: got %v (%v), want %v", what, core.KindOf(err), err, kind)
	}
}

func TestTOTPEnrolmentMailsAndRecords(t *testing.T) {
	e := newMFAEnv(t)
	p, _, _ := e.enrolled("alice")
	if m := e.lastMail(mail.KindMFAAdded); !strings.Contains(m.Text, "authenticator app (TOTP)") {
		t.Fatalf("MFA added mail does not name the method:\n%s", m.Text)
	}
	st, err := e.svc.Factors.MFAStatus(e.ctx, p)
	if err != nil || !st.TOTP || st.RecoveryCodes != 10 {
		t.Fatalf("MFAStatus = %+v, %v; want on with 10 codes", st, err)
	}
	if types := e.eventTypes("alice"); types[0] != core.EventMFAAdd {
		t.Fatalf("newest event %q, want %q", types[0], core.EventMFAAdd)
	}
	p.MFA, p.MFAVerifiedAt, p.Now = true, e.clock.Now(), e.clock.Now()
	_, err = e.svc.Factors.BeginTOTP(e.ctx, p)
	wantKind(t, err, core.KindConflict, "BeginTOTP while on")
}

func TestConfirmTOTPRefusesWrongCode(t *testing.T) {
	e := newMFAEnv(t)
	u, err := e.svc.Identity.CreateUser(e.ctx, "operator", identity.NewUser{Name: "bob", Email: "bob@example.com", Password: goodPassword, Verified: true})
	if err != nil {
		t.Fatal(err)
	}
	p := authz.Principal{User: u, Addr: e.addr, SignedInAt: e.clock.Now(), Now: e.clock.Now()}
	en, err := e.svc.Factors.BeginTOTP(e.ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	// A reload shows the same secret.
	again, err := e.svc.Factors.BeginTOTP(e.ctx, p)
	if err != nil || again.Secret != en.Secret {
		t.Fatalf("BeginTOTP again = %v, %v; want the same pending secret", again, err)
	}
	_, err = e.svc.Factors.ConfirmTOTP(e.ctx, p, e.code(en.Secret, 5*time.Minute))
	wantKind(t, err, core.KindUnauthenticated, "ConfirmTOTP with a code from the future")
	if st, _ := e.svc.Factors.MFAStatus(e.ctx, p); st.TOTP {
		t.Fatal("a wrong code turned TOTP on")
	}
}

func TestSecondFactorReplayAndSkew(t *testing.T) {
	e := newMFAEnv(t)
	p, secret, _ := e.enrolled("alice")
	u := p.User
	code := e.code(secret, 0)
	if err := e.svc.Factors.CheckSecondFactor(e.ctx, u, code, e.addr); err != nil {
		t.Fatalf("current code: %v", err)
	}
	err := e.svc.Factors.CheckSecondFactor(e.ctx, u, code, e.addr)
	wantKind(t, err, core.KindUnauthenticated, "the same code again")
	if !strings.Contains(core.Message(err), "already used") {
		t.Fatalf("replay message %q does not say it was already used", core.Message(err))
	}

	// One step of clock skew either way is accepted; two is not.
	e.clock.Advance(2 * time.Minute)
	wantKind(t, e.svc.Factors.CheckSecondFactor(e.ctx, u, e.code(secret, -60*time.Second), e.addr), core.KindUnauthenticated, "a code two steps old")
	if err := e.svc.Factors.CheckSecondFactor(e.ctx, u, e.code(secret, -30*time.Second), e.addr); err != nil {
		t.Fatalf("a code one step behind: %v", err)
	}
	if err := e.svc.Factors.CheckSecondFactor(e.ctx, u, e.code(secret, 30*time.Second), e.addr); err != nil {
		t.Fatalf("a code one step ahead: %v", err)
	}
	// After the step-ahead code, the current one is older: refused.
	wantKind(t, e.svc.Factors.CheckSecondFactor(e.ctx, u, e.code(secret, 0), e.addr), core.KindUnauthenticated, "an older code after a newer one")
}

func TestSecondFactorConcurrentUseOfOneCode(t *testing.T) {
	e := newMFAEnv(t)
	p, secret, _ := e.enrolled("alice")
	code := e.code(secret, 0)
	const workers = 8
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for i := range workers {
		wg.Go(func() {
			errs[i] = e.svc.Factors.CheckSecondFactor(e.ctx, p.User, code, netip.AddrFrom4([4]byte{10, 0, 0, byte(i)}))
		})
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		}
	}
	if ok != 1 {
		t.Fatalf("%d of %d concurrent uses of one code succeeded, want 1 (errors %v)", ok, workers, errs)
	}
}

func TestSecondFactorBackoff(t *testing.T) {
	e := newMFAEnv(t)
	p, secret, _ := e.enrolled("alice")
	for i := range freeFailures {
		wantKind(t, e.svc.Factors.CheckSecondFactor(e.ctx, p.User, "000000", attemptAddr(i)), core.KindUnauthenticated, "wrong code")
	}
	// The next wrong code is weighed and starts a 1s block on the account.
	wantKind(t, e.svc.Factors.CheckSecondFactor(e.ctx, p.User, "000000", attemptAddr(10)), core.KindUnauthenticated, "wrong code past the free ones")
	wantBlocked(t, e.svc.Factors.CheckSecondFactor(e.ctx, p.User, e.code(secret, 0), attemptAddr(11)), time.Second, "even the right code while blocked")
	e.clock.Advance(time.Second)
	wantKind(t, e.svc.Factors.CheckSecondFactor(e.ctx, p.User, "000000", attemptAddr(12)), core.KindUnauthenticated, "wrong code after the block")
	wantBlocked(t, e.svc.Factors.CheckSecondFactor(e.ctx, p.User, "000000", attemptAddr(13)), 2*time.Second, "doubled block")
	e.clock.Advance(2 * time.Second)
	if err := e.svc.Factors.CheckSecondFactor(e.ctx, p.User, e.code(secret, 0), attemptAddr(14)); err != nil {
		t.Fatalf("right code after the block: %v", err)
	}
	// A success clears the account's record: the next wrong code is free.
	wantKind(t, e.svc.Factors.CheckSecondFactor(e.ctx, p.User, "000000", attemptAddr(15)), core.KindUnauthenticated, "wrong code after a success")
	// Password failures are counted apart: a blocked code does not block sign-in.
	if _, err := e.svc.Authn.Login(e.ctx, "alice", goodPassword, attemptAddr(16)); err != nil {
		t.Fatalf("Login after code failures: %v", err)
	}
}

func TestRecoveryCodeWorksOnceAndMails(t *testing.T) {
	e := newMFAEnv(t)
	p, _, codes := e.enrolled("alice")
	if err := e.svc.Factors.CheckSecondFactor(e.ctx, p.User, strings.ToUpper(codes[3]), e.addr); err != nil {
		t.Fatalf("recovery code: %v", err)
	}
	m := e.lastMail(mail.KindRecoveryCodeUsed)
	if !strings.Contains(m.Text, "You have 9 recovery codes left.") {
		t.Fatalf("recovery code mail does not say 9 are left:\n%s", m.Text)
	}
	if types := e.eventTypes("alice"); types[0] != core.EventRecoveryCodeUsed {
		t.Fatalf("newest event %q, want %q", types[0], core.EventRecoveryCodeUsed)
	}
	wantKind(t, e.svc.Factors.CheckSecondFactor(e.ctx, p.User, codes[3], e.addr), core.KindUnauthenticated, "the same recovery code again")

	// Regenerating needs a code, mails, and kills the old set.
	e.clock.Advance(time.Minute)
	fresh, err := e.svc.Factors.RegenerateRecoveryCodes(e.ctx, p, codes[4])
	if err != nil || len(fresh) != 10 {
		t.Fatalf("RegenerateRecoveryCodes = %d codes, %v", len(fresh), err)
	}
	e.lastMail(mail.KindRecoveryCodesRegenerated)
	wantKind(t, e.svc.Factors.CheckSecondFactor(e.ctx, p.User, codes[5], e.addr), core.KindUnauthenticated, "an old recovery code after regenerating")
	if err := e.svc.Factors.CheckSecondFactor(e.ctx, p.User, fresh[0], e.addr); err != nil {
		t.Fatalf("new recovery code: %v", err)
	}
}

func TestDisableTOTP(t *testing.T) {
	e := newMFAEnv(t)
	p, secret, _ := e.enrolled("alice")
	wantKind(t, e.svc.Factors.DisableTOTP(e.ctx, p, "wrong-password-here", e.code(secret, 0)), core.KindUnauthenticated, "wrong password")
	wantKind(t, e.svc.Factors.DisableTOTP(e.ctx, p, goodPassword, "123"), core.KindUnauthenticated, "no valid code")
	if err := e.svc.Factors.DisableTOTP(e.ctx, p, goodPassword, e.code(secret, 0)); err != nil {
		t.Fatal(err)
	}
	e.lastMail(mail.KindMFARemoved)
	if st, _ := e.svc.Factors.MFAStatus(e.ctx, p); st.TOTP || st.RecoveryCodes != 0 {
		t.Fatalf("after DisableTOTP: %+v", st)
	}
	if types := e.eventTypes("alice"); types[0] != core.EventMFARemove {
		t.Fatalf("newest event %q, want %q", types[0], core.EventMFARemove)
	}
}

func TestNPMLoginAndWritesNeedOTP(t *testing.T) {
	e := newMFAEnv(t)
	p, secret, _ := e.enrolled("alice")
	u := p.User
	_, err := e.svc.Authn.IssueSessionTokenOTP(e.ctx, u, e.addr, "")
	wantKind(t, err, core.KindOTPRequired, "npm login without a code")
	if !strings.HasPrefix(core.Message(err), authz.OTPRequiredMessage+": ") {
		t.Fatalf("message %q, want one starting %q", core.Message(err), authz.OTPRequiredMessage)
	}
	tok, err := e.svc.Authn.IssueSessionTokenOTP(e.ctx, u, e.addr, e.code(secret, 0))
	if err != nil {
		t.Fatal(err)
	}
	if tok.Token.MFAVerifiedAt.IsZero() {
		t.Fatal("the login token does not record its second factor")
	}
	sp, err := e.svc.Authn.Authenticate(e.ctx, tok.Value, e.addr)
	if err != nil {
		t.Fatal(err)
	}
	if !sp.MFA {
		t.Fatal("Authenticate: principal does not know the user has MFA")
	}
	wantKind(t, authz.Authorize(sp, authz.CreatePackage, authz.Resource{Package: core.NPM("x")}), core.KindOTPRequired, "publish with a login token and no code")
	if err := authz.Authorize(sp, authz.ManageTokens, authz.Resource{}); err != nil {
		t.Fatalf("listing tokens needs no code: %v", err)
	}

	e.clock.Advance(30 * time.Second)
	code := e.code(secret, 0)
	withCode := e.svc.Factors.WithOTP(e.ctx, sp, code)
	// Authorize alone decides, and spends nothing: the code is still good
	// for the caller's Require below.
	if err := authz.Authorize(withCode, authz.CreatePackage, authz.Resource{Package: core.NPM("x")}); !authz.NeedsOTP(err) || withCode.OTPPassed() {
		t.Fatalf("Authorize with an unspent code: %v, want the decision that a one-time password is needed", err)
	}
	if err := authz.Require(withCode, authz.CreatePackage, authz.Resource{Package: core.NPM("x")}); err != nil {
		t.Fatalf("publish with a code: %v", err)
	}
	// The check is memoised within a request, and spent across requests.
	if err := authz.Require(withCode, authz.CreatePackage, authz.Resource{Package: core.NPM("x")}); err != nil {
		t.Fatalf("second check in the same request: %v", err)
	}
	wantKind(t, authz.Require(e.svc.Factors.WithOTP(e.ctx, sp, code), authz.CreatePackage, authz.Resource{Package: core.NPM("x")}), core.KindOTPRequired, "the same code in the next request")

	// An API token made with a code may publish without one, but not manage.
	e.clock.Advance(30 * time.Second)
	api, err := e.svc.Authn.CreateToken(e.ctx, e.svc.Factors.WithOTP(e.ctx, sp, e.code(secret, 0)), goodPassword, authn.TokenRequest{Name: "ci", Actions: []core.TokenAction{core.TokenPublish, core.TokenManage}})
	if err != nil {
		t.Fatal(err)
	}
	ap, err := e.svc.Authn.Authenticate(e.ctx, api.Value, e.addr)
	if err != nil {
		t.Fatal(err)
	}
	if err := authz.Authorize(ap, authz.CreatePackage, authz.Resource{Package: core.NPM("x")}); err != nil {
		t.Fatalf("publish with an API token made under MFA: %v", err)
	}
	wantKind(t, authz.Authorize(ap, authz.Deprecate, authz.Resource{Package: core.NPM("x"), Maintainers: []core.User{*u}}), core.KindOTPRequired, "manage with an API token and no code")
}

func TestWebSignInWithTOTP(t *testing.T) {
	e := newMFAEnv(t)
	p, secret, codes := e.enrolled("alice")
	_, err := e.svc.Authn.StartWebSession(e.ctx, p.User)
	wantKind(t, err, core.KindForbidden, "a full session without the second factor")

	pending, isPending, err := e.svc.Authn.BeginWebSignIn(e.ctx, p.User)
	if err != nil || !isPending {
		t.Fatalf("BeginWebSignIn = %v, %v; want a pending sign-in", isPending, err)
	}
	if wp := e.svc.Authn.WebPrincipal(e.ctx, pending, e.addr); wp.User != nil {
		t.Fatal("a pending sign-in signed the browser in")
	}
	_, _, err = e.svc.Authn.FinishWebSignIn(e.ctx, pending, "000000", e.addr)
	wantKind(t, err, core.KindUnauthenticated, "wrong code")
	_, value, err := e.svc.Authn.FinishWebSignIn(e.ctx, pending, e.code(secret, 0), e.addr)
	if err != nil {
		t.Fatal(err)
	}
	wp := e.svc.Authn.WebPrincipal(e.ctx, value, e.addr)
	if wp.User == nil || !wp.MFA || wp.MFAVerifiedAt.IsZero() {
		t.Fatalf("after FinishWebSignIn: %+v", wp)
	}
	// The pending value is spent.
	_, _, err = e.svc.Authn.FinishWebSignIn(e.ctx, pending, codes[0], e.addr)
	if !errors.Is(err, authn.ErrSignInExpired) {
		t.Fatalf("reusing the pending sign-in: %v", err)
	}
	// A pending sign-in expires.
	pending, _, _ = e.svc.Authn.BeginWebSignIn(e.ctx, p.User)
	e.clock.Advance(authn.PendingSignInLifetime)
	_, _, err = e.svc.Authn.FinishWebSignIn(e.ctx, pending, codes[0], e.addr)
	if !errors.Is(err, authn.ErrSignInExpired) {
		t.Fatalf("an expired pending sign-in: %v", err)
	}
}
