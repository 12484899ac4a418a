package notifier

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/store"
)

// Dispatcher reads the event outbox once, in commit order, and hands each
// event to the subscribers (Notifiers) that declared interest in its type.
// Each subscriber keeps its own durable cursor, so
//
//   - one that fails (its relay is down, a check that reaches the
//     network fails) stops at its event and is retried with backoff
//     (limits.NoticeRetryMin doubling to limits.NoticeRetryMax), while
//     the others go on;
//   - the guarantees of a single notifier hold per subscriber: its cursor
//     moves past an event only once the event's mail is sent (at least
//     once), and is saved right after each event that warranted mail, so
//     a crash repeats the mail of at most one event (the one under way);
//     events it does not want move its cursor in memory and are saved
//     once per read;
//   - a stop ends at an event boundary: the event under way is finished
//     (within limits.NoticeEventGrace), and the rest waits in the outbox
//     for the next start.
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
	wake  chan struct{}

	// pass is held by the one pass under way (a channel, so that a wait
	// for it can end with its context: a pass may be stuck on a relay);
	// it guards subs' cursors. mu guards the list of subs.
	pass    chan struct{}
	mu      sync.Mutex
	subs    []*subscriber
	stopped atomic.Bool // Stop was called: nothing more is sent

	state sync.Mutex // guards newest and the snapshot Lags reads
	seen  map[string]int64
	// newest is the newest event seq known to exist (Lags gallops from it).
	newest int64
}

// subscriber is a notifier's place in a dispatcher.
type subscriber struct {
	n        *Notifier
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
	return &Dispatcher{store: st, now: now, log: log, wake: make(chan struct{}, 1), pass: make(chan struct{}, 1), seen: map[string]int64{}}
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
	d.subs = append(d.subs, &subscriber{n: n})
}

// Names are the subscribers' names (their cursor keys), in the order
// they were added.
func (d *Dispatcher) Names() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []string
	for _, s := range d.subs {
		out = append(out, s.n.cursor)
	}
	return out
}

// Subscribers are the notifiers added, in order.
func (d *Dispatcher) Subscribers() []*Notifier {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []*Notifier
	for _, s := range d.subs {
		out = append(out, s.n)
	}
	return out
}

// Wake asks a running dispatcher (Run) to deliver now. It never blocks.
func (d *Dispatcher) Wake() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Run delivers whenever woken and at least every interval, and retries a
// failed subscriber when its backoff ends, until ctx ends; it returns at
// an event boundary.
func (d *Dispatcher) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTimer(interval)
	defer t.Stop()
	for {
		for {
			more, err := d.runPass(ctx, nil, false)
			if err != nil && ctx.Err() == nil {
				d.log.ErrorContext(ctx, "mailing notices from the outbox failed; retrying later", "err", err)
			}
			if !more || err != nil {
				break
			}
		}
		wait := interval
		if r := d.nextRetry(); r > 0 && r < wait {
			wait = r
		}
		t.Reset(wait)
		select {
		case <-ctx.Done():
			return
		case <-d.wake:
		case <-t.C:
		}
	}
}

// Drain delivers what the outbox holds for every subscriber not backing
// off, until it is caught up or ctx ends (then at an event boundary). The
// server's shutdown gives it its share of the stop's budget.
func (d *Dispatcher) Drain(ctx context.Context) error {
	for ctx.Err() == nil {
		more, err := d.runPass(ctx, nil, false)
		if err != nil || !more {
			return err
		}
	}
	return nil
}

// Stop ends delivery for good: a pass under way stops at its event
// boundary, and later ones (Run, Drain, a notifier's Deliver) send
// nothing. What is left stays in the outbox for the next start.
func (d *Dispatcher) Stop() { d.stopped.Store(true) }

// deliverNow delivers n's events now, ignoring its backoff, and returns
// its first failure.
func (d *Dispatcher) deliverNow(ctx context.Context, n *Notifier) error {
	for ctx.Err() == nil {
		more, err := d.runPass(ctx, n, true)
		if err != nil || !more {
			return err
		}
	}
	return nil
}

// nextRetry is how long until the earliest backoff ends (0: none).
func (d *Dispatcher) nextRetry() time.Duration {
	select {
	case d.pass <- struct{}{}:
	default:
		return 0 // a pass is under way (Drain, Deliver): nothing to wait for
	}
	defer func() { <-d.pass }()
	d.mu.Lock()
	subs := slices.Clone(d.subs)
	d.mu.Unlock()
	now := d.now()
	var next time.Duration
	for _, s := range subs {
		if s.failures == 0 {
			continue
		}
		w := max(s.retryAt.Sub(now), time.Millisecond)
		if next == 0 || w < next {
			next = w
		}
	}
	return next
}

