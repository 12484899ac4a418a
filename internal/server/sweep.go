package server

import (
	"context"
	"log/slog"
	"time"

	"github.com/rampart/rampart/internal/account"
)

// runSweeps deletes expired sessions, challenges, links and idle throttle
// counters every interval, until ctx ends.
func runSweeps(ctx context.Context, acct *account.Service, interval time.Duration, log *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		n, err := acct.Sweep(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			log.Error("sweeping expired rows failed", "err", err)
		case n > 0:
			log.Debug("swept expired rows", "rows", n)
		}
	}
}
