package account_test

import (
	"fmt"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/authn"
	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/identity"
	"github.com/rampart/rampart/internal/mail"
)

// Throttles an attacker must not be able to turn against an account's
// owner (targeted lockout), and the abuse limits on sign-up and reset mail.

// wantLimited asserts a request was refused with Retry-After d and a
// message holding each of says.
func wantLimited(t *testing.T, err error, d time.Duration, says ...string) {
	t.Helper()
	if core.KindOf(err) != core.KindRateLimited {
		t.Fatalf("got %v (%v), want rate limited for %v", core.KindOf(err), err, d)
	}
	if got := core.RetryAfterOf(err); got != d {
		t.Fatalf("Retry-After %v, want %v (%v)", got, d, err)
	}
	for _, s := range says {
		if !strings.Contains(core.Message(err), s) {
			t.Fatalf("message %q does not say %q", core.Message(err), s)
		}
	}
}

// signInAtHome makes homeAddr's network one the account signed in from.
func (e *acctEnv) signInAtHome(name string) {
	e.t.Helper()
	if _, err := e.svc.Authn.Login(e.ctx, name, goodPassword, homeAddr); err != nil {
		e.t.Fatalf("signing in at home: %v", err)
	}
}

// The attack the review found: one wrong password every max_backoff, from
// anywhere, kept the account's counter blocked, and with it the owner's
// right password, for good. The owner on a network they signed in from
// is never blocked by it, nor are the password checks of their session.
func TestLoginAttackerCannotLockTheOwnerOut(t *testing.T) {
	e := newAcctEnv(t)
	u := e.user("victim")
	e.signInAtHome("victim")
	_, session := e.session(u, homeAddr)
	newAddrAtHome := netip.MustParseAddr("192.0.2.77") // the home router got a new address

	for i := range 3 * (freeFailures + 8) { // far past the cap
		_, err := e.svc.Authn.Login(e.ctx, "victim", badPassword, attemptAddr(i))
		wantIncorrect(t, err, fmt.Sprintf("guess %d", i+1))
		if i >= freeFailures {
			// The account is blocked for every network it never signed in from...
			_, err := e.svc.Authn.Login(e.ctx, "victim", goodPassword, attemptAddr(10000+i))
			if core.KindOf(err) != core.KindRateLimited {
				t.Fatalf("after guess %d, the right password from elsewhere: %v, want rate limited", i+1, err)
			}
		}
		// ...but not for its owner.
		for _, from := range []netip.Addr{homeAddr, newAddrAtHome} {
			if _, err := e.svc.Authn.Login(e.ctx, "victim", goodPassword, from); err != nil {
				t.Fatalf("after guess %d, the owner from %s: %v", i+1, from, err)
			}
		}
		e.clock.Advance(maxBackoff)
	}

	_, err := e.svc.Authn.Login(e.ctx, "victim", badPassword, attemptAddr(999))
	wantIncorrect(t, err, "one more guess")
	if _, err := e.svc.Authn.CreateToken(e.ctx, session, goodPassword, authn.TokenRequest{Name: "ci"}); err != nil {
		t.Fatalf("creating a token during the attack: %v", err)
	}
	browser := authz.Principal{User: u, Addr: homeAddr}
	if _, err := e.svc.Identity.ChangePassword(e.ctx, browser, goodPassword, "another-long-secret-phrase"); err != nil {
		t.Fatalf("changing the password during the attack: %v", err)
	}
}

