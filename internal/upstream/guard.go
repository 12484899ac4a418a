package upstream

import (
	"context"
	"net/netip"
	"time"

	"github.com/rampart/rampart/internal/config"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/throttle"
)

// The proxy's defences against being made an amplifier: anyone may ask
// for any name, and each name not cached costs a request to the
// upstream. A name the upstream does not have is remembered for the
// upstream's negative_ttl (negative), and the requests one client address
// causes to the upstream are limited per address (allow). Both live in
// memory and are bounded (internal/limits): they protect the upstream
// and this server's fetch slots, and must cost nothing in the store.

type clientKey struct{}

// WithClient marks ctx with the client address whose request it serves;
// the upstream fetches it causes count against that address.
func WithClient(ctx context.Context, addr netip.Addr) context.Context {
	if !addr.IsValid() {
		return ctx
	}
	return context.WithValue(ctx, clientKey{}, addr)
}

func clientOf(ctx context.Context) (netip.Addr, bool) {
	a, ok := ctx.Value(clientKey{}).(netip.Addr)
	return a, ok
}

// negative is the set of names an upstream answered 404 for, each until
// its expiry, forgotten oldest first past limits.MaxUpstreamNegativeNames.
type negative struct {
	until map[string]time.Time
	order []string // insertion order; a key may appear again after re-adding
}

// missing reports whether key is known missing at now.
func (n *negative) missing(key string, now time.Time) bool {
	t, ok := n.until[key]
	if ok && !now.Before(t) {
		delete(n.until, key)
		return false
	}
	return ok
}

// add remembers key as missing until until.
func (n *negative) add(key string, until time.Time) {
	if n.until == nil {
		n.until = map[string]time.Time{}
	}
	if _, ok := n.until[key]; !ok {
		n.order = append(n.order, key)
	}
	n.until[key] = until
	for len(n.until) > limits.MaxUpstreamNegativeNames && len(n.order) > 0 {
		delete(n.until, n.order[0])
		n.order = n.order[1:]
	}
	// order holds keys already expired or forgotten too: compact it when
	// it grows well past what the map holds.
	if len(n.order) > 2*len(n.until)+1024 {
		kept := n.order[:0]
		seen := map[string]bool{}
		for _, k := range n.order {
			if _, ok := n.until[k]; ok && !seen[k] {
				seen[k] = true
				kept = append(kept, k)
			}
		}
		n.order = kept
	}
}

// bucket is one client address's allowance: a leaky bucket's level at
// last.
type bucket struct {
	level float64
	last  time.Time
	// warned: the refusal was logged since the bucket was last below
	// its burst (a flood logs once, not once per request).
	warned bool
}

// allow counts one upstream request against the client in ctx (none: an
// internal request, not limited) and refuses it when the client's bucket
// is full.
func (s *Service) allow(ctx context.Context, u *config.Upstream) error {
	addr, ok := clientOf(ctx)
	if !ok || u.ClientFetchBurst <= 0 || u.ClientFetchEvery.Duration <= 0 {
		return nil
	}
	key := u.Name + "\x00" + throttle.SourceKey(addr)
	now := s.d.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.clients[key]
	if b == nil {
		if len(s.clients) >= limits.MaxUpstreamClients {
			s.forgetIdlest(now, u)
		}
		b = &bucket{last: now}
		s.clients[key] = b
	}
	if d := now.Sub(b.last); d > 0 {
		b.level -= float64(d) / float64(u.ClientFetchEvery.Duration)
		if b.level < 0 {
			b.level = 0
		}
		b.last = now
	}
	if b.level+1 > float64(u.ClientFetchBurst) {
		wait := time.Duration((b.level + 1 - float64(u.ClientFetchBurst)) * float64(u.ClientFetchEvery.Duration))
		if wait < time.Second {
			wait = time.Second
		}
		if !b.warned {
			b.warned = true
			s.d.Log.Warn("upstream: a client's fetches are rate limited", "upstream", u.Name, "source", throttle.SourceKey(addr))
		}
		return core.RateLimited(wait,
			"too many requests from your address for packages not cached from the upstream registry %q (at most %d at once, then one every %s); try again in %s",
			u.Name, u.ClientFetchBurst, u.ClientFetchEvery.Duration, wait.Round(time.Second))
	}
	b.level++
	b.warned = false
	return nil
}

// forgetIdlest drops the buckets that have drained by now, or, if none
// has, about a tenth of them (the map's order is random): the bound is on
// memory. Called with s.mu held.
func (s *Service) forgetIdlest(now time.Time, u *config.Upstream) {
	for k, b := range s.clients {
		if float64(now.Sub(b.last))/float64(u.ClientFetchEvery.Duration) >= b.level {
			delete(s.clients, k)
		}
	}
	n := len(s.clients) / 10
	for k := range s.clients {
		if n <= 0 || len(s.clients) < limits.MaxUpstreamClients {
			break
		}
		delete(s.clients, k)
		n--
	}
}
