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

// closeBudget is the time a stop gives Services.Close once the HTTP
// drain is over: a service manager's stop timeout (systemd's 90 s by
// default) must cover [shutdown] drain plus this.
const closeBudget = 10 * time.Second

// closeShares are the parts of the close budget each stage of
// Services.Close may take, in order, so that one stage stuck on a peer
// (a relay that hangs, a notices backlog of thousands) cannot eat the
// time of those after it, and the stop still exits 0 within the budget.
// Each share is of the time left when its stage begins; the stores get
// whatever is left. A notices drain stops at an event boundary (the event
// under way may take limits.NoticeEventGrace more, which the stores'
// share leaves room for).
var closeShares = struct{ jobs, notices float64 }{
	jobs:    0.3, // stop the background jobs and wait for them (the notices' dispatcher among them)
	notices: 0.4, // of what is left: mail what the outbox still holds
}

// stageContext is a context for a stage that may take share of the
// time ctx has left (all of it when ctx has no deadline).
func stageContext(ctx context.Context, share float64) (context.Context, context.CancelFunc) {
	deadline, ok := ctx.Deadline()
	if !ok {
		return context.WithCancel(ctx)
	}
	left := time.Until(deadline)
	return context.WithTimeout(ctx, time.Duration(float64(left)*share))
}
