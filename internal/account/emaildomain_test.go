package account_test

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/emaildomain"
	"github.com/rampart/rampart/internal/identity"
	"github.com/rampart/rampart/internal/mail"
	"github.com/rampart/rampart/internal/password"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/eventcheck"
	"github.com/rampart/rampart/internal/store/sqlite"
	"github.com/rampart/rampart/internal/testclock"
	"github.com/rampart/rampart/internal/testpeers/dnsd"
	"github.com/rampart/rampart/internal/testpeers/rdapd"
)

// Abandoned email domains (AUTHN-2a), against a real DNS server and a
// real RDAP server on loopback.

func mailable(name string) dnsd.Records {
	return dnsd.Records{MX: []dnsd.MX{{Host: "mx." + name, Pref: 10}}, A: []string{"192.0.2.10"}, NS: []string{"ns1." + name}}
}

func registered(now time.Time, statuses ...string) rdapd.Domain {
	return rdapd.Domain{Statuses: statuses, Events: []rdapd.Event{
		{Action: "registration", Date: now.AddDate(-5, 0, 0)},
		{Action: "expiration", Date: now.AddDate(1, 0, 0)},
	}}
}

type domainEnv struct {
	*acctEnv
	dns  *dnsd.Server
	rdap *rdapd.Server
	mail *sentMail
}

