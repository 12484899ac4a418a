package account_test

import (
	"context"
	"fmt"
	"net/netip"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/authn"
	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/identity"
	"github.com/rampart/rampart/internal/password"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/eventcheck"
	"github.com/rampart/rampart/internal/store/sqlite"
	"github.com/rampart/rampart/internal/testclock"
	"github.com/rampart/rampart/internal/token"
)

const (
	freeFailures = 3
	maxBackoff   = 20 * time.Second
	goodPassword = "a-long-secret-phrase"
	badPassword  = "not-the-password"
)

// countingStore counts every use of the store, to show what never reaches it.
type countingStore struct {
	store.Store
	uses atomic.Int64
}

func (c *countingStore) Update(ctx context.Context, f func(store.Tx) error) error {
	c.uses.Add(1)
	return c.Store.Update(ctx, f)
}

func (c *countingStore) View(ctx context.Context, f func(store.Tx) error) error {
	c.uses.Add(1)
	return c.Store.View(ctx, f)
}

func (c *countingStore) Document(ctx context.Context, name string, part store.DocPart) (*core.Document, error) {
	c.uses.Add(1)
	return c.Store.Document(ctx, name, part)
}

type acctEnv struct {
	t     *testing.T
	ctx   context.Context
	clock *testclock.Clock
	store *countingStore
	svc   *stack
	mail  *sentMail
}

// newAcctEnv builds the service on a fresh store; opts change the policy.
func newAcctEnv(t *testing.T, opts ...func(*Policy)) *acctEnv {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "metadata.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cs := &countingStore{Store: eventcheck.Wrap(t, st)}
	clock := testclock.New(time.Date(2030, 5, 6, 7, 8, 9, 0, time.UTC))
	policy := Policy{
		PublishMaxDays: 90, DefaultDays: 30, ReadOnlyMaxDays: 365, SessionLifetime: 12 * time.Hour,
		FreeFailures: freeFailures, MaxBackoff: maxBackoff, PublicURL: "https://registry.example/",
	}
	for _, o := range opts {
		o(&policy)
	}
	peers := testPeers(t)
	svc, err := newStack(ctx, cs, password.NewHasher(password.TestParams(), 4), policy, peers, clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	return &acctEnv{t: t, ctx: ctx, clock: clock, store: cs, svc: svc, mail: peers.Mailer.(*sentMail)}
}

func (e *acctEnv) user(name string) *core.User {
	e.t.Helper()
	u, err := e.svc.Identity.CreateUser(e.ctx, "operator", identity.NewUser{Name: name, Email: name + "@example.com", Password: goodPassword, Verified: true})
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

// attemptAddr returns a distinct address for attempt i, on a network the
// account never signed in from, so that only the account's counters are
// in play.
func attemptAddr(i int) netip.Addr {
	return netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)})
}

// wantIncorrect asserts an attempt was weighed and refused as a wrong guess.
func wantIncorrect(t *testing.T, err error, what string) {
	t.Helper()
	if core.KindOf(err) != core.KindUnauthenticated || core.Message(err) != "incorrect user name or password" {
		t.Fatalf("%s: got %v (%v), want %q", what, core.KindOf(err), err, "incorrect user name or password")
	}
}

// wantBlocked asserts an attempt was refused unweighed, with Retry-After d.
func wantBlocked(t *testing.T, err error, d time.Duration, what string) {
	t.Helper()
	if core.KindOf(err) != core.KindRateLimited {
		t.Fatalf("%s: got %v (%v), want rate limited for %v", what, core.KindOf(err), err, d)
	}
	if got := core.RetryAfterOf(err); got != d {
		t.Fatalf("%s: Retry-After %v, want %v", what, got, d)
	}
	unit := "seconds"
	if int(d.Seconds()) == 1 {
		unit = "second"
	}
	if want := fmt.Sprintf("try again in %d %s", int(d.Seconds()), unit); !strings.Contains(core.Message(err), want) {
		t.Fatalf("%s: message %q does not say %q", what, core.Message(err), want)
	}
}

