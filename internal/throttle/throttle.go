// Package throttle slows guessing and bulk requests down: exponential
// backoff on guesses at secrets (passwords, second-factor codes, mailed
// links), leaky buckets on requests that are no guesses (sign-ups, reset
// mails, unauthenticated starts), and the memory of the networks an
// account signed in from, which keeps an attacker from locking the owner
// out. Counters live in the store, so they hold across replicas.
package throttle

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/rampart/rampart/internal/account"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
)

// Throttling (AUTHN-1e). Counters live in the store, so that they hold
// across replicas, under keys of the form "<what>:<scope>:<value>".
//
// Limiter holds the policy (FreeFailures, MaxBackoff) and the store; the
// keys are chosen by the flows that use it (identity, authn,
// secondfactor).
//
// Guesses at a secret (a password, a second-factor code, a mailed link)
// go through Reserve: past freeFailures (New), each failure blocks a key
// for 1s, 2s, 4s, ... up to maxBackoff. A correct answer forgives.
//
// A counter for a whole account would let anyone shut its owner out by
// failing once every MaxBackoff. So a password attempt counts against
//
//   - its source (SourceKey), whatever the account: one address cannot
//     guess at many accounts;
//   - the account on the source's network (Network): one network cannot
//     guess at one account faster than that;
//   - the account as a whole, but only from networks the account has not
//     signed in from lately (KnownNetwork): guesses from everywhere else,
//     many addresses included (credential stuffing), are slowed together,
//     while the owner at home or at work is never blocked by them.
//
// Requests that are no guess but must not come in bulk (sign-ups,
// password-reset mails) go through ReserveRate, a leaky bucket: a few at
// once, then one per period. It drains by itself, so keeping one full
// blocks its key only as long as requests keep coming, and never longer
// than one period after the last.

// Limiter counts attempts and requests in the store.
type Limiter struct {
	store      store.Store
	now        func() time.Time
	free       int
	maxBackoff time.Duration
}

// New builds a limiter: past freeFailures failures a key is blocked for
// 1s, 2s, 4s, ... up to maxBackoff. now is the clock.
func New(st store.Store, now func() time.Time, freeFailures int, maxBackoff time.Duration) *Limiter {
	return &Limiter{store: st, now: now, free: freeFailures, maxBackoff: maxBackoff}
}

// FreeFailures is how many failures a key takes before it backs off.
func (s *Limiter) FreeFailures() int { return s.free }

// SourceKey names where a request came from in a throttle key: an IPv4
// address as it is, an IPv6 address by its /64, which one host or one
// home usually holds whole.
func SourceKey(addr netip.Addr) string {
	addr = addr.Unmap()
	if !addr.Is6() {
		return addr.String()
	}
	p, err := addr.Prefix(64)
	if err != nil {
		return addr.String()
	}
	return p.String()
}

// Network is the /24 (IPv4) or /48 (IPv6) holding addr.
func Network(addr netip.Addr) string {
	addr = addr.Unmap()
	bits := 48
	if addr.Is4() {
		bits = 24
	}
	p, err := addr.Prefix(bits)
	if err != nil {
		return "unknown"
	}
	return p.String()
}

// knownNetworkWindow is how long a network the account signed in from
// stays exempt from the account-wide password counter.
const knownNetworkWindow = 180 * 24 * time.Hour

// networkKeyHash names addr's network (Network: /24 or /48) among an
// account's devices (store.Devices); only the hash is stored.
func networkKeyHash(addr netip.Addr) string {
	return account.Hash("net:" + Network(addr))
}

