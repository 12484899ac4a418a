package notifier

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/store"
)

// Dispatcher hands the events of the outbox, in commit order, to the
// subscribers (Notifiers) that declared interest in their types. Each
// subscriber follows the outbox on its own: its own durable cursor, its
// own reads from it, its own goroutine under Run, so that
//
//   - one that is slow (a relay answering in 30 s per message for one
//     area) or fails (its relay is down, a check that reaches the network
//     fails) holds back only its own mail: the others deliver the events
//     after it at their own pace. A failed one stops at its event and is
//     retried with backoff (limits.NoticeRetryMin doubling to
//     limits.NoticeRetryMax);
//   - the guarantees of a single notifier hold per subscriber: its cursor
//     moves past an event only once the event's mail is sent (at least
//     once), and is saved right after each event that warranted mail, so
//     a crash repeats the mail of at most one event (the one under way);
//     events it does not want move its cursor in memory and are saved
//     once per read; one subscriber is never run twice at once (its
//     turn), so no event is mailed twice by one process;
//   - a stop ends each subscriber at an event boundary: the event under
//     way is finished (within limits.NoticeEventGrace), and the rest
//     waits in the outbox for the next start.
//
// The price of the independence is one read of the outbox per subscriber
// instead of one in all: a few indexed reads of at most batch events
// each, when woken by a commit or every interval.
//
// Why the transparency log's sequencer is not a subscriber: its cursor is
// the log's own size (leaf i is event i+1, checked at start), it must
// append every event with no type filter, never skip one whose render
// fails, and batches appends for Tessera; a cursor in store.Meta beside
// the log could disagree with it after a crash.
type Dispatcher struct {
	store store.Store
	now   func() time.Time
	log   *slog.Logger

	mu      sync.Mutex // guards the list of subs
	subs    []*subscriber
	stopped atomic.Bool // Stop was called: nothing more is sent

	state sync.Mutex // guards newest and the cursors Lags reads
	seen  map[string]int64
	// newest is the newest event seq known to exist (Lags gallops from it).
	newest int64
}

// subscriber is a notifier's place in a dispatcher.
type subscriber struct {
	n    *Notifier
	wake chan struct{} // a commit asks it to look (capacity 1: wakes merge)
	// turn is held by the one pass under way for this subscriber (a
	// channel, so that a wait for it can end with its context: a pass may
	// be stuck on a relay); it guards the fields below.
	turn     chan struct{}
	cursor   int64 // the last event handled; saved to store.Meta
	dirty    bool  // cursor moved past events that warranted no mail, not yet saved
	failures int   // consecutive failed sends
	retryAt  time.Time
}

// NewDispatcher returns a dispatcher over the outbox of st. now is the
// clock the backoff reads (time.Now when nil).
func NewDispatcher(st store.Store, now func() time.Time, log *slog.Logger) *Dispatcher {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.Default()
	}
	return &Dispatcher{store: st, now: now, log: log, seen: map[string]int64{}}
}

// Add registers notifiers as subscribers, before Run. From then on their
// Wake wakes d and their Deliver goes through d. A name (cursor key)
// given twice panics: two subscribers on one cursor would mail twice.
func (d *Dispatcher) Add(ns ...*Notifier) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, n := range ns {
		if n == nil {
			continue
		}
		d.add(n)
		n.mu.Lock()
		n.disp, n.own = d, false
		n.mu.Unlock()
	}
}

func (d *Dispatcher) add(n *Notifier) {
	for _, s := range d.subs {
		if s.n.cursor == n.cursor {
			panic("notifier: two subscribers on the cursor " + n.cursor)
		}
	}
	d.subs = append(d.subs, &subscriber{n: n, wake: make(chan struct{}, 1), turn: make(chan struct{}, 1)})
}

// subscribers is a copy of the list of subs.
func (d *Dispatcher) subscribers() []*subscriber {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.subs)
}

// Names are the subscribers' names (their cursor keys), in the order
// they were added.
func (d *Dispatcher) Names() []string {
	var out []string
	for _, s := range d.subscribers() {
		out = append(out, s.n.cursor)
	}
	return out
}

// Subscribers are the notifiers added, in order.
func (d *Dispatcher) Subscribers() []*Notifier {
	var out []*Notifier
	for _, s := range d.subscribers() {
		out = append(out, s.n)
	}
	return out
}