func TestLoginBackoffDoublesUpToTheCap(t *testing.T) {
	e := newAcctEnv(t)
	e.user("carol")
	attempt := 0
	try := func(pw string) error {
		attempt++
		_, err := e.svc.Authn.Login(e.ctx, "carol", pw, attemptAddr(attempt))
		return err
	}

	// The free failures leave no wait: each next guess is weighed at once.
	for i := 1; i <= freeFailures+1; i++ {
		wantIncorrect(t, try(badPassword), fmt.Sprintf("failure %d", i))
	}
	// Every failure past the free ones doubles the wait, up to the cap.
	for i, want := range []time.Duration{1, 2, 4, 8, 16, 20, 20, 20} {
		want *= time.Second
		// Even the right password is refused while the block lasts, from
		// any address on a network the account never signed in from: the
		// account's counter holds.
		wantBlocked(t, try(goodPassword), want, fmt.Sprintf("step %d, right password", i))
		e.clock.Advance(want - time.Millisecond)
		wantBlocked(t, try(goodPassword), time.Second, fmt.Sprintf("step %d, 1ms before the end", i))
		if i == 2 {
			// Hammering while blocked is neither weighed nor counted.
			for range 50 {
				if err := try(badPassword); core.KindOf(err) != core.KindRateLimited {
					t.Fatalf("guess while blocked: %v, want rate limited", err)
				}
			}
		}
		e.clock.Advance(time.Millisecond)
		wantIncorrect(t, try(badPassword), fmt.Sprintf("step %d, wrong password after the wait", i))
	}

	// The last failure blocked for the cap; after it, the right password works.
	wantBlocked(t, try(goodPassword), maxBackoff, "after the cap")
	e.clock.Advance(maxBackoff)
	if err := try(goodPassword); err != nil {
		t.Fatalf("right password after the block: %v", err)
	}
}

func TestLoginBackoffNeverLocksOut(t *testing.T) {
	e := newAcctEnv(t)
	e.user("dave")
	// Far past the point where 1<<n seconds would overflow.
	for i := range 80 {
		_, err := e.svc.Authn.Login(e.ctx, "dave", badPassword, attemptAddr(i))
		wantIncorrect(t, err, fmt.Sprintf("failure %d", i+1))
		if i >= freeFailures {
			// (Under the free failures this would succeed and reset the count.)
			_, err = e.svc.Authn.Login(e.ctx, "dave", goodPassword, attemptAddr(i))
			want := maxBackoff
			if over := i - freeFailures; over < 5 {
				want = min(time.Duration(1)<<over*time.Second, maxBackoff)
			}
			wantBlocked(t, err, want, fmt.Sprintf("after failure %d", i+1))
		}
		e.clock.Advance(maxBackoff)
	}
	if _, err := e.svc.Authn.Login(e.ctx, "dave", goodPassword, attemptAddr(999)); err != nil {
		t.Fatalf("after 80 failures and one max_backoff, the right password: %v", err)
	}
}

func TestLoginThrottlesAnAddressAcrossUserNames(t *testing.T) {
	e := newAcctEnv(t)
	e.user("victim")
	attacker := netip.MustParseAddr("203.0.113.9")
	// One guess per name, so that no account counter gets anywhere.
	for i := 0; i <= freeFailures; i++ {
		_, err := e.svc.Authn.Login(e.ctx, fmt.Sprintf("guess%d", i), badPassword, attacker)
		wantIncorrect(t, err, fmt.Sprintf("guess %d", i))
	}
	_, err := e.svc.Authn.Login(e.ctx, "victim", goodPassword, attacker)
	wantBlocked(t, err, time.Second, "a fresh name from the guessing address")
	_, err = e.svc.Authn.Login(e.ctx, "victim", goodPassword, netip.MustParseAddr("::ffff:203.0.113.9"))
	wantBlocked(t, err, time.Second, "the same address written as IPv4-mapped IPv6")
	if _, err := e.svc.Authn.Login(e.ctx, "victim", goodPassword, netip.MustParseAddr("198.51.100.1")); err != nil {
		t.Fatalf("the victim from their own address: %v", err)
	}
}

