// Package background runs the server's work that no request waits for:
// the periodic jobs (sweeps, download flushing, domain re-checks, the
// critical-package computation) and the tasks a change starts once it has
// committed (mailing its notices). One Group holds them all, so that
//
//   - their number is bounded (limits.MaxBackgroundTasks): a relay that
//     hangs or a flood of changes cannot pile up goroutines without end;
//     past the bound a task is refused and logged, and the caller's
//     change stays committed (its event is the record);
//   - a panic in one task is recovered and logged with the task's name,
//     instead of ending the process and every request in flight;
//   - shutdown can wait for them (Wait), up to its deadline, so that mail
//     under way and buffered counts are not lost on an ordinary stop.
//
// Domain packages start no goroutine of their own (internal/archtest
// checks it): they are given a Group.
package background

import (
	"context"
	"log/slog"
	"runtime/debug"
	"sync"
)

// Group is a bounded set of named tasks. The zero value is not usable;
// call New.
type Group struct {
	log   *slog.Logger
	slots chan struct{}
	wg    sync.WaitGroup

	mu      sync.Mutex
	running map[string]int // tasks under way, by name, for Wait's log line
	stopped bool

	ctx  context.Context // cancelled by Stop: the periodic jobs run under it
	stop context.CancelFunc
}

// New returns a group that runs at most limit tasks at once.
func New(limit int, log *slog.Logger) *Group {
	if limit < 1 {
		limit = 1
	}
	if log == nil {
		log = slog.Default()
	}
	ctx, stop := context.WithCancel(context.Background())
	return &Group{log: log, slots: make(chan struct{}, limit), running: map[string]int{}, ctx: ctx, stop: stop}
}

// Context is cancelled by Stop. A periodic job runs under it, so that it
// ends when the server stops.
func (g *Group) Context() context.Context { return g.ctx }

// Go runs f(ctx) as the task name if a slot is free, and reports whether
// it did. It never waits: a caller that has committed a change must not
// be held up by work that follows it. A refused task is logged. After
// Stop every task is refused.
//
// ctx is what f gets: an after-commit task passes
// context.WithoutCancel(requestCtx), so that it outlives the request but
// keeps its values; a periodic job passes Context().
func (g *Group) Go(ctx context.Context, name string, f func(context.Context)) bool {
	g.mu.Lock()
	if g.stopped {
		g.mu.Unlock()
		g.log.WarnContext(ctx, "background task refused: the server is stopping", "task", name)
		return false
	}
	select {
	case g.slots <- struct{}{}:
	default:
		g.mu.Unlock()
		g.log.WarnContext(ctx, "background task refused: too many under way (is the mail relay answering?)", "task", name, "limit", cap(g.slots))
		return false
	}
	g.running[name]++
	g.wg.Add(1)
	g.mu.Unlock()
	go func() {
		defer func() {
			if r := recover(); r != nil {
				g.log.ErrorContext(ctx, "background task panicked", "task", name, "panic", r, "stack", string(debug.Stack()))
			}
			g.mu.Lock()
			if g.running[name]--; g.running[name] == 0 {
				delete(g.running, name)
			}
			g.mu.Unlock()
			<-g.slots
			g.wg.Done()
		}()
		f(ctx)
	}()
	return true
}

// Stop refuses new tasks and cancels Context, which ends the periodic
// jobs. Tasks under way keep running; Wait waits for them.
func (g *Group) Stop() {
	g.mu.Lock()
	g.stopped = true
	g.mu.Unlock()
	g.stop()
}

// Wait waits until no task is running, or until ctx ends; then it logs the
// tasks it gave up on and returns ctx's error.
func (g *Group) Wait(ctx context.Context) error {
	done := make(chan struct{})
	go func() {
		g.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		g.mu.Lock()
		left := make(map[string]int, len(g.running))
		for name, n := range g.running {
			left[name] = n
		}
		g.mu.Unlock()
		g.log.WarnContext(ctx, "stopped waiting for background tasks still under way; mail among them may not go out", "tasks", left, "err", context.Cause(ctx))
		return context.Cause(ctx)
	}
}