func newDomainEnv(t *testing.T) *domainEnv {
	t.Helper()
	ctx := context.Background()
	clock := testclock.New(time.Date(2030, 5, 6, 7, 8, 9, 0, time.UTC))
	now := clock.Now()
	dns := dnsd.Start(t, map[string]dnsd.Records{
		"healthy.test": mailable("healthy.test"),
		"lapsing.test": mailable("lapsing.test"),
		"lapse.test":   mailable("lapse.test"),
		"broken.test":  {ServFail: true},
	})
	rdap := rdapd.Start(t, map[string]rdapd.Domain{
		"healthy.test": registered(now, "active"),
		"lapsing.test": registered(now, "pending delete"),
		"lapse.test":   registered(now, "active"),
		"broken.test":  registered(now, "active"),
	})
	checker, err := emaildomain.New(emaildomain.Options{Resolver: dns.Resolver(), RDAPServerOverride: rdap.URL, Now: clock.Now, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "metadata.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cs := &countingStore{Store: eventcheck.Wrap(t, st)}
	peers := testPeers(t)
	peers.Domains = checker
	svc, err := newStack(ctx, cs, password.NewHasher(password.TestParams(), 4), Policy{
		AllowRegistration: true, PublishMaxDays: 90, DefaultDays: 30, ReadOnlyMaxDays: 365, SessionLifetime: 12 * time.Hour,
		FreeFailures: freeFailures, MaxBackoff: maxBackoff, PublicURL: "https://registry.example/", DomainRecheck: 24 * time.Hour,
	}, peers, clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	return &domainEnv{acctEnv: &acctEnv{t: t, ctx: ctx, clock: clock, store: cs, svc: svc}, dns: dns, rdap: rdap, mail: peers.Mailer.(*sentMail)}
}

func (e *domainEnv) verifiedUser(name, email string) *core.User {
	e.t.Helper()
	u, err := e.svc.Identity.CreateUser(e.ctx, "operator", identity.NewUser{Name: name, Email: email, Password: goodPassword, Verified: true})
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

func (e *domainEnv) status(u *core.User) *core.EmailDomainStatus {
	e.t.Helper()
	var st *core.EmailDomainStatus
	if err := e.store.View(e.ctx, func(tx store.Tx) error {
		var err error
		st, err = tx.EmailDomainStatus(u.ID)
		return err
	}); err != nil {
		e.t.Fatalf("EmailDomainStatus(%s): %v", u.Name, err)
	}
	return st
}

func (e *domainEnv) events(name string) []string {
	e.t.Helper()
	var types []string
	if err := e.store.View(e.ctx, func(tx store.Tx) error {
		evs, err := tx.EventsByActor(name, 100)
		for _, ev := range evs {
			types = append(types, ev.Type)
		}
		return err
	}); err != nil {
		e.t.Fatal(err)
	}
	return types
}

func (e *domainEnv) mailKinds(to string) []string {
	e.mail.mu.Lock()
	defer e.mail.mu.Unlock()
	var kinds []string
	for _, m := range e.mail.msgs {
		if slices.Contains(m.To, to) {
			kinds = append(kinds, m.Kind)
		}
	}
	return kinds
}

func TestRegisterRefusesAbandonedDomain(t *testing.T) {
	e := newDomainEnv(t)
	for _, tc := range []struct{ email, why string }{
		{"alice@gone.test", "the domain does not exist"}, // NXDOMAIN
		{"alice@lapsing.test", "pending delete"},         // RDAP status
	} {
		_, err := e.svc.Identity.Register(e.ctx, identity.NewUser{Name: "alice", Email: tc.email, Password: goodPassword}, attemptAddr(1))
		msg := core.Message(err)
		if core.KindOf(err) != core.KindInvalid || !strings.Contains(msg, tc.email) || !strings.Contains(msg, tc.why) || !strings.Contains(msg, "another") {
			t.Fatalf("Register(%s) = %v (%v), want invalid, saying %q and to use another address", tc.email, err, core.KindOf(err), tc.why)
		}
	}
	if _, err := e.svc.Identity.User(e.ctx, "alice"); core.KindOf(err) != core.KindNotFound {
		t.Fatalf("a refused sign-up created the account: %v", err)
	}

	// A lookup that fails is unknown, never abandoned: sign-up goes on.
	u, err := e.svc.Identity.Register(e.ctx, identity.NewUser{Name: "bob", Email: "bob@broken.test", Password: goodPassword}, attemptAddr(1))
	if err != nil {
		t.Fatalf("Register with a SERVFAIL domain: %v, want allowed (unknown)", err)
	}
	if st := e.status(u); st.Status != core.DomainUnknown {
		t.Fatalf("status after a SERVFAIL = %+v, want unknown", st)
	}
	u, err = e.svc.Identity.Register(e.ctx, identity.NewUser{Name: "carol", Email: "carol@healthy.test", Password: goodPassword}, attemptAddr(1))
	if err != nil {
		t.Fatalf("Register with a healthy domain: %v", err)
	}
	if st := e.status(u); st.Status != core.DomainOK || st.Domain != "healthy.test" {
		t.Fatalf("status of a healthy domain = %+v, want ok", st)
	}
}

// waitEvent waits for the background part of a reset request.
func (e *domainEnv) waitEvent(name, typ string) {
	e.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if slices.Contains(e.events(name), typ) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	e.t.Fatalf("no %s event for %s; events: %v", typ, name, e.events(name))
}

func (e *domainEnv) waitMail(to, kind string) {
	e.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if slices.Contains(e.mailKinds(to), kind) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	e.t.Fatalf("no %s mail to %s; got %v", kind, to, e.mailKinds(to))
}

func TestResetNotSentToAbandonedDomain(t *testing.T) {
	e := newDomainEnv(t)
	alice := e.verifiedUser("alice", "alice@lapse.test")
	bob := e.verifiedUser("bob", "bob@healthy.test")

	// The domain lapses: the registry no longer has it, DNS says NXDOMAIN.
	e.dns.Delete("lapse.test")
	if err := e.svc.Identity.RequestPasswordReset(e.ctx, alice.Email, attemptAddr(1)); err != nil {
		t.Fatalf("RequestPasswordReset: %v, want the same generic answer as for any address", err)
	}
	e.waitEvent("alice", core.EventEmailDomainRefused)
	if kinds := e.mailKinds(alice.Email); slices.Contains(kinds, mail.KindPasswordReset) {
		t.Fatalf("a reset link was mailed to an abandoned domain: %v", kinds)
	}
	got, _ := e.svc.Identity.User(e.ctx, "alice")
	if got.EmailVerified {
		t.Fatal("the address at an abandoned domain still counts as verified")
	}
	if !slices.Contains(e.events("alice"), core.EventEmailDomainAbandoned) {
		t.Fatalf("no %s event: %v", core.EventEmailDomainAbandoned, e.events("alice"))
	}
	// And from now on recovery through it is refused outright (unverified).
	if err := e.svc.Identity.RequestPasswordReset(e.ctx, alice.Email, attemptAddr(2)); err != nil {
		t.Fatal(err)
	}

	// The same request for a healthy domain sends the link.
	if err := e.svc.Identity.RequestPasswordReset(e.ctx, bob.Email, attemptAddr(3)); err != nil {
		t.Fatal(err)
	}
	e.waitMail(bob.Email, mail.KindPasswordReset)
	if kinds := e.mailKinds(alice.Email); slices.Contains(kinds, mail.KindPasswordReset) {
		t.Fatalf("a reset link was mailed to an abandoned domain: %v", kinds)
	}
}

func TestRecheckUnverifiesAbandonedDomains(t *testing.T) {
	e := newDomainEnv(t)
	alice := e.verifiedUser("alice", "alice@lapse.test")
	e.verifiedUser("bob", "bob@healthy.test")
	e.verifiedUser("carol", "carol@broken.test")

	recheck := func(wantChecked, wantAbandoned int) {
		t.Helper()
		checked, abandoned, err := e.svc.Identity.RecheckEmailDomains(e.ctx, 10)
		if err != nil || checked != wantChecked || abandoned != wantAbandoned {
			t.Fatalf("RecheckEmailDomains = %d checked, %d abandoned, %v; want %d, %d", checked, abandoned, err, wantChecked, wantAbandoned)
		}
	}
	recheck(3, 0) // never checked: all due
	e.clock.Advance(time.Hour)
	recheck(0, 0) // checked within the interval

	// lapse.test goes into pending delete at its registry; DNS still works.
	e.rdap.Set("lapse.test", registered(e.clock.Now(), "pending delete"))
	e.clock.Advance(24 * time.Hour)
	recheck(3, 1)

	got, _ := e.svc.Identity.User(e.ctx, "alice")
	if got.EmailVerified {
		t.Fatal("alice's address still counts as verified")
	}
	if !slices.Contains(e.events("alice"), core.EventEmailDomainAbandoned) {
		t.Fatalf("no %s event: %v", core.EventEmailDomainAbandoned, e.events("alice"))
	}
	st, err := e.svc.Identity.EmailDomainStatus(e.ctx, authz.Principal{User: got})
	if err != nil || st == nil || st.Status != core.DomainAbandoned || !strings.Contains(strings.Join(st.Reasons, " "), "pending delete") {
		t.Fatalf("EmailDomainStatus = %+v, %v; want abandoned, pending delete", st, err)
	}
	for _, name := range []string{"bob", "carol"} { // healthy, and unknown (SERVFAIL)
		if u, _ := e.svc.Identity.User(e.ctx, name); !u.EmailVerified {
			t.Fatalf("%s was un-verified", name)
		}
	}
	// Publishing stops: an unverified account is refused.
	if err := authz.Authorize(authz.Principal{User: got}, authz.CreateTokens, authz.Resource{}); err == nil {
		t.Fatal("an account whose address was un-verified may still create tokens")
	}

	// An unverified address is not rechecked; the registry being down
	// later does not clear the judgement either.
	e.clock.Advance(25 * time.Hour)
	recheck(2, 0)
	if st := e.status(alice); st.Status != core.DomainAbandoned {
		t.Fatalf("status = %+v, want abandoned kept", st)
	}
}

func TestChangeEmail(t *testing.T) {
	e := newDomainEnv(t)
	alice := e.verifiedUser("alice", "alice@lapse.test")
	session, err := e.svc.Authn.StartWebSession(e.ctx, alice)
	if err != nil {
		t.Fatal(err)
	}
	p := e.svc.Authn.WebPrincipal(e.ctx, session, attemptAddr(1))

	// A new address at an abandoned domain is refused.
	err = e.svc.Identity.RequestEmailChange(e.ctx, p, goodPassword, "alice@lapsing.test")
	if core.KindOf(err) != core.KindInvalid || !strings.Contains(core.Message(err), "pending delete") {
		t.Fatalf("RequestEmailChange to an abandoned domain = %v, want refused", err)
	}
	if err := e.svc.Identity.RequestEmailChange(e.ctx, p, badPassword, "alice@healthy.test"); core.KindOf(err) != core.KindUnauthenticated {
		t.Fatalf("RequestEmailChange with a wrong password = %v, want unauthenticated", err)
	}
	if err := e.svc.Identity.RequestEmailChange(e.ctx, p, goodPassword, "alice@healthy.test"); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.svc.Identity.User(e.ctx, "alice"); got.Email != "alice@lapse.test" {
		t.Fatalf("the address changed before the link was followed: %s", got.Email)
	}
	link := e.lastLink("alice@healthy.test", identity.PathConfirmEmail)
	u, err := e.svc.Identity.ConfirmEmailChange(e.ctx, link, attemptAddr(2))
	if err != nil {
		t.Fatal(err)
	}
	if u.Email != "alice@healthy.test" || !u.EmailVerified {
		t.Fatalf("after the link: %s verified=%v", u.Email, u.EmailVerified)
	}
	for _, to := range []string{"alice@lapse.test", "alice@healthy.test"} {
		if !slices.Contains(e.mailKinds(to), mail.KindEmailChanged) {
			t.Fatalf("no email_changed notice to %s: %v", to, e.mailKinds(to))
		}
	}
	if _, err := e.svc.Identity.ConfirmEmailChange(e.ctx, link, attemptAddr(3)); core.KindOf(err) != core.KindInvalid {
		t.Fatalf("a change link used twice = %v, want invalid", err)
	}
}

// lastLink returns the secret of the newest link to page mailed to addr.
func (e *domainEnv) lastLink(addr, page string) string {
	e.t.Helper()
	e.mail.mu.Lock()
	defer e.mail.mu.Unlock()
	for i := len(e.mail.msgs) - 1; i >= 0; i-- {
		m := e.mail.msgs[i]
		if !slices.Contains(m.To, addr) {
			continue
		}
		for _, l := range m.Links {
			if _, secret, ok := strings.Cut(l, page+"?token="); ok {
				return secret
			}
		}
	}
	e.t.Fatalf("no %s link mailed to %s", page, addr)
	return ""
}