// A right password clears the account's counter on that network (it also
// makes the network a known one, which the account-wide counter no
// longer blocks: lockout_test.go).
func TestLoginSuccessResetsTheAccountCounter(t *testing.T) {
	e := newAcctEnv(t)
	e.user("erin")
	a := 0
	fail := func(n int) {
		for range n {
			a++
			_, err := e.svc.Authn.Login(e.ctx, "erin", badPassword, attemptAddr(a))
			wantIncorrect(t, err, "wrong password")
		}
	}
	succeed := func(what string) {
		a++
		if _, err := e.svc.Authn.Login(e.ctx, "erin", goodPassword, attemptAddr(a)); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	fail(freeFailures)
	succeed("after the free failures")
	// Without the reset these would be failures 4..6, past the free ones.
	fail(freeFailures)
	succeed("after the free failures again")
}

func TestLoginCounterForgetsAfterADay(t *testing.T) {
	e := newAcctEnv(t)
	e.user("fred")
	for i := 0; i <= freeFailures; i++ {
		_, err := e.svc.Authn.Login(e.ctx, "fred", badPassword, attemptAddr(i))
		wantIncorrect(t, err, "wrong password")
	}
	e.clock.Advance(25 * time.Hour)
	_, err := e.svc.Authn.Login(e.ctx, "fred", badPassword, attemptAddr(100))
	wantIncorrect(t, err, "a wrong password a day later")
	// Counted as the first failure of a new day, it imposes no wait.
	if _, err := e.svc.Authn.Login(e.ctx, "fred", goodPassword, attemptAddr(101)); err != nil {
		t.Fatalf("right password right after: %v", err)
	}
}

// session logs u in the way `npm login` does and returns the token and
// the principal it authenticates as.
func (e *acctEnv) session(u *core.User, from netip.Addr) (string, authz.Principal) {
	e.t.Helper()
	ct, err := e.svc.Authn.IssueSessionToken(e.ctx, u, from)
	if err != nil {
		e.t.Fatal(err)
	}
	p, err := e.svc.Authn.Authenticate(e.ctx, ct.Value, from)
	if err != nil {
		e.t.Fatal(err)
	}
	return ct.Value, p
}

func wantAuthErr(t *testing.T, err error, kind core.Kind, substrings ...string) {
	t.Helper()
	if core.KindOf(err) != kind {
		t.Fatalf("got %v (%v), want %v", core.KindOf(err), err, kind)
	}
	for _, s := range substrings {
		if !strings.Contains(core.Message(err), s) {
			t.Errorf("message %q does not contain %q", core.Message(err), s)
		}
	}
}

var homeAddr = netip.MustParseAddr("192.0.2.10")

func TestExpiredTokenRefused(t *testing.T) {
	e := newAcctEnv(t)
	u := e.user("gina")
	value, _ := e.session(u, homeAddr)
	expires := e.clock.Now().Add(12 * time.Hour)

	e.clock.Advance(12*time.Hour - time.Second)
	if _, err := e.svc.Authn.Authenticate(e.ctx, value, homeAddr); err != nil {
		t.Fatalf("a second before expiry: %v", err)
	}
	e.clock.Advance(time.Second)
	_, err := e.svc.Authn.Authenticate(e.ctx, value, homeAddr)
	wantAuthErr(t, err, core.KindUnauthenticated, "expired on "+expires.Format(time.RFC3339), token.Mask(value), "npm login")
	if strings.Contains(core.Message(err), value) {
		t.Errorf("the message quotes the whole token: %q", core.Message(err))
	}
}

func TestRevokedTokenRefused(t *testing.T) {
	e := newAcctEnv(t)
	u := e.user("hank")
	value, p := e.session(u, homeAddr)
	api, err := e.svc.Authn.CreateToken(e.ctx, p, goodPassword, authn.TokenRequest{Name: "ci"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Authn.Authenticate(e.ctx, api.Value, homeAddr); err != nil {
		t.Fatalf("new API token: %v", err)
	}
	e.clock.Advance(time.Minute)
	if err := e.svc.Authn.RevokeToken(e.ctx, p, api.Token.Key); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.Authn.Authenticate(e.ctx, api.Value, homeAddr)
	wantAuthErr(t, err, core.KindUnauthenticated, "was revoked on "+e.clock.Now().Format(time.RFC3339))

	// Logging out revokes the session token itself.
	if err := e.svc.Authn.Logout(e.ctx, p, value); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.Authn.Authenticate(e.ctx, value, homeAddr)
	wantAuthErr(t, err, core.KindUnauthenticated, "was revoked")
}

func TestDisabledAccountTokensRefused(t *testing.T) {
	e := newAcctEnv(t)
	u := e.user("ivan")
	value, _ := e.session(u, homeAddr)
	if err := e.svc.Identity.DisableUser(e.ctx, "operator", "ivan"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Authn.Authenticate(e.ctx, value, homeAddr); err == nil {
		t.Fatal("a disabled account's token still authenticates")
	}
	_, err := e.svc.Authn.Login(e.ctx, "ivan", goodPassword, homeAddr)
	wantAuthErr(t, err, core.KindForbidden, "account ivan is disabled")
}

func TestTokenCIDRMismatchRefused(t *testing.T) {
	e := newAcctEnv(t)
	u := e.user("jane")
	_, p := e.session(u, homeAddr)
	api, err := e.svc.Authn.CreateToken(e.ctx, p, goodPassword, authn.TokenRequest{Name: "office only", CIDRs: []string{"192.0.2.0/24"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, from := range []string{"192.0.2.44", "::ffff:192.0.2.44"} {
		if _, err := e.svc.Authn.Authenticate(e.ctx, api.Value, netip.MustParseAddr(from)); err != nil {
			t.Errorf("from %s, inside the range: %v", from, err)
		}
	}
	for _, from := range []string{"198.51.100.7", "192.0.3.1", "2001:db8::1"} {
		_, err := e.svc.Authn.Authenticate(e.ctx, api.Value, netip.MustParseAddr(from))
		wantAuthErr(t, err, core.KindForbidden, "may only be used from 192.0.2.0/24, not from "+from)
	}
}

func TestMalformedTokenRefusedWithoutTouchingTheStore(t *testing.T) {
	e := newAcctEnv(t)
	u := e.user("kate")
	value, _ := e.session(u, homeAddr)
	for _, tc := range []struct{ name, value, want string }{
		{"checksum broken", value[:len(value)-1] + otherAlnum(value[len(value)-1]), "checksum does not match"},
		{"body changed", value[:10] + otherAlnum(value[10]) + value[11:], "checksum does not match"},
		{"truncated", value[:len(value)-1], "truncated"},
		{"trailing newline", value + "\n", "has 41 characters"},
		{"another prefix", "npm_" + value[4:], "not a Rampart token"},
		{"non-alphanumeric", value[:8] + "-" + value[9:], "not a letter or digit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := e.store.uses.Load()
			_, err := e.svc.Authn.Authenticate(e.ctx, tc.value, homeAddr)
			wantAuthErr(t, err, core.KindUnauthenticated, tc.want)
			if n := e.store.uses.Load() - before; n != 0 {
				t.Errorf("a malformed token reached the store %d times", n)
			}
		})
	}
	// A well-formed token the registry never issued does reach the store,
	// which is what makes the count above mean something.
	unknown, err := token.Generate()
	if err != nil {
		t.Fatal(err)
	}
	before := e.store.uses.Load()
	_, err = e.svc.Authn.Authenticate(e.ctx, unknown, homeAddr)
	wantAuthErr(t, err, core.KindUnauthenticated, "not known to the registry")
	if e.store.uses.Load() == before {
		t.Errorf("a well-formed token was refused without a lookup; the counting store is not wired in")
	}
}

// otherAlnum returns a letter other than c, so that a token stays well
// formed and only its checksum breaks.
func otherAlnum(c byte) string {
	if c == 'a' {
		return "b"
	}
	return "a"
}

// Guesses sent all at once must not slip past the throttle: when a block
// ends, one guess is weighed and the rest wait for the next block.
func TestLoginThrottleHoldsAgainstParallelGuesses(t *testing.T) {
	e := newAcctEnv(t)
	e.user("lena")
	for i := 0; i <= freeFailures; i++ {
		_, err := e.svc.Authn.Login(e.ctx, "lena", badPassword, attemptAddr(i))
		wantIncorrect(t, err, "wrong password")
	}
	e.clock.Advance(time.Second) // the 1s block is over

	const guesses = 40
	var weighed, limited atomic.Int64
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range guesses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, err := e.svc.Authn.Login(e.ctx, "lena", fmt.Sprintf("guess-number-%d", i), attemptAddr(1000+i))
			switch core.KindOf(err) {
			case core.KindUnauthenticated:
				weighed.Add(1)
			case core.KindRateLimited:
				limited.Add(1)
			default:
				t.Errorf("guess %d: %v", i, err)
			}
		}()
	}
	close(start)
	wg.Wait()
	t.Logf("%d parallel guesses: %d weighed, %d rate limited", guesses, weighed.Load(), limited.Load())
	if weighed.Load() > 1 {
		t.Errorf("%d of %d parallel guesses were weighed in one backoff slot, want 1: the throttle is checked before and recorded after the password check, so concurrent guesses all pass", weighed.Load(), guesses)
	}
}