// The attacker is still slowed, exponentially and with Retry-After, and
// the owner signing in meanwhile neither lifts nor resets the block.
func TestLoginAttackerStillBacksOff(t *testing.T) {
	e := newAcctEnv(t)
	e.user("victim")
	e.signInAtHome("victim")
	attempt := 0
	guess := func(pw string) error {
		attempt++
		_, err := e.svc.Authn.Login(e.ctx, "victim", pw, attemptAddr(attempt))
		return err
	}
	for i := 1; i <= freeFailures+1; i++ {
		wantIncorrect(t, guess(badPassword), fmt.Sprintf("failure %d", i))
	}
	for i, want := range []time.Duration{1, 2, 4, 8, 16, 20, 20} {
		want *= time.Second
		wantBlocked(t, guess(badPassword), want, fmt.Sprintf("step %d", i))
		if _, err := e.svc.Authn.Login(e.ctx, "victim", goodPassword, homeAddr); err != nil {
			t.Fatalf("step %d: the owner at home: %v", i, err)
		}
		wantBlocked(t, guess(goodPassword), want, fmt.Sprintf("step %d, after the owner signed in", i))
		e.clock.Advance(want)
		wantIncorrect(t, guess(badPassword), fmt.Sprintf("step %d, after the wait", i))
	}
}

// Credential stuffing from many addresses still meets the account-wide
// counter on every network the account never signed in from, the owner's
// new ones included; a network becomes known by signing in from it.
func TestLoginNewNetworkStillThrottled(t *testing.T) {
	e := newAcctEnv(t)
	e.user("victim")
	e.signInAtHome("victim")
	for i := 0; i <= freeFailures; i++ {
		_, err := e.svc.Authn.Login(e.ctx, "victim", badPassword, attemptAddr(i))
		wantIncorrect(t, err, fmt.Sprintf("guess %d", i+1))
	}
	hotel := netip.MustParseAddr("198.51.100.23")
	_, err := e.svc.Authn.Login(e.ctx, "victim", goodPassword, hotel)
	wantBlocked(t, err, time.Second, "the right password from a new network")
	e.clock.Advance(time.Second)
	if _, err := e.svc.Authn.Login(e.ctx, "victim", goodPassword, hotel); err != nil {
		t.Fatalf("from the new network after the wait: %v", err)
	}
	_, err = e.svc.Authn.Login(e.ctx, "victim", badPassword, attemptAddr(100))
	wantIncorrect(t, err, "the next guess")
	_, err = e.svc.Authn.Login(e.ctx, "victim", goodPassword, attemptAddr(101))
	wantBlocked(t, err, 2*time.Second, "elsewhere, after the owner's success: the counter was not reset")
	if _, err := e.svc.Authn.Login(e.ctx, "victim", goodPassword, netip.MustParseAddr("198.51.100.200")); err != nil {
		t.Fatalf("the hotel's network, once signed in from: %v", err)
	}
}

// Guesses from many addresses inside a known network meet the account's
// counter on that network.
func TestLoginKnownNetworkHasItsOwnCounter(t *testing.T) {
	e := newAcctEnv(t)
	e.user("victim")
	e.signInAtHome("victim")
	for i := 0; i <= freeFailures; i++ {
		_, err := e.svc.Authn.Login(e.ctx, "victim", badPassword, netip.AddrFrom4([4]byte{192, 0, 2, byte(100 + i)}))
		wantIncorrect(t, err, fmt.Sprintf("guess %d from the home network", i+1))
	}
	_, err := e.svc.Authn.Login(e.ctx, "victim", goodPassword, netip.MustParseAddr("192.0.2.200"))
	wantBlocked(t, err, time.Second, "another address of the home network")
	// Those guesses never reached the account-wide counter.
	if _, err := e.svc.Authn.Login(e.ctx, "victim", goodPassword, attemptAddr(1)); err != nil {
		t.Fatalf("from another network: %v", err)
	}
}

// ipv6 is 2001:db8:1:<net>::<host>.
func ipv6(net, host uint16) netip.Addr {
	return netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 0, 1, byte(net >> 8), byte(net), 14: byte(host >> 8), 15: byte(host)})
}

