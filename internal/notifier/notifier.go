// Package notifier mails notices from the event outbox. A change records
// its event in its own transaction (store.Events); a Notifier follows the
// events in commit order from a cursor it keeps in the store (store.Meta),
// turns each event that warrants notices into mail, sends it, and only
// then moves the cursor past the event. So a crash, a restart or a relay
// that fails between the commit and the send delays a notice but does
// not lose it (at-least-once), and since the cursor moves per event, a
// failure repeats at most the mail of one event.
//
// Everything a notice says, and whom it goes to, comes from the event
// (its personal part holds what may change later: the recipients at the
// time of the change, the actor's address and token) and from the store
// at delivery (the recipients' current verified addresses).
//
// Mail that carries a secret (verification and reset links, web
// one-time codes, recovery links) does not go through here: the event
// log keeps its events forever and a transparency log reads it, so a
// secret must never be written into it, not even into the personal part.
// Those mails are sent by their services right after the commit, as
// before; a lost one is asked for again by its user.
package notifier

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/mail"
	"github.com/rampart/rampart/internal/store"
)

// Notice is one notice an event warrants.
type Notice struct {
	Kind   string   // a mail.Kind*
	Notify []string // the users to mail, by name; each with a verified address gets one message
	// To are addresses to mail as they are, one message each: those the
	// event recorded as the account's verified ones at the time of the
	// change (an account notice goes to the address the account had
	// then, such as the old one of a change of address). Notice.User
	// names the account in them.
	To []string
	// Check, if set, picks from To at delivery those that may still be
	// mailed (a check that reaches the network, such as whether an
	// address's domain was abandoned, runs neither in the change's
	// transaction nor in Render).
	Check  func(ctx context.Context, to []string) []string
	Notice mail.Notice // what it says; User is filled per recipient of Notify
}

// Render returns the notices an event warrants: none for most events.
// It must depend only on the event, so that a retry mails the same.
type Render func(e *core.Event) ([]Notice, error)

// Notifier delivers the notices of the events after its cursor.
type Notifier struct {
	store  store.Store
	mailer mail.Mailer
	render Render
	cursor string // the store.Meta key of the cursor
	log    *slog.Logger
	wake   chan struct{}
	mu     sync.Mutex // one delivery at a time in this process
}

// batch is how many events one read of the outbox takes.
const batch = 100

// New returns a notifier whose cursor is the store.Meta key cursorKey.
// A store without the key starts at the first event; the migration that
// introduced a cursor set it to the newest event, so that a registry's
// past is not mailed again.
func New(st store.Store, m mail.Mailer, cursorKey string, render Render, log *slog.Logger) *Notifier {
	if log == nil {
		log = slog.Default()
	}
	return &Notifier{store: st, mailer: m, render: render, cursor: cursorKey, log: log, wake: make(chan struct{}, 1)}
}

// Wake asks a running notifier (Run) to deliver now: a service calls it
// once a change with notices has committed. It never blocks.
func (n *Notifier) Wake() {
	select {
	case n.wake <- struct{}{}:
	default:
	}
}

// Run delivers whenever woken and at least every interval (which also
// retries after a failure), until ctx ends.
func (n *Notifier) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if err := n.Deliver(ctx); err != nil && ctx.Err() == nil {
			n.log.ErrorContext(ctx, "mailing notices from the outbox failed; retrying later", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-n.wake:
		case <-t.C:
		}
	}
}

// Deliver sends the notices of every event after the cursor, moving the
// cursor past each event once its mail is sent. It stops at the first
// failure to send (the event is tried again next time) and returns it.
func (n *Notifier) Deliver(ctx context.Context) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	for {
		var after int64
		var events []core.Event
		err := n.store.View(ctx, func(tx store.Tx) error {
			v, err := tx.GetMeta(n.cursor)
			switch {
			case errors.Is(err, core.ErrNotFound):
			case err != nil:
				return err
			default:
				if after, err = strconv.ParseInt(v, 10, 64); err != nil {
					return fmt.Errorf("notifier cursor %s = %q: %w", n.cursor, v, err)
				}
			}
			events, err = tx.EventsAfter(after, batch)
			return err
		})
		if err != nil || len(events) == 0 {
			return err
		}
		for i := range events {
			if err := n.deliver(ctx, &events[i]); err != nil {
				return err
			}
			seq := events[i].Seq
			if err := n.store.Update(ctx, func(tx store.Tx) error {
				return tx.SetMeta(n.cursor, strconv.FormatInt(seq, 10))
			}); err != nil {
				return err
			}
		}
	}
}

// deliver mails one event's notices.
func (n *Notifier) deliver(ctx context.Context, e *core.Event) error {
	notices, err := n.render(e)
	if err != nil {
		// An event this build cannot read would stop delivery for good:
		// it is logged and passed over.
		n.log.ErrorContext(ctx, "an event's notices cannot be made; it is passed over", "seq", e.Seq, "type", e.Type, "err", err)
		return nil
	}
	for _, nt := range notices {
		sent := map[string]bool{}
		to := nt.To
		if nt.Check != nil && len(to) > 0 {
			to = nt.Check(ctx, to)
		}
		for _, to := range to {
			if to == "" || sent[strings.ToLower(to)] {
				continue
			}
			sent[strings.ToLower(to)] = true
			if err := mail.SendNotice(ctx, n.mailer, nt.Kind, to, nt.Notice); err != nil {
				return fmt.Errorf("event %d (%s) to %s: %w", e.Seq, e.Type, nt.Notice.User, err)
			}
		}
		seen := map[string]bool{}
		for _, name := range nt.Notify {
			if seen[name] {
				continue
			}
			seen[name] = true
			var u *core.User
			err := n.store.View(ctx, func(tx store.Tx) error {
				var err error
				u, err = tx.UserByName(name)
				return err
			})
			if errors.Is(err, core.ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			if !u.EmailVerified || u.Email == "" {
				continue // notices go to verified addresses only
			}
			msg := nt.Notice
			msg.User = u.Name
			if err := mail.SendNotice(ctx, n.mailer, nt.Kind, u.Email, msg); err != nil {
				return fmt.Errorf("event %d (%s) to %s: %w", e.Seq, e.Type, u.Name, err)
			}
		}
	}
	return nil
}