// runPass reads one batch of events after the lowest cursor among the
// subscribers it serves (only, or every one not backing off unless
// force) and hands each event to them in order. more says another batch
// may be waiting. A failed send stops that subscriber (its error is
// returned, joined with the others'); a store error stops the pass.
func (d *Dispatcher) runPass(ctx context.Context, only *Notifier, force bool) (more bool, err error) {
	if d.stopped.Load() {
		return false, nil // not even waiting for a pass stuck on a relay
	}
	select {
	case d.pass <- struct{}{}:
	case <-ctx.Done():
		return false, nil // a pass stuck on a relay holds it: a stop does not wait
	}
	defer func() { <-d.pass }()
	if d.stopped.Load() || ctx.Err() != nil {
		return false, nil
	}
	d.mu.Lock()
	subs := slices.Clone(d.subs)
	d.mu.Unlock()
	now := d.now()
	var active []*subscriber
	for _, s := range subs {
		if (only == nil || s.n == only) && (force || !s.retryAt.After(now)) {
			active = append(active, s)
		}
	}
	if len(active) == 0 {
		return false, nil
	}
	var events []core.Event
	if err := d.store.View(ctx, func(tx store.Tx) error {
		// The saved cursors are read at each pass: another deliverer on
		// the same cursor (a notifier's own Deliver in a test, a former
		// instance) may have moved one on. Ahead in memory means events
		// that warranted no mail, not saved yet.
		for _, s := range active {
			c, err := readCursor(tx, s.n.cursor)
			if err != nil {
				return err
			}
			s.cursor = max(s.cursor, c)
		}
		from := active[0].cursor
		for _, s := range active[1:] {
			from = min(from, s.cursor)
		}
		var err error
		events, err = tx.EventsAfter(from, batch)
		return err
	}); err != nil {
		return false, err
	}
	if len(events) > 0 {
		d.noteNewest(events[len(events)-1].Seq)
	}
	var failed []error
	defer func() {
		// Cursors moved past events that warranted no mail are saved once
		// per pass; failing to save them only repeats that skipping.
		if serr := d.save(ctx, subs, false); serr != nil && err == nil {
			err = serr
		}
		d.snapshot(subs)
	}()
	for i := range events {
		e := &events[i]
		if d.stopped.Load() || ctx.Err() != nil {
			return false, errors.Join(failed...) // an event boundary
		}
		for _, s := range active {
			if s == nil || e.Seq <= s.cursor {
				continue
			}
			if !s.n.wants(e.Type) {
				s.cursor, s.dirty = e.Seq, true
				continue
			}
			mailed, err := d.deliverOne(ctx, s.n, e)
			if err != nil {
				s.failures++
				s.retryAt = now.Add(backoff(s.failures))
				failed = append(failed, fmt.Errorf("%s: %w", s.n.cursor, err))
				d.log.WarnContext(ctx, "a notifier failed; it retries later, the others go on",
					"subscriber", s.n.cursor, "seq", e.Seq, "failures", s.failures, "retry_in", backoff(s.failures), "err", err)
				active[slices.Index(active, s)] = nil
				continue
			}
			s.cursor, s.dirty = e.Seq, true
			if mailed {
				s.failures, s.retryAt = 0, time.Time{}
				if err := d.save(ctx, []*subscriber{s}, true); err != nil {
					return false, err
				}
			}
		}
	}
	left := 0
	for _, s := range active {
		if s != nil {
			left++
		}
	}
	return len(events) == batch && left > 0, errors.Join(failed...)
}

// deliverOne mails e's notices for n. The event under way is finished
// even if ctx ends meanwhile (a stop), within limits.NoticeEventGrace, so
// that a stop repeats no mail at the next start.
func (d *Dispatcher) deliverOne(ctx context.Context, n *Notifier, e *core.Event) (bool, error) {
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

// save writes the cursors of subs that moved, in one transaction. It
// runs even when ctx has ended (a stop saves where it got to).
func (d *Dispatcher) save(ctx context.Context, subs []*subscriber, mailed bool) error {
	var moved []*subscriber
	for _, s := range subs {
		if s != nil && s.dirty {
			moved = append(moved, s)
		}
	}
	if len(moved) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), limits.NoticeEventGrace)
	defer cancel()
	err := d.store.Update(ctx, func(tx store.Tx) error {
		for _, s := range moved {
			if err := tx.SetMeta(s.n.cursor, strconv.FormatInt(s.cursor, 10)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		if mailed {
			return fmt.Errorf("saving the notifier cursor after mailing: %w", err)
		}
		return err
	}
	for _, s := range moved {
		s.dirty = false
	}
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