// One IPv6 host usually holds a whole /64: its addresses count as one
// source. IPv4 addresses count one by one.
func TestThrottleSourcesIPv6By64(t *testing.T) {
	e := newAcctEnv(t)
	e.user("victim")
	for i := 0; i <= freeFailures; i++ {
		_, err := e.svc.Authn.Login(e.ctx, fmt.Sprintf("guess%d", i), badPassword, ipv6(2, uint16(i+1)))
		wantIncorrect(t, err, fmt.Sprintf("guess %d", i+1))
	}
	_, err := e.svc.Authn.Login(e.ctx, "victim", goodPassword, ipv6(2, 0xffff))
	wantBlocked(t, err, time.Second, "another address of the guessing /64")
	if _, err := e.svc.Authn.Login(e.ctx, "victim", goodPassword, ipv6(3, 1)); err != nil {
		t.Fatalf("from the next /64: %v", err)
	}

	guesser := netip.MustParseAddr("203.0.113.9")
	for i := 0; i <= freeFailures; i++ {
		_, err := e.svc.Authn.Login(e.ctx, fmt.Sprintf("other%d", i), badPassword, guesser)
		wantIncorrect(t, err, fmt.Sprintf("IPv4 guess %d", i+1))
	}
	_, err = e.svc.Authn.Login(e.ctx, "victim", goodPassword, guesser)
	wantBlocked(t, err, time.Second, "the guessing IPv4 address")
	if _, err := e.svc.Authn.Login(e.ctx, "victim", goodPassword, netip.MustParseAddr("203.0.113.10")); err != nil {
		t.Fatalf("the IPv4 address next to it: %v", err)
	}
}

// Reset mail to one address is limited (three at once, then one each half
// hour), but the limit drains by itself: requests kept up forever do not
// build it up. The owner on a known network is never refused, and their
// request counts, so that nobody else replaces their link at once.
func TestResetRequestsDrainAndSpareTheOwner(t *testing.T) {
	e := newAcctEnv(t)
	u := e.user("alice")
	e.signInAtHome("alice")
	n := 0
	reset := func() error {
		n++
		return e.svc.Identity.RequestPasswordReset(e.ctx, u.Email, attemptAddr(n))
	}
	for i := range 3 {
		if err := reset(); err != nil {
			t.Fatalf("request %d: %v", i+1, err)
		}
	}
	wantLimited(t, reset(), 30*time.Minute, "newest link mailed to it", "try again in 30 minutes")
	if err := e.svc.Identity.RequestPasswordReset(e.ctx, u.Email, homeAddr); err != nil {
		t.Fatalf("the owner at home: %v", err)
	}
	e.clock.Advance(30 * time.Minute)
	wantLimited(t, reset(), 30*time.Minute, "newest link")
	e.clock.Advance(30 * time.Minute)
	if err := reset(); err != nil {
		t.Fatalf("an hour after the owner's request: %v", err)
	}

	// Two days of requests at the most the limit allows...
	for i := range 96 {
		e.clock.Advance(30 * time.Minute)
		if err := reset(); err != nil {
			t.Fatalf("request %d of the siege: %v", i+1, err)
		}
	}
	// ...and the limit is whole again three periods after they stop.
	e.clock.Advance(90 * time.Minute)
	for i := range 3 {
		if err := reset(); err != nil {
			t.Fatalf("after the siege, request %d: %v", i+1, err)
		}
	}
	wantLimited(t, reset(), 30*time.Minute)
}

// One source may ask for five resets at once, then one each 12 minutes,
// whatever the address; an IPv6 /64 is one source.
func TestResetRequestsPerSource(t *testing.T) {
	e := newAcctEnv(t)
	for i := range 5 {
		if err := e.svc.Identity.RequestPasswordReset(e.ctx, fmt.Sprintf("u%d@example.com", i), ipv6(7, uint16(i))); err != nil {
			t.Fatalf("request %d: %v", i+1, err)
		}
	}
	err := e.svc.Identity.RequestPasswordReset(e.ctx, "u5@example.com", ipv6(7, 99))
	wantLimited(t, err, 12*time.Minute, "too many password reset requests from your address; try again in 12 minutes")
	if err := e.svc.Identity.RequestPasswordReset(e.ctx, "u5@example.com", ipv6(8, 1)); err != nil {
		t.Fatalf("from another /64: %v", err)
	}
}

