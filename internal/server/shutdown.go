package server

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/rampart/rampart/internal/ops"
)

// drain stops srv: it stops accepting, lets the requests in flight finish
// for up to d, then cuts those still running (a slow download, a client
// that stopped reading) and says in the log which they were. Cutting them
// is the expected end of a drain, not a failure: the server still exits
// normally, with status 0, so that a service manager does not report a
// crash for an ordinary stop.
func drain(srv *http.Server, ops *ops.Ops, d time.Duration, log *slog.Logger) error {
	log.Info("shutting down: requests in flight may finish", "drain", d, "in_flight", ops.InFlight())
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	err := srv.Shutdown(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	cut := ops.InFlightRequests()
	log.Warn("shutdown: requests still running after the drain were cut ([shutdown] drain)",
		"drain", d, "cut", len(cut), "requests", strings.Join(cut, "; "))
	if err := srv.Close(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Warn("shutdown: closing connections", "err", err)
	}
	return nil
}
