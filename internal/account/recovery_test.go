package account_test

import (
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/account"
	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/identity"
	"github.com/rampart/rampart/internal/mail"
	"github.com/rampart/rampart/internal/store"
)

func (e *mfaEnv) mailCount(kind string) int {
	e.mail.mu.Lock()
	defer e.mail.mu.Unlock()
	n := 0
	for _, m := range e.mail.msgs {
		if m.Kind == kind {
			n++
		}
	}
	return n
}

func linkToken(t *testing.T, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("token")
}

// The policy's assisted recovery: started by an admin with a mail at once,
// refused before the 7-day wait with the time left, then factors removed,
// tokens revoked and a reset link mailed to the verified address.
func TestAssistedRecoveryWaitsThenRemovesFactors(t *testing.T) {
	e := newMFAEnv(t)
	p, secret, _ := e.enrolled("alice")
	if _, err := e.svc.Authn.IssueSessionTokenOTP(e.ctx, p.User, e.addr, e.code(secret, 0)); err != nil {
		t.Fatal(err)
	}
	_, err := e.svc.Identity.StartRecovery(e.ctx, "operator", "alice", "")
	wantKind(t, err, core.KindInvalid, "recovery without a reason")
	_, err = e.svc.Identity.StartRecovery(e.ctx, "operator", "nobody", "lost all")
	wantKind(t, err, core.KindNotFound, "recovery of an unknown user")

	rec, err := e.svc.Identity.StartRecovery(e.ctx, "operator", "alice", "asked from alice@example.com; lost phone")
	if err != nil {
		t.Fatal(err)
	}
	if got := rec.EffectiveAt.Sub(rec.StartedAt); got != 7*24*time.Hour {
		t.Fatalf("waiting period %v, want the policy's 7 days", got)
	}
	started := e.lastMail(mail.KindRecoveryStarted)
	if !slices.Equal(started.To, []string{"alice@example.com"}) || !strings.Contains(started.Text, "7 days") || !strings.Contains(started.Text, identity.PathCancelRecovery+"?token=") {
		t.Fatalf("recovery notice to %v:\n%s", started.To, started.Text)
	}
	_, err = e.svc.Identity.StartRecovery(e.ctx, "operator", "alice", "again")
	wantKind(t, err, core.KindConflict, "a second recovery")

	e.clock.Advance(6*24*time.Hour + 23*time.Hour)
	_, err = e.svc.Identity.CompleteRecovery(e.ctx, "operator", "alice")
	wantKind(t, err, core.KindForbidden, "completing before the wait")
	if !strings.Contains(core.Message(err), "1 hours 0 minutes left") && !strings.Contains(core.Message(err), "left") {
		t.Fatalf("refusal does not say the time left: %v", err)
	}
	if e.mailCount(mail.KindPasswordReset) != 0 {
		t.Fatal("a reset link went out before the wait")
	}

	e.clock.Advance(time.Hour)
	u, err := e.svc.Identity.CompleteRecovery(e.ctx, "operator", "alice")
	if err != nil {
		t.Fatal(err)
	}
	status, err := e.svc.Factors.MFAStatus(e.ctx, authz.Principal{User: u, Addr: e.addr})
	if err != nil {
		t.Fatal(err)
	}
	if status.TOTP || status.RecoveryCodes != 0 {
		t.Fatalf("after recovery MFA status %+v, want off with no codes", status)
	}
	err = e.st.View(e.ctx, func(tx store.Tx) error {
		toks, err := tx.TokensByUser(u.ID)
		for _, tk := range toks {
			if tk.RevokedAt.IsZero() {
				t.Errorf("token %s survived the recovery", tk.Key)
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	reset := e.lastMail(mail.KindPasswordReset)
	if !slices.Equal(reset.To, []string{"alice@example.com"}) {
		t.Fatalf("reset link went to %v", reset.To)
	}
	if _, err := e.svc.Identity.ResetPassword(e.ctx, linkToken(t, reset.Links[0]), "a-brand-new-passphrase-42", e.addr); err != nil {
		t.Fatalf("the mailed reset link does not work: %v", err)
	}
	e.lastMail(mail.KindRecoveryCompleted)
	_, err = e.svc.Identity.CompleteRecovery(e.ctx, "operator", "alice")
	wantKind(t, err, core.KindNotFound, "completing twice")
	evs := e.eventTypes("operator")
	for _, want := range []string{core.EventAccountRecoveryStart, core.EventAccountRecoveryDone} {
		if !slices.Contains(evs, want) {
			t.Errorf("events of operator %v lack %s", evs, want)
		}
	}
}

// The user cancels by the mailed link, or by signing in.
func TestAssistedRecoveryCancelled(t *testing.T) {
	e := newMFAEnv(t)
	if _, err := e.svc.Identity.CreateUser(e.ctx, "operator", identity.NewUser{Name: "bob", Email: "bob@example.com", Password: goodPassword, Verified: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Identity.CreateUser(e.ctx, "operator", identity.NewUser{Name: "carl", Email: "carl@example.com", Password: goodPassword}); err != nil {
		t.Fatal(err)
	}
	_, err := e.svc.Identity.StartRecovery(e.ctx, "operator", "carl", "lost all")
	wantKind(t, err, core.KindForbidden, "recovery of an account without a verified address")

	if _, err := e.svc.Identity.StartRecovery(e.ctx, "operator", "bob", "lost all"); err != nil {
		t.Fatal(err)
	}
	secret := linkToken(t, e.lastMail(mail.KindRecoveryStarted).Links[0])
	if err := e.svc.Identity.CheckRecoveryCancel(e.ctx, secret, e.addr); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Identity.CancelRecovery(e.ctx, secret, e.addr); err != nil {
		t.Fatal(err)
	}
	e.lastMail(mail.KindRecoveryCancelled)
	_, err = e.svc.Identity.CancelRecovery(e.ctx, secret, e.addr)
	wantKind(t, err, core.KindInvalid, "cancelling twice")
	e.clock.Advance(8 * 24 * time.Hour)
	_, err = e.svc.Identity.CompleteRecovery(e.ctx, "operator", "bob")
	wantKind(t, err, core.KindNotFound, "completing a cancelled recovery")

	// A sign-in with the current credentials cancels a new one.
	if _, err := e.svc.Identity.StartRecovery(e.ctx, "operator", "bob", "lost all, again"); err != nil {
		t.Fatal(err)
	}
	before := e.mailCount(mail.KindRecoveryCancelled)
	u, err := e.svc.Authn.Login(e.ctx, "bob", goodPassword, e.addr)
	if err != nil {
		t.Fatal(err)
	}
	e.svc.Authn.NoteWebSignIn(e.ctx, u, "", "Mozilla/5.0 Firefox/130.0", e.addr)
	if e.mailCount(mail.KindRecoveryCancelled) != before+1 {
		t.Fatal("signing in did not mail that the recovery was cancelled")
	}
	e.clock.Advance(8 * 24 * time.Hour)
	_, err = e.svc.Identity.CompleteRecovery(e.ctx, "operator", "bob")
	wantKind(t, err, core.KindNotFound, "completing a recovery cancelled by a sign-in")
	if !slices.Contains(e.eventTypes("bob"), core.EventAccountRecoveryCancel) {
		t.Errorf("no cancel event: %v", e.eventTypes("bob"))
	}
}

// New-device notices: a browser by its device cookie, npm by user-agent
// family and network.
func TestNewDeviceNotices(t *testing.T) {
	e := newMFAEnv(t)
	u, err := e.svc.Identity.CreateUser(e.ctx, "operator", identity.NewUser{Name: "dora", Email: "dora@example.com", Password: goodPassword, Verified: true})
	if err != nil {
		t.Fatal(err)
	}
	firefox := "Mozilla/5.0 (X11; Linux x86_64; rv:130.0) Gecko/20100101 Firefox/130.0"
	dev := e.svc.Authn.NoteWebSignIn(e.ctx, u, "", firefox, e.addr)
	if e.mailCount(mail.KindNewDevice) != 1 {
		t.Fatal("the first sign-in from a browser did not mail")
	}
	m := e.lastMail(mail.KindNewDevice)
	if !strings.Contains(m.Text, "192.0.2.7") || !strings.Contains(m.Text, "Firefox/130.0") || !strings.Contains(m.Text, "2030") {
		t.Fatalf("new-device mail lacks time, address or user agent:\n%s", m.Text)
	}
	if again := e.svc.Authn.NoteWebSignIn(e.ctx, u, dev, firefox, e.addr); again != dev {
		t.Fatalf("device cookie changed: %q then %q", dev, again)
	}
	if e.mailCount(mail.KindNewDevice) != 1 {
		t.Fatal("a second sign-in from the same browser mailed")
	}
	if other := e.svc.Authn.NoteWebSignIn(e.ctx, u, "", "Chrome", e.addr); other == dev || e.mailCount(mail.KindNewDevice) != 2 {
		t.Fatal("another browser did not mail")
	}
	if e.svc.Authn.NoteWebSignIn(e.ctx, u, "not-a-device-cookie", firefox, e.addr); e.mailCount(mail.KindNewDevice) != 3 {
		t.Fatal("a forged device cookie was trusted")
	}
	n := 0
	for _, typ := range e.eventTypes("dora") {
		if typ == core.EventNewDevice {
			n++
		}
	}
	if n != 3 {
		t.Fatalf("%d new-device events, want 3", n)
	}

	// npm login: the same family and /24 is the same device.
	ctx := account.WithUserAgent(e.ctx, "npm/10.8.2 node/v22.5.1 linux x64 workspaces/false")
	if _, err := e.svc.Authn.IssueSessionToken(ctx, u, netip.MustParseAddr("198.51.100.7")); err != nil {
		t.Fatal(err)
	}
	if e.mailCount(mail.KindNewDevice) != 4 {
		t.Fatal("the first npm login did not mail")
	}
	ctx = account.WithUserAgent(e.ctx, "npm/11.0.0 node/v24.0.0 linux x64 workspaces/false")
	if _, err := e.svc.Authn.IssueSessionToken(ctx, u, netip.MustParseAddr("198.51.100.99")); err != nil {
		t.Fatal(err)
	}
	if e.mailCount(mail.KindNewDevice) != 4 {
		t.Fatal("an upgraded npm on the same network mailed")
	}
	if _, err := e.svc.Authn.IssueSessionToken(ctx, u, netip.MustParseAddr("203.0.113.5")); err != nil {
		t.Fatal(err)
	}
	if e.mailCount(mail.KindNewDevice) != 5 {
		t.Fatal("npm from another network did not mail")
	}
}

// changeAddress changes name's address to email the way a user does:
// asked with the password, confirmed by the link mailed to email.
func (e *mfaEnv) changeAddress(name, email string) {
	e.t.Helper()
	u, err := e.svc.Identity.User(e.ctx, name)
	if err != nil {
		e.t.Fatal(err)
	}
	session, err := e.svc.Authn.StartWebSession(e.ctx, u)
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.svc.Identity.RequestEmailChange(e.ctx, e.svc.Authn.WebPrincipal(e.ctx, session, e.addr), goodPassword, email); err != nil {
		e.t.Fatal(err)
	}
	m := e.lastMail(mail.KindVerifyEmail)
	if !slices.Equal(m.To, []string{email}) {
		e.t.Fatalf("change link went to %v, want %s", m.To, email)
	}
	if _, err := e.svc.Identity.ConfirmEmailChange(e.ctx, linkToken(e.t, m.Links[0]), e.addr); err != nil {
		e.t.Fatal(err)
	}
}

// recipients lists, for every mail of kind since the n-th mail, its
// recipients; each mail must have exactly one.
func (e *mfaEnv) recipients(kind string, n int) []string {
	e.t.Helper()
	e.mail.mu.Lock()
	defer e.mail.mu.Unlock()
	var out []string
	for _, m := range e.mail.msgs[n:] {
		if m.Kind != kind {
			continue
		}
		if len(m.To) != 1 {
			e.t.Fatalf("a %s mail went to %v at once: each address gets its own", kind, m.To)
		}
		out = append(out, m.To[0])
	}
	return out
}

func (e *mfaEnv) mailsSent() int {
	e.mail.mu.Lock()
	defer e.mail.mu.Unlock()
	return len(e.mail.msgs)
}

// history reads the user's address periods since the given time.
func (e *mfaEnv) history(name string, since time.Time) []store.EmailPeriod {
	e.t.Helper()
	var out []store.EmailPeriod
	err := e.st.View(e.ctx, func(tx store.Tx) error {
		u, err := tx.UserByName(name)
		if err != nil {
			return err
		}
		out, err = tx.EmailPeriodsSince(u.ID, since)
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

func periodEmails(ps []store.EmailPeriod) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Email)
	}
	return out
}

// The history records an address when it becomes the account's verified
// address (admin creation, the sign-up link, a confirmed change), ends the
// old one on a change, and never records an address nobody verified.
func TestAddressHistoryRecordsVerifiedAddresses(t *testing.T) {
	e := newMFAEnv(t)
	start := e.clock.Now()
	if _, err := e.svc.Identity.CreateUser(e.ctx, "operator", identity.NewUser{Name: "gina", Email: "gina@example.com", Password: goodPassword, Verified: true}); err != nil {
		t.Fatal(err)
	}
	if got := periodEmails(e.history("gina", start)); !slices.Equal(got, []string{"gina@example.com"}) {
		t.Fatalf("after an admin created gina verified: %v", got)
	}

	// Sign-up: nothing until the link is followed.
	if _, err := e.svc.Identity.CreateUser(e.ctx, "", identity.NewUser{Name: "hugo", Email: "hugo@example.com", Password: goodPassword}); err != nil {
		t.Fatal(err)
	}
	if got := e.history("hugo", start); len(got) != 0 {
		t.Fatalf("an unverified address was recorded: %v", got)
	}
	e.clock.Advance(time.Hour)
	verified := e.clock.Now()
	if _, err := e.svc.Identity.VerifyEmail(e.ctx, linkToken(t, e.lastMail(mail.KindVerifyEmail).Links[0]), e.addr); err != nil {
		t.Fatal(err)
	}
	got := e.history("hugo", start)
	if len(got) != 1 || got[0].Email != "hugo@example.com" || !got[0].From.Equal(verified) || !got[0].Until.IsZero() {
		t.Fatalf("after verifying: %+v, want hugo@example.com current from %v", got, verified)
	}

	// A change ends the old address's period where the new one's starts.
	e.clock.Advance(time.Hour)
	changed := e.clock.Now()
	e.changeAddress("hugo", "hugo@new.example")
	got = e.history("hugo", start)
	if len(got) != 2 || got[0].Email != "hugo@new.example" || !got[0].From.Equal(changed) || !got[0].Until.IsZero() ||
		got[1].Email != "hugo@example.com" || !got[1].Until.Equal(changed) {
		t.Fatalf("after the change: %+v", got)
	}
	if !slices.Contains(e.eventTypes("hugo"), core.EventEmailChanged) {
		t.Fatal("no event for the change")
	}

	// An address never verified, changed away from, stays out.
	if _, err := e.svc.Identity.CreateUser(e.ctx, "", identity.NewUser{Name: "ivan", Email: "ivan@typo.example", Password: goodPassword}); err != nil {
		t.Fatal(err)
	}
	e.changeAddress("ivan", "ivan@example.com")
	if got := periodEmails(e.history("ivan", start)); !slices.Equal(got, []string{"ivan@example.com"}) {
		t.Fatalf("ivan's history %v, want only the confirmed address", got)
	}
}

// The policy's notices of an assisted recovery go to every address the
// account had in the 90 days before it started, each in its own mail and
// each once whatever its case; an address given up longer ago is not
// mailed, and the reset link goes to the current address only.
func TestAssistedRecoveryNoticesReachRecentAddresses(t *testing.T) {
	e := newMFAEnv(t)
	if _, err := e.svc.Identity.CreateUser(e.ctx, "operator", identity.NewUser{Name: "fran", Email: "fran@old.example", Password: goodPassword, Verified: true}); err != nil {
		t.Fatal(err)
	}
	day := 24 * time.Hour
	e.clock.Advance(day)
	e.changeAddress("fran", "fran@example.com") // old.example given up on day 1
	e.clock.Advance(99 * day)
	e.changeAddress("fran", "fran@work.example") // example.com given up on day 100
	e.clock.Advance(20 * day)
	e.changeAddress("fran", "Fran@Example.com") // back to example.com, in another case, on day 120
	e.clock.Advance(30 * day)

	// Day 150: the window reaches back to day 60.
	recent := []string{"Fran@Example.com", "fran@work.example"}
	n := e.mailsSent()
	if _, err := e.svc.Identity.StartRecovery(e.ctx, "operator", "fran", "asked from Fran@Example.com; lost phone"); err != nil {
		t.Fatal(err)
	}
	if got := e.recipients(mail.KindRecoveryStarted, n); !slices.Equal(got, recent) {
		t.Fatalf("recovery-started notices went to %v, want %v (not fran@old.example, given up 149 days ago)", got, recent)
	}
	started := e.lastMail(mail.KindRecoveryStarted)
	secret := linkToken(t, started.Links[0])

	// Cancelled by the link: the same addresses hear of it.
	n = e.mailsSent()
	if _, err := e.svc.Identity.CancelRecovery(e.ctx, secret, e.addr); err != nil {
		t.Fatal(err)
	}
	if got := e.recipients(mail.KindRecoveryCancelled, n); !slices.Equal(got, recent) {
		t.Fatalf("recovery-cancelled notices went to %v, want %v", got, recent)
	}

	// Started again and completed after the wait: the notices reach the
	// addresses of the 90 days before the start, even though work.example
	// was given up more than 90 days before the completion would count.
	e.clock.Advance(day)
	if _, err := e.svc.Identity.StartRecovery(e.ctx, "operator", "fran", "asked again"); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(identity.DefaultRecoveryWait)
	n = e.mailsSent()
	if _, err := e.svc.Identity.CompleteRecovery(e.ctx, "operator", "fran"); err != nil {
		t.Fatal(err)
	}
	if got := e.recipients(mail.KindRecoveryCompleted, n); !slices.Equal(got, recent) {
		t.Fatalf("recovery-completed notices went to %v, want %v", got, recent)
	}
	if got := e.recipients(mail.KindPasswordReset, n); !slices.Equal(got, []string{"Fran@Example.com"}) {
		t.Fatalf("the reset link went to %v, want only the current address", got)
	}

	// Ninety days on, work.example is out of the window: only the
	// current address is told, and a sign-in cancels.
	e.clock.Advance(90 * day)
	n = e.mailsSent()
	if _, err := e.svc.Identity.StartRecovery(e.ctx, "operator", "fran", "asked a third time"); err != nil {
		t.Fatal(err)
	}
	if got := e.recipients(mail.KindRecoveryStarted, n); !slices.Equal(got, []string{"Fran@Example.com"}) {
		t.Fatalf("recovery-started notices went to %v, want only the current address", got)
	}
}

// A sign-in that cancels a recovery tells every recent address too.
func TestRecoveryCancelledBySignInTellsRecentAddresses(t *testing.T) {
	e := newMFAEnv(t)
	if _, err := e.svc.Identity.CreateUser(e.ctx, "operator", identity.NewUser{Name: "jo", Email: "jo@old.example", Password: goodPassword, Verified: true}); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Hour)
	e.changeAddress("jo", "jo@example.com")
	if _, err := e.svc.Identity.StartRecovery(e.ctx, "operator", "jo", "asked from jo@example.com"); err != nil {
		t.Fatal(err)
	}
	n := e.mailsSent()
	u, err := e.svc.Authn.Login(e.ctx, "jo", goodPassword, e.addr)
	if err != nil {
		t.Fatal(err)
	}
	e.svc.Authn.NoteWebSignIn(e.ctx, u, "", "Mozilla/5.0 Firefox/130.0", e.addr)
	if got, want := e.recipients(mail.KindRecoveryCancelled, n), []string{"jo@example.com", "jo@old.example"}; !slices.Equal(got, want) {
		t.Fatalf("recovery-cancelled notices went to %v, want %v", got, want)
	}
}