// Sign-up is limited per source: ten an hour, taken or not, then one each
// six minutes. What it says of a taken name or address does not change.
func TestRegisterThrottledPerSource(t *testing.T) {
	e := newAcctEnv(t, func(p *Policy) { p.AllowRegistration = true })
	office := netip.MustParseAddr("192.0.2.50")
	signUp := func(name, email string, from netip.Addr) error {
		_, err := e.svc.Identity.Register(e.ctx, identity.NewUser{Name: name, Email: email, Password: goodPassword}, from)
		return err
	}
	e.user("taken")
	// A taken address signs up as a free one does (it tells nothing).
	if err := signUp("other", "taken@example.com", office); err != nil {
		t.Fatalf("sign-up with a taken address: %v, want the answer for a free one", err)
	}
	// A form the service refuses before looking anything up is not counted.
	for range 20 {
		wantAuthErr(t, signUp("Not Valid", "x@example.com", office), core.KindInvalid)
	}
	for i := 1; i < 10; i++ {
		if err := signUp(fmt.Sprintf("user%d", i), fmt.Sprintf("user%d@example.com", i), office); err != nil {
			t.Fatalf("sign-up %d: %v", i+1, err)
		}
	}
	err := signUp("user10", "user10@example.com", office)
	wantLimited(t, err, 6*time.Minute, "too many sign-ups from your address; try again in 6 minutes")
	if err := signUp("user10", "user10@example.com", netip.MustParseAddr("192.0.2.51")); err != nil {
		t.Fatalf("from another address: %v", err)
	}
	e.clock.Advance(6 * time.Minute)
	if err := signUp("user11", "user11@example.com", office); err != nil {
		t.Fatalf("six minutes later: %v", err)
	}
	wantLimited(t, signUp("user12", "user12@example.com", office), 6*time.Minute)
}