// KnownNetwork reports, in tx, whether u signed in from addr's network
// within knownNetworkWindow before now.
func KnownNetwork(tx store.Devices, u *core.User, addr netip.Addr, now time.Time) (bool, error) {
	if !addr.IsValid() {
		return false, nil
	}
	last, err := tx.DeviceLastSeen(u.ID, networkKeyHash(addr))
	if errors.Is(err, core.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return now.Sub(last) <= knownNetworkWindow, nil
}

// RememberNetwork records in tx that u proved to be its owner from addr's
// network at now: the right password, or a completed sign-in.
func RememberNetwork(tx store.Devices, u *core.User, addr netip.Addr, now time.Time) error {
	if !addr.IsValid() {
		return nil
	}
	_, err := tx.TouchDevice(u.ID, networkKeyHash(addr), now)
	return err
}

// LoginAccountKey is the account-wide password counter of name.
func LoginAccountKey(name string) string { return "login:user:" + name }

// LoginKeys are the keys a password attempt for name from addr counts
// against; known says addr's network is one the account signed in from.
// The first is the one a correct password clears (ForgiveLogin). The
// user name, which Login takes unchecked, comes last in each key, so no
// name can stand for another key.
func LoginKeys(name string, addr netip.Addr, known bool) []string {
	keys := []string{"login:net:" + Network(addr) + ":user:" + name, "login:addr:" + SourceKey(addr)}
	if !known {
		keys = append(keys, LoginAccountKey(name))
	}
	return keys
}

// ReserveAttempt refuses while any key is in its backoff period and
// otherwise counts the attempt as a failure up front, in the same write
// transaction, before the password is hashed. Guesses sent in parallel
// therefore see each other: once the count crosses the threshold, the
// next one is refused instead of racing the first to its verdict.
//
// Past FreeFailures a key is blocked for 1s, 2s, 4s, ... up to MaxBackoff.
// A key whose last failure is older than a day starts afresh. It returns
// the keys' states before the attempt, for forgive.
func (s *Limiter) ReserveAttempt(ctx context.Context, keys []string) ([]core.Throttle, error) {
	return s.Reserve(ctx, keys, "failed sign-in attempts")
}

// Reserve is ReserveAttempt for any guessable secret; what names the
// attempts in the refusal ("failed sign-in attempts").
func (s *Limiter) Reserve(ctx context.Context, keys []string, what string) ([]core.Throttle, error) {
	now := s.now()
	var wait time.Duration
	var prev []core.Throttle
	err := s.store.Update(ctx, func(tx store.Tx) error {
		wait, prev = 0, prev[:0]
		current := make([]*core.Throttle, len(keys))
		for i, k := range keys {
			th, err := tx.Throttle(k)
			if errors.Is(err, core.ErrNotFound) || (err == nil && now.Sub(th.LastFailure) > 24*time.Hour) {
				th, err = &core.Throttle{Key: k}, nil
			}
			if err != nil {
				return err
			}
			current[i] = th
			prev = append(prev, *th)
			if d := th.BlockedUntil.Sub(now); d > wait {
				wait = d
			}
		}
		if wait > 0 {
			return nil // refused attempts are not counted: they cannot extend a block
		}
		for _, th := range current {
			th.Failures++
			th.LastFailure = now
			if over := th.Failures - s.free; over > 0 {
				d := s.maxBackoff
				if over < 31 {
					d = min(time.Duration(1<<(over-1))*time.Second, s.maxBackoff)
				}
				th.BlockedUntil = now.Add(d)
			}
			if err := tx.PutThrottle(th); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if wait > 0 {
		retry, in := retryIn(wait)
		return nil, core.RateLimited(retry, "too many %s; try again in %s", what, in)
	}
	return prev, nil
}

// retryIn rounds a wait up to whole seconds, for Retry-After, and says it
// for people: "1 second", "40 seconds", and in minutes from two minutes
// on ("15 minutes").
func retryIn(wait time.Duration) (time.Duration, string) {
	secs := int((wait + time.Second - 1) / time.Second)
	switch {
	case secs == 1:
		return time.Second, "1 second"
	case secs < 120:
		return time.Duration(secs) * time.Second, fmt.Sprintf("%d seconds", secs)
	}
	return time.Duration(secs) * time.Second, fmt.Sprintf("%d minutes", (secs+59)/60)
}

// Forgive undoes a reservation after a correct answer: the first key's
// record (the account's) is cleared, and the others go back to their
// state before.
func (s *Limiter) Forgive(ctx context.Context, keys []string, prev []core.Throttle) error {
	return s.store.Update(ctx, func(tx store.Tx) error {
		if err := tx.DeleteThrottle(keys[0]); err != nil {
			return err
		}
		return Restore(tx, prev[1:])
	})
}

// ForgiveLogin is Forgive after a correct password (LoginKeys): the
// account's counter on this network is cleared; the source's and the
// account-wide counter only take this attempt back, since the failures
// on them may be someone else's. The network becomes one the account
// signed in from.
func (s *Limiter) ForgiveLogin(ctx context.Context, u *core.User, addr netip.Addr, keys []string, prev []core.Throttle) error {
	now := s.now()
	return s.store.Update(ctx, func(tx store.Tx) error {
		if err := tx.DeleteThrottle(keys[0]); err != nil {
			return err
		}
		if err := Restore(tx, prev[1:]); err != nil {
			return err
		}
		return RememberNetwork(tx, u, addr, now)
	})
}

// Restore takes back one counted attempt from each key, and puts
// its block back as it was before the attempt.
func Restore(tx store.Throttles, prev []core.Throttle) error {
	for _, p := range prev {
		th, err := tx.Throttle(p.Key)
		if errors.Is(err, core.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		th.Failures = max(th.Failures-1, 0)
		th.BlockedUntil = p.BlockedUntil
		if th.Failures == 0 {
			if err := tx.DeleteThrottle(p.Key); err != nil {
				return err
			}
			continue
		}
		if err := tx.PutThrottle(th); err != nil {
			return err
		}
	}
	return nil
}

// Rate is a leaky bucket: up to burst requests at once, then one more
// for each period every that passes.
type Rate struct {
	Burst int
	Every time.Duration
}

// Rates of requests that are no guesses.
var (
	// SignupRate limits sign-ups (Register) per source: ten an hour.
	SignupRate = Rate{Burst: 10, Every: 6 * time.Minute}
	// ResetSourceRate limits password-reset requests per source.
	ResetSourceRate = Rate{Burst: 5, Every: 12 * time.Minute}
	// ResetEmailRate limits reset mails to one address. Its period is
	// at most ResetLinkLifetime: whenever it refuses, a link mailed less
	// than a period ago still works.
	ResetEmailRate = Rate{Burst: 3, Every: 30 * time.Minute}
	// StartRate limits, per source, the requests anyone may send that
	// store a row before anyone signed in: npm web logins and passkey
	// sign-in challenges. Generous for people, a wall for floods.
	StartRate = Rate{Burst: 30, Every: 10 * time.Second}
)

// RateKey is one key a request counts against.
type RateKey struct {
	Key  string
	Rate Rate
	// Refusal is the message when this key is full, with %s for the
	// wait ("6 minutes").
	Refusal string
	// CountOnly counts the request without ever refusing it.
	CountOnly bool
}

// ReserveRate counts a request against every key, in one transaction,
// unless one of them is full: then nothing is counted, and the answer is
// RateLimited with the wait until that key has room again and its refusal.
//
// In the store a key's Failures is the bucket's level at LastFailure, and
// BlockedUntil is when a full bucket next has room.
func (s *Limiter) ReserveRate(ctx context.Context, keys []RateKey) error {
	now := s.now()
	var wait time.Duration
	var refusal string
	err := s.store.Update(ctx, func(tx store.Tx) error {
		wait, refusal = 0, ""
		buckets := make([]*core.Throttle, len(keys))
		for i, k := range keys {
			th, err := tx.Throttle(k.Key)
			if errors.Is(err, core.ErrNotFound) {
				th, err = &core.Throttle{Key: k.Key}, nil
			}
			if err != nil {
				return err
			}
			leak(th, k.Rate, now)
			if !k.CountOnly && th.Failures >= k.Rate.Burst {
				if d := th.LastFailure.Add(k.Rate.Every).Sub(now); d > wait {
					wait, refusal = d, k.Refusal
				}
			}
			buckets[i] = th
		}
		if wait > 0 {
			return nil
		}
		for i, th := range buckets {
			th.Failures++
			th.BlockedUntil = time.Time{}
			if th.Failures >= keys[i].Rate.Burst {
				th.BlockedUntil = th.LastFailure.Add(keys[i].Rate.Every)
			}
			if err := tx.PutThrottle(th); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if wait > 0 {
		retry, in := retryIn(wait)
		return core.RateLimited(retry, refusal, in)
	}
	return nil
}

// leak drains from th what left the bucket by now: one request per
// period. LastFailure moves on by whole periods only, so that no part of
// a period is lost; an empty bucket starts its period now.
func leak(th *core.Throttle, r Rate, now time.Time) {
	var n int64
	if d := now.Sub(th.LastFailure); d > 0 {
		n = int64(d / r.Every)
	}
	if th.Failures <= 0 || n >= int64(th.Failures) {
		th.Failures, th.LastFailure = 0, now
		return
	}
	th.Failures -= int(n)
	th.LastFailure = th.LastFailure.Add(time.Duration(n) * r.Every)
}

// SweepIdle is how long a throttle counter or an expired mailed link is
// kept after its last use: longer than any backoff or bucket lasts.
const SweepIdle = 48 * time.Hour

// Sweep deletes what can no longer matter (store.Sweeper): expired
// sessions, challenges and npm web logins, and links and throttle
// counters idle for SweepIdle. The server runs it hourly.
func (s *Limiter) Sweep(ctx context.Context) (int64, error) {
	now := s.now()
	var n int64
	err := s.store.Update(ctx, func(tx store.Tx) error {
		var err error
		n, err = tx.Sweep(now, now.Add(-SweepIdle))
		return err
	})
	return n, err
}