// Wake asks a running dispatcher (Run) to deliver now: every subscriber
// looks at the outbox. It never blocks.
func (d *Dispatcher) Wake() {
	for _, s := range d.subscribers() {
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
}

// Run delivers until ctx ends: each subscriber in its own goroutine,
// whenever woken and at least every interval, and a failed one again
// when its backoff ends. It returns once every subscriber has stopped at
// an event boundary.
func (d *Dispatcher) Run(ctx context.Context, interval time.Duration) {
	var wg sync.WaitGroup
	for _, s := range d.subscribers() {
		wg.Go(func() { d.follow(ctx, s, interval) })
	}
	wg.Wait()
}

// follow is one subscriber's loop under Run.
func (d *Dispatcher) follow(ctx context.Context, s *subscriber, interval time.Duration) {
	t := time.NewTimer(interval)
	defer t.Stop()
	for {
		for {
			more, err := d.pass(ctx, s, false)
			if err != nil && ctx.Err() == nil && !errors.Is(err, errSendFailed) {
				d.log.ErrorContext(ctx, "mailing notices from the outbox failed; retrying later", "subscriber", s.n.cursor, "err", err)
			}
			if !more || err != nil {
				break
			}
		}
		wait := interval
		if r := d.retryIn(s); r > 0 && r < wait {
			wait = r
		}
		t.Reset(wait)
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
		case <-t.C:
		}
	}
}

