package notifier_test

import (
	"context"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/mail"
	"github.com/rampart/rampart/internal/notifier"
	"github.com/rampart/rampart/internal/store"
)

// gate is a relay that holds every message to one address until it is
// released (a relay answering slowly for one area), and reports each
// message it takes.
type gate struct {
	sink
	slow      string
	entered   chan struct{} // a message to slow is waiting at the gate
	release   chan struct{} // closed: messages to slow go through
	delivered chan string   // the recipient of each message taken
}

func newGate(slow string) *gate {
	return &gate{slow: slow, entered: make(chan struct{}, 100), release: make(chan struct{}), delivered: make(chan string, 100)}
}

func (g *gate) Send(ctx context.Context, m mail.Message) error {
	if m.To[0] == g.slow {
		g.entered <- struct{}{}
		select {
		case <-g.release:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if err := g.sink.Send(ctx, m); err != nil {
		return err
	}
	g.delivered <- m.To[0]
	return nil
}

// hangBound only keeps a broken dispatcher from hanging the test run; no
// result depends on it.
const hangBound = time.Minute

// await waits until the gate has taken n messages to addr (others are
// counted for their own addresses).
func (g *gate) await(t *testing.T, got map[string]int, addr string, n int) {
	t.Helper()
	bound := time.NewTimer(hangBound)
	defer bound.Stop()
	for got[addr] < n {
		select {
		case to := <-g.delivered:
			got[to]++
		case <-bound.C:
			t.Fatalf("%s got %d messages, want %d: held back by the slow subscriber? (all: %v)", addr, got[addr], n, got)
		}
	}
}

func (g *gate) awaitEntered(t *testing.T) {
	t.Helper()
	select {
	case <-g.entered:
	case <-time.After(hangBound):
		t.Fatal("the slow subscriber never began to send")
	}
}

func twoSubscribers(st store.Store, g *gate, log *slog.Logger) *notifier.Dispatcher {
	d := notifier.NewDispatcher(st, nil, log)
	d.Add(notifier.New(st, g, "notices.slow", addressed(core.EventOwnerAdd, "slow@example.com"), log).Types(core.EventOwnerAdd),
		notifier.New(st, g, "notices.fast", addressed(core.EventOwnerRemove, "fast@example.com"), log).Types(core.EventOwnerRemove))
	return d
}

// TestDispatcherASlowSubscriberHoldsBackOnlyItself: while one
// subscriber's send hangs (its relay answers slowly, without failing),
// another delivers the events before it and those committed later; its
// lag shows it caught up while the slow one's shows it behind. Once the
// slow send goes through, it delivers every event once, in order, and a
// restart mails nothing again.
func TestDispatcherASlowSubscriberHoldsBackOnlyItself(t *testing.T) {
	st := openStore(t)
	log := slog.New(slog.DiscardHandler)
	g := newGate("slow@example.com")
	d := twoSubscribers(st, g, log)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() { d.Run(ctx, time.Hour); close(done) }() // only wakes make it look

	appendEvents(t, st, 4) // 1, 3: owner.add (slow); 2, 4: owner.remove (fast)
	d.Wake()
	g.awaitEntered(t) // the slow one is stuck in event 1's send
	got := map[string]int{}
	g.await(t, got, "fast@example.com", 2)

	appendEvents(t, st, 2) // 5 (slow), 6 (fast): committed while the slow one hangs
	d.Wake()
	g.await(t, got, "fast@example.com", 3)
	if c := cursor(t, st, "notices.slow"); c != 0 {
		t.Errorf("the slow subscriber's cursor = %d while its first send hangs, want 0", c)
	}
	// The fast one's cursor is saved just after its send: wait for it
	// (a send is reported before its cursor moves).
	for bound := time.Now().Add(hangBound); cursor(t, st, "notices.fast") != 6; time.Sleep(time.Millisecond) {
		if time.Now().After(bound) {
			t.Fatalf("the fast subscriber's saved cursor = %d, want 6", cursor(t, st, "notices.fast"))
		}
	}
	lags, err := d.Lags(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{"notices.slow": 6, "notices.fast": 0}
	for _, l := range lags {
		if l.Behind != want[l.Name] {
			t.Errorf("lag of %s = %d events, want %d", l.Name, l.Behind, want[l.Name])
		}
	}

	close(g.release)
	g.await(t, got, "slow@example.com", 3)
	cancel()
	<-done
	if got := g.to("slow@example.com"); !slices.Equal(got, subjectsOf(1, 3, 5)) {
		t.Errorf("the slow subscriber mailed %v, want events 1, 3, 5 once each, in order", got)
	}
	if got := g.to("fast@example.com"); !slices.Equal(got, subjectsOf(2, 4, 6)) {
		t.Errorf("the fast subscriber mailed %v, want events 2, 4, 6 once each, in order", got)
	}
	// Run stopped at an event boundary: each cursor stands at least past
	// the last event its subscriber mailed.
	for key, last := range map[string]int64{"notices.slow": 5, "notices.fast": 6} {
		if c := cursor(t, st, key); c < last {
			t.Errorf("cursor %s = %d, want at least %d", key, c, last)
		}
	}

	// A restart over the same store mails nothing again.
	if err := twoSubscribers(st, g, log).Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := g.count(); n != 6 {
		t.Errorf("%d messages after a restart, want the 6 already sent", n)
	}
}

// TestDrainDoesNotWaitForASlowSubscriber: at shutdown (Drain, with its
// share of the budget) a slow subscriber does not use up the others'
// time: they deliver while its send hangs.
func TestDrainDoesNotWaitForASlowSubscriber(t *testing.T) {
	st := openStore(t)
	log := slog.New(slog.DiscardHandler)
	g := newGate("slow@example.com")
	d := twoSubscribers(st, g, log)
	appendEvents(t, st, 4)
	drained := make(chan error, 1)
	go func() { drained <- d.Drain(context.Background()) }()
	g.awaitEntered(t)
	got := map[string]int{}
	g.await(t, got, "fast@example.com", 2)
	select {
	case err := <-drained:
		t.Fatalf("Drain returned (%v) while a subscriber's send still hangs", err)
	default:
	}
	close(g.release)
	if err := <-drained; err != nil {
		t.Fatal(err)
	}
	if got := g.to("slow@example.com"); !slices.Equal(got, subjectsOf(1, 3)) {
		t.Errorf("the slow subscriber mailed %v, want events 1, 3", got)
	}
	if got := g.to("fast@example.com"); !slices.Equal(got, subjectsOf(2, 4)) {
		t.Errorf("the fast subscriber mailed %v, want events 2, 4", got)
	}
}

// TestDispatcherSurvivesAPanickingRenderer: each subscriber runs in its
// own goroutine, which no background group recovers: a renderer's panic
// fails its event like a refusing relay (kept, retried after backoff)
// instead of ending the process, and the others deliver.
func TestDispatcherSurvivesAPanickingRenderer(t *testing.T) {
	st := openStore(t)
	log := slog.New(slog.DiscardHandler)
	m := &sink{}
	d := notifier.NewDispatcher(st, nil, log)
	d.Add(notifier.New(st, m, "notices.broken", func(e *core.Event) ([]notifier.Notice, error) { panic("a renderer's bug") }, log).Types(core.EventOwnerAdd),
		notifier.New(st, m, "notices.removes", addressed(core.EventOwnerRemove, "removes@example.com"), log).Types(core.EventOwnerRemove))
	appendEvents(t, st, 4)
	if err := d.Drain(context.Background()); err == nil {
		t.Fatal("a panicking renderer reported no failure")
	}
	if got := m.to("removes@example.com"); !slices.Equal(got, subjectsOf(2, 4)) {
		t.Errorf("the other subscriber mailed %v, want events 2, 4", got)
	}
	if c := cursor(t, st, "notices.broken"); c != 0 {
		t.Errorf("the panicking subscriber's cursor moved to %d past its event 1", c)
	}
}
