// Package downloads counts package downloads for the unpublish policy
// ("weekly downloads") and the critical-package ranking: in memory,
// de-duplicated per package, source and day, written to the store in
// batches so that serving a tarball never waits on a database write.
// Downloads of proxied versions (ProxiedCounter) count by the same rules,
// per version, for the operator's list of proxied packages.
package downloads

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/netip"
	"sync"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/store"
)

// Counter buffers downloads in memory and writes them out
// periodically, so that serving a tarball never waits on a database write.
// A download counts once per package, source and UTC day: the counts feed
// the unpublish policy ("weekly downloads") and the critical-package
// ranking, and one client repeating a request must not move either. The
// decision whether a source was already counted is the store's
// (CountDownload), so that it holds across restarts and replicas; memory
// holds only the batch, at most limits.MaxPendingDownloads entries. A
// crash loses at most one interval of counts: they are statistics, not a
// ledger.
type Counter struct{ *tally[int64] }

// Proxied is a version proxied from an upstream registry, as its
// downloads count (ProxiedCounter).
type Proxied struct {
	Ref      core.PackageRef
	Version  string
	Upstream string
}

// ProxiedCounter counts the complete downloads of proxied versions
// (internal/upstream) by the same rules as Counter: once per version,
// source and UTC day, batched within the same bound, written to
// store.UpstreamUsage.
type ProxiedCounter struct{ *tally[Proxied] }

// tally is the batching both counters share: keys of type K (a package,
// a proxied version), de-duplicated per source and day in memory and by
// the store.
type tally[K comparable] struct {
	store store.Store
	now   func() time.Time
	log   *slog.Logger
	// key keys the hash of client addresses (keyMeta).
	key []byte
	// full wakes Run to write a batch that reached its bound.
	full chan struct{}
	// count and sweep are the store's side (Counter, ProxiedCounter).
	count func(tx store.Tx, k K, day time.Time, source string) error
	sweep func(tx store.Tx, before time.Time) error

	mu      sync.Mutex
	pending map[downloadKey[K]]struct{}
	perPkg  map[K]int64 // pending entries per key, for Pending
	dropped int64       // downloads not counted because the batch was full
	swept   int64       // the last day whose past sources were swept
}

// downloadKey is one download as it counts: a package (or proxied
// version), a UTC day (Unix days) and a source address (sourceAddr).
// The address is hashed into the source the store keeps (source) only
// when the batch is written: an HMAC per download would cost the tarball
// path more than the rest of the counting.
type downloadKey[K comparable] struct {
	pkg  K
	day  int64
	addr netip.Addr
}

// New returns a counter that writes to st, hashing client addresses
// under key (LoadKey).
func New(st store.Store, key []byte, now func() time.Time, log *slog.Logger) *Counter {
	return &Counter{newTally(st, key, now, log,
		func(tx store.Tx, pkg int64, day time.Time, source string) error {
			_, err := tx.CountDownload(pkg, day, source)
			return err
		},
		func(tx store.Tx, before time.Time) error {
			_, err := tx.SweepDownloadSources(before)
			return err
		})}
}

// NewProxied returns a counter of proxied downloads that writes to st,
// hashing client addresses under the same key as New's (LoadKey).
func NewProxied(st store.Store, key []byte, now func() time.Time, log *slog.Logger) *ProxiedCounter {
	return &ProxiedCounter{newTally(st, key, now, log,
		func(tx store.Tx, p Proxied, day time.Time, source string) error {
			_, err := tx.CountUpstreamDownload(p.Ref, p.Version, p.Upstream, day, source)
			return err
		},
		func(tx store.Tx, before time.Time) error {
			_, err := tx.SweepUpstreamDownloadSources(before)
			return err
		})}
}

func newTally[K comparable](st store.Store, key []byte, now func() time.Time, log *slog.Logger,
	count func(store.Tx, K, time.Time, string) error, sweep func(store.Tx, time.Time) error) *tally[K] {
	return &tally[K]{store: st, key: key, now: now, log: log, full: make(chan struct{}, 1), count: count, sweep: sweep,
		pending: map[downloadKey[K]]struct{}{}, perPkg: map[K]int64{}}
}

// keyMeta names the registry's secret key for hashing client
// addresses, kept in the store so that every replica computes the same
// sources.
const keyMeta = "downloads.source_key"

