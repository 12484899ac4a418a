package account

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/mail"
	"github.com/rampart/rampart/internal/store"
)

// Throttling (AUTHN-1e). Counters live in the store, so that they hold
// across replicas, under keys of the form "<what>:<scope>:<value>".
//
// Guesses at a secret (a password, a second-factor code, a mailed link)
// go through reserve: past Policy.FreeFailures, each failure blocks a key
// for 1s, 2s, 4s, ... up to Policy.MaxBackoff. A correct answer forgives.
//
// A counter for a whole account would let anyone shut its owner out by
// failing once every MaxBackoff. So a password attempt counts against
//
//   - its source (sourceKey), whatever the account: one address cannot
//     guess at many accounts;
//   - the account on the source's network (network): one network cannot
//     guess at one account faster than that;
//   - the account as a whole, but only from networks the account has not
//     signed in from lately (knownNetwork): guesses from everywhere else,
//     many addresses included (credential stuffing), are slowed together,
//     while the owner at home or at work is never blocked by them.
//
// Requests that are no guess but must not come in bulk (sign-ups,
// password-reset mails) go through reserveRate, a leaky bucket: a few at
// once, then one per period. It drains by itself, so keeping one full
// blocks its key only as long as requests keep coming, and never longer
// than one period after the last.

// sourceKey names where a request came from in a throttle key: an IPv4
// address as it is, an IPv6 address by its /64, which one host or one
// home usually holds whole.
func sourceKey(addr netip.Addr) string {
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

// knownNetworkWindow is how long a network the account signed in from
// stays exempt from the account-wide password counter.
const knownNetworkWindow = 180 * 24 * time.Hour

// networkKeyHash names addr's network (network: /24 or /48) among an
// account's devices (store.Devices); only the hash is stored.
func networkKeyHash(addr netip.Addr) string {
	return hashString("net:" + network(addr))
}

// knownNetwork reports, in tx, whether u signed in from addr's network
// within knownNetworkWindow before now.
func knownNetwork(tx store.Tx, u *core.User, addr netip.Addr, now time.Time) (bool, error) {
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

// rememberNetwork records in tx that u proved to be its owner from addr's
// network at now: the right password, or a completed sign-in.
func rememberNetwork(tx store.Tx, u *core.User, addr netip.Addr, now time.Time) error {
	if !addr.IsValid() {
		return nil
	}
	_, err := tx.TouchDevice(u.ID, networkKeyHash(addr), now)
	return err
}

// loginAccountKey is the account-wide password counter of name.
func loginAccountKey(name string) string { return "login:user:" + name }

// loginKeys are the keys a password attempt for name from addr counts
// against; known says addr's network is one the account signed in from.
// The first is the one a correct password clears (forgiveLogin). The
// user name, which Login takes unchecked, comes last in each key, so no
// name can stand for another key.
func loginKeys(name string, addr netip.Addr, known bool) []string {
	keys := []string{"login:net:" + network(addr) + ":user:" + name, "login:addr:" + sourceKey(addr)}
	if !known {
		keys = append(keys, loginAccountKey(name))
	}
	return keys
}

// reserveAttempt refuses while any key is in its backoff period and
// otherwise counts the attempt as a failure up front, in the same write
// transaction, before the password is hashed. Guesses sent in parallel
// therefore see each other: once the count crosses the threshold, the
// next one is refused instead of racing the first to its verdict.
//
// Past FreeFailures a key is blocked for 1s, 2s, 4s, ... up to MaxBackoff.
// A key whose last failure is older than a day starts afresh. It returns
// the keys' states before the attempt, for forgive.
func (s *Service) reserveAttempt(ctx context.Context, keys []string) ([]core.Throttle, error) {
	return s.reserve(ctx, keys, "failed sign-in attempts")
}

// reserve is reserveAttempt for any guessable secret; what names the
// attempts in the refusal ("failed sign-in attempts").
func (s *Service) reserve(ctx context.Context, keys []string, what string) ([]core.Throttle, error) {
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
			if over := th.Failures - s.policy.FreeFailures; over > 0 {
				d := s.policy.MaxBackoff
				if over < 31 {
					d = min(time.Duration(1<<(over-1))*time.Second, s.policy.MaxBackoff)
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

// forgive undoes a reservation after a correct answer: the first key's
// record (the account's) is cleared, and the others go back to their
// state before.
func (s *Service) forgive(ctx context.Context, keys []string, prev []core.Throttle) error {
	return s.store.Update(ctx, func(tx store.Tx) error {
		if err := tx.DeleteThrottle(keys[0]); err != nil {
			return err
		}
		return restoreThrottles(tx, prev[1:])
	})
}

// forgiveLogin is forgive after a correct password (loginKeys): the
// account's counter on this network is cleared; the source's and the
// account-wide counter only take this attempt back, since the failures
// on them may be someone else's. The network becomes one the account
// signed in from.
func (s *Service) forgiveLogin(ctx context.Context, u *core.User, addr netip.Addr, keys []string, prev []core.Throttle) error {
	now := s.now()
	return s.store.Update(ctx, func(tx store.Tx) error {
		if err := tx.DeleteThrottle(keys[0]); err != nil {
			return err
		}
		if err := restoreThrottles(tx, prev[1:]); err != nil {
			return err
		}
		return rememberNetwork(tx, u, addr, now)
	})
}

// restoreThrottles takes back one counted attempt from each key, and puts
// its block back as it was before the attempt.
func restoreThrottles(tx store.Tx, prev []core.Throttle) error {
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

// rate is a leaky bucket: up to burst requests at once, then one more
// for each period every that passes.
type rate struct {
	burst int
	every time.Duration
}

// Rates of requests that are no guesses.
var (
	// signupRate limits sign-ups (Register) per source: ten an hour.
	signupRate = rate{burst: 10, every: 6 * time.Minute}
	// resetSourceRate limits password-reset requests per source.
	resetSourceRate = rate{burst: 5, every: 12 * time.Minute}
	// resetEmailRate limits reset mails to one address. Its period is
	// at most ResetLinkLifetime: whenever it refuses, a link mailed less
	// than a period ago still works.
	resetEmailRate = rate{burst: 3, every: 30 * time.Minute}
	// startRate limits, per source, the requests anyone may send that
	// store a row before anyone signed in: npm web logins and passkey
	// sign-in challenges. Generous for people, a wall for floods.
	startRate = rate{burst: 30, every: 10 * time.Second}
)

// rateKey is one key a request counts against.
type rateKey struct {
	key  string
	rate rate
	// refusal is the message when this key is full, with %s for the
	// wait ("6 minutes").
	refusal string
	// countOnly counts the request without ever refusing it.
	countOnly bool
}

// reserveRate counts a request against every key, in one transaction,
// unless one of them is full: then nothing is counted, and the answer is
// RateLimited with the wait until that key has room again and its refusal.
//
// In the store a key's Failures is the bucket's level at LastFailure, and
// BlockedUntil is when a full bucket next has room.
func (s *Service) reserveRate(ctx context.Context, keys []rateKey) error {
	now := s.now()
	var wait time.Duration
	var refusal string
	err := s.store.Update(ctx, func(tx store.Tx) error {
		wait, refusal = 0, ""
		buckets := make([]*core.Throttle, len(keys))
		for i, k := range keys {
			th, err := tx.Throttle(k.key)
			if errors.Is(err, core.ErrNotFound) {
				th, err = &core.Throttle{Key: k.key}, nil
			}
			if err != nil {
				return err
			}
			leak(th, k.rate, now)
			if !k.countOnly && th.Failures >= k.rate.burst {
				if d := th.LastFailure.Add(k.rate.every).Sub(now); d > wait {
					wait, refusal = d, k.refusal
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
			if th.Failures >= keys[i].rate.burst {
				th.BlockedUntil = th.LastFailure.Add(keys[i].rate.every)
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
func leak(th *core.Throttle, r rate, now time.Time) {
	var n int64
	if d := now.Sub(th.LastFailure); d > 0 {
		n = int64(d / r.every)
	}
	if th.Failures <= 0 || n >= int64(th.Failures) {
		th.Failures, th.LastFailure = 0, now
		return
	}
	th.Failures -= int(n)
	th.LastFailure = th.LastFailure.Add(time.Duration(n) * r.every)
}

// mfaNoticeEvery is how often at most a user is mailed about wrong
// second-factor codes.
const mfaNoticeEvery = time.Hour

// noteSecondFactorResult runs after CheckSecondFactor; *err is its
// result. After a wrong code it tells the user, once the account's run of
// wrong codes (its second-factor counter) reaches FreeFailures, and then
// at most once per mfaNoticeEvery: a code is asked for only after the
// password, so someone may know it. The notice is mailed and recorded as
// an event. Failures here are logged: the verdict stands.
func (s *Service) noteSecondFactorResult(ctx context.Context, u *core.User, addr netip.Addr, err *error) {
	if core.KindOf(*err) != core.KindUnauthenticated {
		return
	}
	now := s.now()
	threshold := max(s.policy.FreeFailures, 1)
	noticeKey := "mfa-notice:user:" + u.Name
	var failures int
	uerr := s.store.Update(ctx, func(tx store.Tx) error {
		failures = 0
		th, err := tx.Throttle(mfaKeys(u, addr)[0])
		if errors.Is(err, core.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if th.Failures < threshold {
			return nil
		}
		last, err := tx.Throttle(noticeKey)
		switch {
		case errors.Is(err, core.ErrNotFound):
		case err != nil:
			return err
		case now.Sub(last.LastFailure) < mfaNoticeEvery:
			return nil
		}
		// The notice key's LastFailure is when the user was last told.
		if err := tx.PutThrottle(&core.Throttle{Key: noticeKey, Failures: th.Failures, LastFailure: now}); err != nil {
			return err
		}
		failures = th.Failures
		return tx.AppendEvent(&core.Event{At: now, Type: core.EventMFAFailures, Actor: u.Name, Data: jsonData(map[string]any{
			"user": u.Name, "failures": th.Failures, "ip": addr.Unmap().String(),
		})})
	})
	if uerr != nil {
		s.log.ErrorContext(ctx, "recording wrong second-factor codes failed", "user", u.Name, "err", uerr)
		return
	}
	if failures > 0 {
		s.notify(ctx, u, mail.KindMFAFailures, mail.Notice{When: now, IP: addr.Unmap().String(), UserAgent: userAgentOf(ctx), FailedCodes: failures})
	}
}

// SweepIdle is how long a throttle counter or an expired mailed link is
// kept after its last use: longer than any backoff or bucket lasts.
const SweepIdle = 48 * time.Hour

// Sweep deletes what can no longer matter (store.Sweeper): expired
// sessions, challenges and npm web logins, and links and throttle
// counters idle for SweepIdle. The server runs it hourly.
func (s *Service) Sweep(ctx context.Context) (int64, error) {
	now := s.now()
	var n int64
	err := s.store.Update(ctx, func(tx store.Tx) error {
		var err error
		n, err = tx.Sweep(now, now.Add(-SweepIdle))
		return err
	})
	return n, err
}
