package notifier

import (
	"context"

	"github.com/rampart/rampart/internal/store"
)

// Lag is how far one subscriber is behind the outbox.
type Lag struct {
	Name   string // the subscriber's cursor key
	Cursor int64  // the last event it handled
	Behind int64  // events after its cursor (0: caught up)
}

// noteNewest records that an event seq exists.
func (d *Dispatcher) noteNewest(seq int64) {
	d.state.Lock()
	d.newest = max(d.newest, seq)
	d.state.Unlock()
}

// snapshot copies s's cursor for Lags, which must not wait for a pass
// (one may be stuck on a slow relay); a pass calls it after each event,
// so a slow subscriber's lag shows how far it really got.
func (d *Dispatcher) snapshot(s *subscriber) {
	d.state.Lock()
	defer d.state.Unlock()
	d.seen[s.n.cursor] = s.cursor
}

// Lags reports each subscriber's cursor and how many events it has yet
// to handle. The newest event is found from the newest one known with a
// few indexed reads (the event sequence has no holes: store.Events), so
// it costs one read when nothing new came. Before the first pass a
// subscriber's cursor is read from the store.
func (d *Dispatcher) Lags(ctx context.Context) ([]Lag, error) {
	d.state.Lock()
	known := d.newest
	seen := make(map[string]int64, len(d.seen))
	for k, v := range d.seen {
		seen[k] = v
	}
	d.state.Unlock()
	names := d.Names()
	var out []Lag
	err := d.store.View(ctx, func(tx store.Tx) error {
		newest, err := newestSeq(tx, known)
		if err != nil {
			return err
		}
		d.noteNewest(newest)
		for _, name := range names {
			c, ok := seen[name]
			if !ok {
				if c, err = readCursor(tx, name); err != nil {
					return err
				}
			}
			out = append(out, Lag{Name: name, Cursor: c, Behind: max(0, newest-c)})
		}
		return nil
	})
	return out, err
}

// newestSeq is the newest event's seq, searched upwards from known (an
// event known to exist, or 0): it doubles a step while events exist past
// it, then halves back.
func newestSeq(tx store.Events, known int64) (int64, error) {
	exists := func(seq int64) (bool, error) {
		evs, err := tx.EventsAfter(seq-1, 1)
		return len(evs) > 0 && evs[0].Seq == seq, err
	}
	lo := known // exists, or 0
	step := int64(1)
	for {
		ok, err := exists(lo + step)
		if err != nil {
			return 0, err
		}
		if !ok {
			break
		}
		lo += step
		step *= 2
	}
	// lo exists (or is 0) and lo+step does not: search between them.
	for step > 1 {
		step /= 2
		ok, err := exists(lo + step)
		if err != nil {
			return 0, err
		}
		if ok {
			lo += step
		}
	}
	return lo, nil
}
