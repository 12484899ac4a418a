package server

import (
	"context"
	"log/slog"
	"time"

	"github.com/rampart/rampart/internal/throttle"
)

// every runs job each interval until ctx ends: the loop of the server's
// background jobs.
func every(ctx context.Context, interval time.Duration, job func()) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		job()
	}
}

// runSweeps deletes expired sessions, challenges, links and idle throttle
// counters every interval, until ctx ends.
func runSweeps(ctx context.Context, limiter *throttle.Limiter, interval time.Duration, log *slog.Logger) {
	every(ctx, interval, func() {
		n, err := limiter.Sweep(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			log.Error("sweeping expired rows failed", "err", err)
		case n > 0:
			log.Debug("swept expired rows", "rows", n)
		}
	})
}