// Drain delivers what the outbox holds for every subscriber not backing
// off, each at its own pace, until each is caught up or ctx ends (then
// at an event boundary); it returns the subscribers' failures, joined.
// The server's shutdown gives it its share of the stop's budget.
func (d *Dispatcher) Drain(ctx context.Context) error {
	subs := d.subscribers()
	errs := make([]error, len(subs))
	var wg sync.WaitGroup
	for i, s := range subs {
		wg.Go(func() { errs[i] = d.catchUp(ctx, s, false) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// catchUp runs passes for s until it is caught up, fails, or ctx ends.
func (d *Dispatcher) catchUp(ctx context.Context, s *subscriber, force bool) error {
	for ctx.Err() == nil {
		more, err := d.pass(ctx, s, force)
		if err != nil || !more {
			return err
		}
	}
	return nil
}

// Stop ends delivery for good: each pass under way stops at its event
// boundary, and later ones (Run, Drain, a notifier's Deliver) send
// nothing. What is left stays in the outbox for the next start.
func (d *Dispatcher) Stop() { d.stopped.Store(true) }

// deliverNow delivers n's events now, ignoring its backoff, and returns
// its first failure.
func (d *Dispatcher) deliverNow(ctx context.Context, n *Notifier) error {
	for _, s := range d.subscribers() {
		if s.n == n {
			return d.catchUp(ctx, s, true)
		}
	}
	return nil
}

// retryIn is how long until s's backoff ends (0: it is not backing off,
// or a pass of it is under way).
func (d *Dispatcher) retryIn(s *subscriber) time.Duration {
	select {
	case s.turn <- struct{}{}:
	default:
		return 0 // a pass is under way (Drain, Deliver): nothing to wait for
	}
	defer func() { <-s.turn }()
	if s.failures == 0 {
		return 0
	}
	return max(s.retryAt.Sub(d.now()), time.Millisecond)
}

// errSendFailed marks a subscriber's failure to mail (already logged
// with its backoff), as opposed to a store error.
var errSendFailed = errors.New("notices not sent")

// pass reads one batch of events after s's cursor and hands each that s
// wants to it, in order; more says another batch may be waiting. Unless
// force, a subscriber backing off is left alone. A failed send stops s
// and starts its backoff; a store error stops the pass.
func (d *Dispatcher) pass(ctx context.Context, s *subscriber, force bool) (more bool, err error) {
	if d.stopped.Load() {
		return false, nil // not even waiting for a pass stuck on a relay
	}
	select {
	case s.turn <- struct{}{}:
	case <-ctx.Done():
		return false, nil // a pass stuck on a relay holds it: a stop does not wait
	}
	defer func() { <-s.turn }()
	if d.stopped.Load() || ctx.Err() != nil || (!force && s.retryAt.After(d.now())) {
		return false, nil
	}
	var events []core.Event
	if err := d.store.View(ctx, func(tx store.Tx) error {
		// The saved cursor is read at each pass: another deliverer on the
		// same cursor (a notifier's own Deliver in a test, a former
		// instance) may have moved it on. Ahead in memory means events
		// that warranted no mail, not saved yet.
		c, err := readCursor(tx, s.n.cursor)
		if err != nil {
			return err
		}
		s.cursor = max(s.cursor, c)
		events, err = tx.EventsAfter(s.cursor, batch)
		return err
	}); err != nil {
		return false, err
	}
	if len(events) > 0 {
		d.noteNewest(events[len(events)-1].Seq)
	}
	defer func() {
		// A cursor moved past events that warranted no mail is saved once
		// per pass; failing to save it only repeats that skipping.
		if serr := d.save(ctx, s, false); serr != nil && err == nil {
			err = serr
		}
		d.snapshot(s)
	}()
	for i := range events {
		e := &events[i]
		if d.stopped.Load() || ctx.Err() != nil {
			return false, nil // an event boundary
		}
		if e.Seq <= s.cursor {
			continue
		}
		if !s.n.wants(e.Type) {
			s.cursor, s.dirty = e.Seq, true
			continue
		}
		mailed, err := d.deliverOne(ctx, s.n, e)
		if err != nil {
			s.failures++
			wait := backoff(s.failures)
			s.retryAt = d.now().Add(wait)
			d.log.WarnContext(ctx, "a notifier failed; it retries later, the others go on",
				"subscriber", s.n.cursor, "seq", e.Seq, "failures", s.failures, "retry_in", wait, "err", err)
			return false, fmt.Errorf("%w: %s: %w", errSendFailed, s.n.cursor, err)
		}
		s.cursor, s.dirty = e.Seq, true
		d.snapshot(s)
		if mailed {
			s.failures, s.retryAt = 0, time.Time{}
			if err := d.save(ctx, s, true); err != nil {
				return false, err
			}
		}
	}
	return len(events) == batch, nil
}

// deliverOne mails e's notices for n. The event under way is finished
// even if ctx ends meanwhile (a stop), within limits.NoticeEventGrace, so
// that a stop repeats no mail at the next start. A panic (a renderer's
// bug) fails the event like a relay would, with the subscriber's backoff:
// it runs in the subscriber's own goroutine, which no group recovers.
func (d *Dispatcher) deliverOne(ctx context.Context, n *Notifier, e *core.Event) (mailed bool, err error) {
	defer func() {
		if r := recover(); r != nil {
			d.log.ErrorContext(ctx, "mailing an event's notices panicked", "subscriber", n.cursor, "seq", e.Seq, "type", e.Type, "panic", r, "stack", string(debug.Stack()))
			mailed, err = false, fmt.Errorf("event %d (%s): panic: %v", e.Seq, e.Type, r)
		}
	}()
	sendCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	// Once ctx ends, the event has the grace left; a late timer only
	// cancels a context already done with.
	stop := context.AfterFunc(ctx, func() { time.AfterFunc(limits.NoticeEventGrace, cancel) })
	defer stop()
	return n.deliver(sendCtx, e)
}

// readCursor is the cursor saved under key, 0 when there is none.
func readCursor(tx store.Meta, key string) (int64, error) {
	v, err := tx.GetMeta(key)
	switch {
	case errors.Is(err, core.ErrNotFound):
		return 0, nil
	case err != nil:
		return 0, err
	}
	c, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("notifier cursor %s = %q: %w", key, v, err)
	}
	return c, nil
}

// save writes s's cursor if it moved. It runs even when ctx has ended
// (a stop saves where it got to).
func (d *Dispatcher) save(ctx context.Context, s *subscriber, mailed bool) error {
	if !s.dirty {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), limits.NoticeEventGrace)
	defer cancel()
	err := d.store.Update(ctx, func(tx store.Tx) error {
		return tx.SetMeta(s.n.cursor, strconv.FormatInt(s.cursor, 10))
	})
	if err != nil {
		if mailed {
			return fmt.Errorf("saving the notifier cursor after mailing: %w", err)
		}
		return err
	}
	s.dirty = false
	return nil
}

// backoff is how long a subscriber that failed failures times in a row
// waits before its next try.
func backoff(failures int) time.Duration {
	b := limits.NoticeRetryMin
	for i := 1; i < failures && b < limits.NoticeRetryMax; i++ {
		b *= 2
	}
	return min(b, limits.NoticeRetryMax)
}