// waitMail waits for the mail the service sends after answering.
func waitMail(t *testing.T, m *sentMail, kind, to string) mail.Message {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		m.mu.Lock()
		i := slices.IndexFunc(m.msgs, func(msg mail.Message) bool { return msg.Kind == kind && slices.Contains(msg.To, to) })
		var msg mail.Message
		if i >= 0 {
			msg = m.msgs[i]
		}
		m.mu.Unlock()
		if i >= 0 {
			return msg
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no %s mail to %s", kind, to)
	return mail.Message{}
}

// A reset link read from a stolen mailbox must not outlive a password
// change.
func TestChangePasswordVoidsResetLinks(t *testing.T) {
	e := newAcctEnv(t)
	u := e.user("alice")
	if err := e.svc.Identity.RequestPasswordReset(e.ctx, u.Email, homeAddr); err != nil {
		t.Fatal(err)
	}
	msg := waitMail(t, e.mail, mail.KindPasswordReset, u.Email)
	link, err := url.Parse(msg.Links[0])
	if err != nil {
		t.Fatal(err)
	}
	secret := link.Query().Get("token")
	if err := e.svc.Identity.CheckLink(e.ctx, secret, core.PurposePasswordReset, homeAddr); err != nil {
		t.Fatalf("the fresh link: %v", err)
	}
	if _, err := e.svc.Identity.ChangePassword(e.ctx, authz.Principal{User: u, Addr: homeAddr}, goodPassword, "another-long-secret-phrase"); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.Identity.ResetPassword(e.ctx, secret, "a-third-long-secret-phrase", homeAddr)
	wantAuthErr(t, err, core.KindInvalid, "already used or replaced")
	if _, err := e.svc.Authn.Login(e.ctx, "alice", "another-long-secret-phrase", homeAddr); err != nil {
		t.Fatalf("the changed password: %v", err)
	}
}

// Wrong second-factor codes come after the right password: once they
// reach the free failures, the owner is mailed (at most once an hour)
// and an event is recorded.
func TestWrongSecondFactorCodesAreMailed(t *testing.T) {
	e := newMFAEnv(t)
	p, secret, _ := e.enrolled("alice")
	u := p.User
	notices := func() []mail.Message {
		e.mail.mu.Lock()
		defer e.mail.mu.Unlock()
		var out []mail.Message
		for _, m := range e.mail.msgs {
			if m.Kind == mail.KindMFAFailures {
				out = append(out, m)
			}
		}
		return out
	}
	tries := 0
	fail := func() netip.Addr {
		t.Helper()
		tries++
		c, _ := strconv.Atoi(e.code(secret, 0))
		from := attemptAddr(tries)
		err := e.svc.Factors.CheckSecondFactor(e.ctx, u, fmt.Sprintf("%06d", (c+1)%1000000), from)
		wantKind(t, err, core.KindUnauthenticated, fmt.Sprintf("wrong code %d", tries))
		e.clock.Advance(maxBackoff) // no block in the way of the next
		return from
	}
	for i := 1; i < freeFailures; i++ {
		fail()
		if n := len(notices()); n != 0 {
			t.Fatalf("%d notices after %d wrong codes", n, i)
		}
	}
	from := fail()
	got := notices()
	if len(got) != 1 {
		t.Fatalf("%d notices after %d wrong codes, want 1", len(got), freeFailures)
	}
	for _, s := range []string{fmt.Sprintf("%d wrong codes in a row", freeFailures), "IP address: " + from.String(), "may know your password"} {
		if !strings.Contains(got[0].Text, s) {
			t.Errorf("notice lacks %q:\n%s", s, got[0].Text)
		}
	}
	if !slices.Contains(e.eventTypes("alice"), core.EventMFAFailures) {
		t.Errorf("no %s event: %v", core.EventMFAFailures, e.eventTypes("alice"))
	}

	fail()
	fail()
	if n := len(notices()); n != 1 {
		t.Fatalf("%d notices within the hour, want 1", n)
	}
	e.clock.Advance(time.Hour)
	fail()
	if got := notices(); len(got) != 2 || !strings.Contains(got[1].Text, fmt.Sprintf("%d wrong codes in a row", freeFailures+3)) {
		t.Fatalf("an hour later: %d notices, want 2 counting %d codes", len(got), freeFailures+3)
	}

	// The right code ends the run.
	e.clock.Advance(30 * time.Second)
	if err := e.svc.Factors.CheckSecondFactor(e.ctx, u, e.code(secret, 0), e.addr); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Hour)
	fail()
	if n := len(notices()); n != 2 {
		t.Fatalf("one wrong code after the right one: %d notices, want still 2", n)
	}
}

// Requests that store a row before anyone signs in (npm web logins,
// passkey challenges) are limited per source, so that nobody can fill the
// database; another address is not affected. (Security review L8.)
func TestUnauthenticatedStartsAreLimited(t *testing.T) {
	e := newMFAEnv(t)
	flood, other := netip.MustParseAddr("198.51.100.7"), netip.MustParseAddr("203.0.113.9")
	var err error
	n := 0
	for ; n < 100 && err == nil; n++ {
		if n%2 == 0 {
			_, err = e.svc.Authn.StartCLILogin(e.ctx, flood)
		} else {
			_, err = e.svc.Factors.BeginPasskeySignIn(e.ctx, flood)
		}
	}
	if core.KindOf(err) != core.KindRateLimited || n < 20 || n > 40 {
		t.Fatalf("after %d starts from one address: %v, want rate limited after about 30", n, err)
	}
	if _, err := e.svc.Authn.StartCLILogin(e.ctx, other); err != nil {
		t.Fatalf("another address: %v", err)
	}
	e.clock.Advance(time.Minute)
	if _, err := e.svc.Authn.StartCLILogin(e.ctx, flood); err != nil {
		t.Fatalf("a minute later: %v", err)
	}
}
