package registry

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/rampart/rampart/internal/store"
)

// downloadCounter batches download counts in memory and writes them out
// periodically, so that serving a tarball never waits on a database write.
// A crash loses at most one interval of counts: they are statistics (and
// an input to the unpublish policy), not a ledger.
type downloadCounter struct {
	store store.Store
	now   func() time.Time
	log   *slog.Logger

	mu      sync.Mutex
	pending map[int64]int64
}

func newDownloadCounter(st store.Store, now func() time.Time, log *slog.Logger) *downloadCounter {
	return &downloadCounter{store: st, now: now, log: log, pending: map[int64]int64{}}
}

// Add counts one download of a package.
func (c *downloadCounter) Add(pkgID int64) {
	c.mu.Lock()
	c.pending[pkgID]++
	c.mu.Unlock()
}

// Pending returns the not-yet-written count of a package.
func (c *downloadCounter) Pending(pkgID int64) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pending[pkgID]
}

// Flush writes the pending counts in one transaction.
func (c *downloadCounter) Flush(ctx context.Context) error {
	c.mu.Lock()
	batch := c.pending
	c.pending = map[int64]int64{}
	c.mu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	day := c.now()
	err := c.store.Update(ctx, func(tx store.Tx) error {
		for id, n := range batch {
			if err := tx.AddDownloads(id, day, n); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		// Put the counts back so the next flush retries them.
		c.mu.Lock()
		for id, n := range batch {
			c.pending[id] += n
		}
		c.mu.Unlock()
	}
	return err
}

// Run flushes every interval until ctx is done.
func (c *downloadCounter) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := c.Flush(ctx); err != nil {
				c.log.Warn("flushing download counts", "err", err)
			}
		}
	}
}
