// Package notifier mails notices from the event outbox. A change records
// its event in its own transaction (store.Events); one Dispatcher hands
// the events, in commit order, to the Notifiers (one per area, each a
// subscriber with the event types it declared and a cursor it keeps in
// the store, store.Meta, each following the outbox at its own pace, so
// that a slow or failing relay for one area holds back no other); a
// Notifier turns each event that warrants notices into mail, sends it,
// and only then moves its cursor past the event. So a crash, a restart or a relay
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
	"slices"
	"strings"
	"sync"

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

// Notifier is one subscriber of the outbox: an area's renderer, the
// event types it declared interest in (Types), and its durable cursor
// (the store.Meta key). In the server every Notifier is added to the one
// Dispatcher, which hands each event to the subscribers that want it,
// each in its own goroutine; a Notifier on its own (tests, a start and a
// stop) delivers through a private dispatcher of one.
type Notifier struct {
	store  store.Store
	mailer mail.Mailer
	render Render
	cursor string // the store.Meta key of the cursor
	types  map[string]bool
	log    *slog.Logger

	mu   sync.Mutex
	disp *Dispatcher // the dispatcher it was added to, or its own
	own  bool        // disp is its private dispatcher of one
}

// batch is how many events one read of the outbox takes.
const batch = 100

// New returns a notifier whose cursor is the store.Meta key cursorKey.
// A store without the key starts at the first event; the migration that
// introduced a cursor set it to the newest event, so that a registry's
// past is not mailed again. Types declares the event types it renders;
// until it does, it is handed every event (the server's subscribers all
// declare theirs, and a test checks them against their renderers).
func New(st store.Store, m mail.Mailer, cursorKey string, render Render, log *slog.Logger) *Notifier {
	if log == nil {
		log = slog.Default()
	}
	return &Notifier{store: st, mailer: m, render: render, cursor: cursorKey, types: map[string]bool{}, log: log}
}

// Types declares the event types n renders (its render returns nothing
// for the others; the server's tests check it) and returns n.
func (n *Notifier) Types(types ...string) *Notifier {
	for _, t := range types {
		n.types[t] = true
	}
	return n
}

// Name is the subscriber's name: its cursor's store.Meta key.
func (n *Notifier) Name() string { return n.cursor }

// wants reports whether n declared interest in events of type typ.
func (n *Notifier) wants(typ string) bool { return len(n.types) == 0 || n.types[typ] }

// Declared are the event types n declared (Types), sorted; none means
// every event.
func (n *Notifier) Declared() []string {
	out := make([]string, 0, len(n.types))
	for t := range n.types {
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}

// Render is n's renderer applied to e: what n would mail for it, were it
// handed e (a test checks each renderer against the types it declared).
func (n *Notifier) Render(e *core.Event) ([]Notice, error) { return n.render(e) }

// dispatcher is the dispatcher n delivers through: the one it was added
// to, or else its own, made on first use.
func (n *Notifier) dispatcher() *Dispatcher {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.disp == nil {
		n.disp = NewDispatcher(n.store, nil, n.log)
		n.disp.add(n)
		n.own = true
	}
	return n.disp
}

// Wake asks the dispatcher n was added to to deliver now: a service calls
// it once a change with notices has committed. It never blocks. A
// notifier on its own delivers only when Deliver is called.
func (n *Notifier) Wake() {
	n.mu.Lock()
	d, own := n.disp, n.own
	n.mu.Unlock()
	if d != nil && !own {
		d.Wake()
	}
}

// Deliver sends the notices of every event after n's cursor that n
// wants, moving the cursor past each event once its mail is sent, now,
// whatever a backoff says. It stops at the first failure to send (the
// event is tried again next time) and returns it, and at an event
// boundary once ctx ends (the event under way is finished first, within
// limits.NoticeEventGrace). Once its dispatcher has stopped (shutdown),
// it sends nothing: the outbox keeps the rest for the next start.
func (n *Notifier) Deliver(ctx context.Context) error {
	return n.dispatcher().deliverNow(ctx, n)
}

// deliver mails one event's notices and reports whether the event
// warranted any (the dispatcher then saves the cursor at once, so that a
// crash repeats the mail of at most this one event).
func (n *Notifier) deliver(ctx context.Context, e *core.Event) (bool, error) {
	notices, err := n.render(e)
	if err != nil {
		// An event this build cannot read would stop delivery for good:
		// it is logged and passed over.
		n.log.ErrorContext(ctx, "an event's notices cannot be made; it is passed over", "seq", e.Seq, "type", e.Type, "err", err)
		return false, nil
	}
	return len(notices) > 0, n.send(ctx, e, notices)
}

// send mails notices, those of the event e.
func (n *Notifier) send(ctx context.Context, e *core.Event, notices []Notice) error {
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