// LoadKey returns the key for hashing client addresses, making it on
// first use.
func LoadKey(ctx context.Context, st store.Store) ([]byte, error) {
	var key []byte
	err := st.Update(ctx, func(tx store.Tx) error {
		v, err := tx.GetMeta(keyMeta)
		if errors.Is(err, core.ErrNotFound) {
			b := make([]byte, 32)
			rand.Read(b)
			v = hex.EncodeToString(b)
			err = tx.SetMeta(keyMeta, v)
		}
		if err != nil {
			return err
		}
		key, err = hex.DecodeString(v)
		return err
	})
	return key, err
}

// source is the key a client's downloads are de-duplicated by: its IPv4
// address, or its IPv6 /64 (what one host or site is usually given, so
// that rotating through its own addresses counts once). It is an HMAC
// under the registry's own key, so that the store never holds addresses,
// not even as a hash anyone could reverse by trying all 2^32 IPv4
// addresses; the rows go after the day anyway.
func (c *tally[K]) source(addr netip.Addr) string {
	addr = addr.Unmap()
	s := addr.String()
	if addr.Is6() {
		p, _ := addr.Prefix(64)
		s = p.String()
	}
	m := hmac.New(sha256.New, c.key)
	m.Write([]byte(s))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

// sourceAddr is the address a client's downloads count under: its IPv4
// address, or the first of its IPv6 /64 (source hashes the same way).
func sourceAddr(addr netip.Addr) netip.Addr {
	addr = addr.Unmap()
	if addr.Is6() {
		if p, err := addr.Prefix(64); err == nil {
			return p.Addr()
		}
	}
	return addr
}

// Add records one complete download of a package (or proxied version)
// by addr.
func (c *tally[K]) Add(pkg K, addr netip.Addr) {
	k := downloadKey[K]{pkg: pkg, day: unixDay(c.now()), addr: sourceAddr(addr)}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.pending[k]; ok {
		return
	}
	if len(c.pending) >= limits.MaxPendingDownloads {
		c.dropped++
		select {
		case c.full <- struct{}{}:
		default:
		}
		return
	}
	c.pending[k] = struct{}{}
	c.perPkg[pkg]++
}

// Pending returns how many downloads of a package are waiting to be
// written: an upper bound of what they will add, as the store may have
// seen some of their sources earlier the same day.
func (c *tally[K]) Pending(pkg K) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.perPkg[pkg]
}

// Flush writes the pending downloads in one transaction, each counted
// only if the store has not seen its source for that package and day,
// and forgets the sources of past days once a day.
func (c *tally[K]) Flush(ctx context.Context) error {
	c.mu.Lock()
	batch, dropped := c.pending, c.dropped
	c.pending, c.perPkg, c.dropped = map[downloadKey[K]]struct{}{}, map[K]int64{}, 0
	c.mu.Unlock()
	if dropped > 0 {
		c.log.WarnContext(ctx, "downloads not counted: too many distinct clients between two writes", "dropped", dropped, "limit", limits.MaxPendingDownloads)
	}
	today := unixDay(c.now())
	c.mu.Lock()
	sweep := c.swept < today
	c.mu.Unlock()
	if len(batch) == 0 && !sweep {
		return nil
	}
	err := c.store.Update(ctx, func(tx store.Tx) error {
		for k := range batch {
			if err := c.count(tx, k.pkg, time.Unix(k.day*86400, 0).UTC(), c.source(k.addr)); err != nil {
				return err
			}
		}
		if sweep {
			return c.sweep(tx, time.Unix(today*86400, 0).UTC())
		}
		return nil
	})
	if err != nil {
		c.restore(batch)
		return err
	}
	if sweep {
		c.mu.Lock()
		c.swept = max(c.swept, today)
		c.mu.Unlock()
	}
	return nil
}

// restore puts a batch that could not be written back, so that the next
// flush retries it, within the bound.
func (c *tally[K]) restore(batch map[downloadKey[K]]struct{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k := range batch {
		if _, ok := c.pending[k]; ok {
			continue
		}
		if len(c.pending) >= limits.MaxPendingDownloads {
			c.dropped++
			continue
		}
		c.pending[k] = struct{}{}
		c.perPkg[k.pkg]++
	}
}

// Run flushes every interval, and as soon as a batch is full, until ctx
// is done.
func (c *tally[K]) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-c.full:
		}
		if err := c.Flush(ctx); err != nil {
			c.log.Warn("flushing download counts", "err", err)
		}
	}
}

// unixDay is the UTC day of t, in days since the Unix epoch.
func unixDay(t time.Time) int64 { return t.UTC().Unix() / 86400 }
