package notifier_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/mail"
	"github.com/rampart/rampart/internal/notifier"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/sqlite"
	"github.com/rampart/rampart/internal/testclock"
)

// sink is a mailer that records what it is given, per recipient, and
// refuses mail to the addresses in down.
type sink struct {
	mu   sync.Mutex
	got  []mail.Message
	down map[string]bool
	// stop, if set, is called after each message is taken (a stop asked
	// for while an event is under way).
	stop func()
}

func (s *sink) Send(_ context.Context, m mail.Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.down[m.To[0]] {
		return errors.New("relay refuses " + m.To[0])
	}
	s.got = append(s.got, m)
	if s.stop != nil {
		s.stop()
	}
	return nil
}

func (s *sink) setDown(addr string, down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.down == nil {
		s.down = map[string]bool{}
	}
	s.down[addr] = down
}

// to are the subjects mailed to addr, in order.
func (s *sink) to(addr string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, m := range s.got {
		if m.To[0] == addr {
			out = append(out, m.Subject)
		}
	}
	return out
}

func (s *sink) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.got)
}

// addressed renders events of typ as one notice to the address in the
// event's Package field ("<addr>") saying its seq: each subscriber in
// these tests has its own address, so a relay can fail for one alone.
func addressed(typ, to string) notifier.Render {
	return func(e *core.Event) ([]notifier.Notice, error) {
		if e.Type != typ {
			return nil, nil
		}
		return []notifier.Notice{{Kind: mail.KindOwnerAdded, To: []string{to}, Notice: mail.Notice{
			When: e.At, Package: "pkg-" + strconv.FormatInt(e.Seq, 10), Actor: "alice", Owner: "bob",
			PackageURL: "https://registry.example/package/x", SecurityURL: "https://registry.example/account",
		}}}, nil
	}
}

func openStore(t *testing.T) store.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "metadata.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// appendEvents appends n events, alternating owner.add and owner.remove.
func appendEvents(t *testing.T, st store.Store, n int) {
	t.Helper()
	err := st.Update(context.Background(), func(tx store.Tx) error {
		for i := range n {
			var e *core.Event
			if i%2 == 0 {
				e = event.OwnerAdd{User: "bob", Via: "x"}.At(t0, "alice", "left-pad", "")
			} else {
				e = event.OwnerRemove{User: "bob", Via: "x"}.At(t0, "alice", "left-pad", "")
			}
			if err := tx.AppendEvent(e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func cursor(t *testing.T, st store.Store, key string) int64 {
	t.Helper()
	var v string
	err := st.View(context.Background(), func(tx store.Tx) error {
		var err error
		v, err = tx.GetMeta(key)
		return err
	})
	if errors.Is(err, core.ErrNotFound) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	c, _ := strconv.ParseInt(v, 10, 64)
	return c
}

// subjectOf is the subject an addressed notice of event seq has.
func subjectsOf(seqs ...int) []string {
	var out []string
	for _, s := range seqs {
		out = append(out, fmt.Sprintf("bob is now an owner of pkg-%d on Rampart", s))
	}
	return out
}

// TestDispatcherHandsEachEventToItsSubscribersInOrder: each subscriber
// gets exactly the events of the types it declared, in commit order,
// across more than one read of the outbox, and each cursor ends at the
// newest event (events it did not want move it too).
func TestDispatcherHandsEachEventToItsSubscribersInOrder(t *testing.T) {
	st := openStore(t)
	m := &sink{}
	log := slog.New(slog.DiscardHandler)
	adds := notifier.New(st, m, "notices.adds", addressed(core.EventOwnerAdd, "adds@example.com"), log).Types(core.EventOwnerAdd)
	removes := notifier.New(st, m, "notices.removes", addressed(core.EventOwnerRemove, "removes@example.com"), log).Types(core.EventOwnerRemove)
	d := notifier.NewDispatcher(st, nil, log)
	d.Add(adds, removes)
	const n = 250 // more than one batch
	appendEvents(t, st, n)
	if err := d.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	var odd, even []int
	for seq := 1; seq <= n; seq++ {
		if seq%2 == 1 {
			odd = append(odd, seq)
		} else {
			even = append(even, seq)
		}
	}
	if got := m.to("adds@example.com"); !slices.Equal(got, subjectsOf(odd...)) {
		t.Errorf("owner.add subscriber got %d notices (first %v), want the %d owner.add events in order", len(got), got[:min(3, len(got))], len(odd))
	}
	if got := m.to("removes@example.com"); !slices.Equal(got, subjectsOf(even...)) {
		t.Errorf("owner.remove subscriber got %d notices, want the %d owner.remove events in order", len(got), len(even))
	}
	for _, key := range []string{"notices.adds", "notices.removes"} {
		if c := cursor(t, st, key); c != n {
			t.Errorf("cursor %s = %d, want %d", key, c, n)
		}
	}
	lags, err := d.Lags(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range lags {
		if l.Behind != 0 || l.Cursor != n {
			t.Errorf("lag %+v, want caught up at %d", l, n)
		}
	}
}

// TestDispatcherIsolatesAFailingSubscriber: while one subscriber's relay
// refuses, the others go on; the failing one keeps its cursor at its
// first unsent event, backs off (a wake does not retry it before its
// time), and once the relay is back and its backoff over it mails every
// event it missed, once, in order. The lag metric shows it behind.
func TestDispatcherIsolatesAFailingSubscriber(t *testing.T) {
	st := openStore(t)
	m := &sink{}
	m.setDown("adds@example.com", true)
	clock := testclock.New(t0)
	log := slog.New(slog.DiscardHandler)
	adds := notifier.New(st, m, "notices.adds", addressed(core.EventOwnerAdd, "adds@example.com"), log).Types(core.EventOwnerAdd)
	removes := notifier.New(st, m, "notices.removes", addressed(core.EventOwnerRemove, "removes@example.com"), log).Types(core.EventOwnerRemove)
	d := notifier.NewDispatcher(st, clock.Now, log)
	d.Add(adds, removes)
	ctx := context.Background()

	appendEvents(t, st, 10)
	if err := d.Drain(ctx); err == nil {
		t.Fatal("a pass with a refusing relay reported no error")
	}
	if got := m.to("removes@example.com"); !slices.Equal(got, subjectsOf(2, 4, 6, 8, 10)) {
		t.Fatalf("the healthy subscriber got %v while the other failed", got)
	}
	if c := cursor(t, st, "notices.adds"); c != 0 {
		t.Fatalf("the failing subscriber's cursor moved to %d past its unsent event 1", c)
	}
	lags, err := d.Lags(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{"notices.adds": 10, "notices.removes": 0}
	for _, l := range lags {
		if l.Behind != want[l.Name] {
			t.Errorf("lag of %s = %d, want %d", l.Name, l.Behind, want[l.Name])
		}
	}

	// More events while it backs off: the healthy one gets them at once.
	appendEvents(t, st, 2)
	m.setDown("adds@example.com", false)
	if err := d.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if got := m.to("removes@example.com"); len(got) != 6 {
		t.Fatalf("the healthy subscriber got %d notices, want 6", len(got))
	}
	if got := m.to("adds@example.com"); len(got) != 0 {
		t.Fatalf("the failing subscriber was retried before its backoff ended: %v", got)
	}
	clock.Advance(limits.NoticeRetryMin)
	if err := d.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if got := m.to("adds@example.com"); !slices.Equal(got, subjectsOf(1, 3, 5, 7, 9, 11)) {
		t.Fatalf("after its backoff the subscriber got %v, want events 1..11 (odd), once each, in order", got)
	}
}

// TestDispatcherBacksOffLonger: each failure in a row doubles the wait,
// up to its bound.
func TestDispatcherBacksOffLonger(t *testing.T) {
	st := openStore(t)
	m := &sink{}
	m.setDown("adds@example.com", true)
	clock := testclock.New(t0)
	log := slog.New(slog.DiscardHandler)
	d := notifier.NewDispatcher(st, clock.Now, log)
	d.Add(notifier.New(st, m, "notices.adds", addressed(core.EventOwnerAdd, "adds@example.com"), log).Types(core.EventOwnerAdd))
	appendEvents(t, st, 1)
	ctx := context.Background()
	tries := func() int {
		t.Helper()
		err := d.Drain(ctx)
		if err == nil {
			return 0
		}
		return 1
	}
	if tries() != 1 { // first failure: retry in NoticeRetryMin
		t.Fatal("the first pass did not try")
	}
	clock.Advance(limits.NoticeRetryMin)
	if tries() != 1 { // second failure: retry in 2×
		t.Fatal("no retry once the first backoff ended")
	}
	clock.Advance(limits.NoticeRetryMin)
	if tries() != 0 {
		t.Fatal("retried after 1× the wait following a second failure; want 2×")
	}
	clock.Advance(limits.NoticeRetryMin)
	if tries() != 1 {
		t.Fatal("no retry after 2× the wait")
	}
}

// TestDispatcherRestartResumesFromEachCursor: a dispatcher started again
// over the same store (a restart) mails only what each subscriber had
// not handled, each from its own cursor: nothing twice, nothing lost.
func TestDispatcherRestartResumesFromEachCursor(t *testing.T) {
	st := openStore(t)
	m := &sink{}
	m.setDown("adds@example.com", true)
	log := slog.New(slog.DiscardHandler)
	start := func() *notifier.Dispatcher {
		d := notifier.NewDispatcher(st, nil, log)
		d.Add(notifier.New(st, m, "notices.adds", addressed(core.EventOwnerAdd, "adds@example.com"), log).Types(core.EventOwnerAdd),
			notifier.New(st, m, "notices.removes", addressed(core.EventOwnerRemove, "removes@example.com"), log).Types(core.EventOwnerRemove))
		return d
	}
	appendEvents(t, st, 6)
	_ = start().Drain(context.Background()) // adds fails, removes mails 2, 4, 6
	m.setDown("adds@example.com", false)
	appendEvents(t, st, 2)
	if err := start().Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := m.to("adds@example.com"); !slices.Equal(got, subjectsOf(1, 3, 5, 7)) {
		t.Errorf("after the restart the failed subscriber got %v, want 1, 3, 5, 7", got)
	}
	if got := m.to("removes@example.com"); !slices.Equal(got, subjectsOf(2, 4, 6, 8)) {
		t.Errorf("after the restart the other got %v, want 2, 4, 6, 8 once each", got)
	}
}

// TestDispatcherStopsAtAnEventBoundary: a stop asked for while an event
// is being mailed finishes that event, saves the cursor past it and
// sends nothing more; the next start mails the rest, so every notice
// goes out exactly once across the stop.
func TestDispatcherStopsAtAnEventBoundary(t *testing.T) {
	st := openStore(t)
	log := slog.New(slog.DiscardHandler)
	ctx, cancel := context.WithCancel(context.Background())
	m := &sink{}
	both := func(e *core.Event) ([]notifier.Notice, error) {
		// two messages per event: a stop between them must not split it
		ns, _ := addressed(core.EventOwnerAdd, "a@example.com")(e)
		ns2, _ := addressed(core.EventOwnerAdd, "b@example.com")(e)
		return append(ns, ns2...), nil
	}
	m.stop = func() {
		if len(m.got) == 5 { // in the middle of event 3's two messages
			cancel()
		}
	}
	d := notifier.NewDispatcher(st, nil, log)
	d.Add(notifier.New(st, m, "notices.both", both, log).Types(core.EventOwnerAdd))
	const n = 20
	err := st.Update(context.Background(), func(tx store.Tx) error {
		for range n {
			if err := tx.AppendEvent(event.OwnerAdd{User: "bob", Via: "x"}.At(t0, "alice", "left-pad", "")); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if got := m.count(); got != 6 {
		t.Fatalf("%d messages sent before the stop took effect, want 6 (events 1-3 whole)", got)
	}
	if c := cursor(t, st, "notices.both"); c != 3 {
		t.Fatalf("cursor after the stop = %d, want 3", c)
	}
	m.stop = nil
	again := notifier.NewDispatcher(st, nil, log)
	again.Add(notifier.New(st, m, "notices.both", both, log).Types(core.EventOwnerAdd))
	if err := again.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, addr := range []string{"a@example.com", "b@example.com"} {
		var seqs []int
		for i := 1; i <= n; i++ {
			seqs = append(seqs, i)
		}
		if got := m.to(addr); !slices.Equal(got, subjectsOf(seqs...)) {
			t.Errorf("%s got %d notices across the stop, want %d exactly once each", addr, len(got), n)
		}
	}
	// A stopped dispatcher sends nothing more, even when asked directly.
	appendEvents(t, st, 1)
	again.Stop()
	if err := again.Drain(context.Background()); err != nil || m.count() != 2*n {
		t.Fatalf("a stopped dispatcher sent %d more messages (err %v)", m.count()-2*n, err)
	}
}

// TestDispatcherCrashRepeatsAtMostOneEvent: the cursor is saved right
// after each event that warranted mail, so whenever the process dies
// (here: at each send, we look at what a new start would read) the next
// start repeats at most the mail of the event under way (the
// at-least-once guarantee of a single notifier, kept per subscriber).
func TestDispatcherCrashRepeatsAtMostOneEvent(t *testing.T) {
	st := openStore(t)
	log := slog.New(slog.DiscardHandler)
	m := &sink{}
	appendEvents(t, st, 10)
	d := notifier.NewDispatcher(st, nil, log)
	d.Add(notifier.New(st, m, "notices.adds", addressed(core.EventOwnerAdd, "adds@example.com"), log).Types(core.EventOwnerAdd))
	var saved []int64
	m.stop = func() { saved = append(saved, cursor(t, st, "notices.adds")) }
	if err := d.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	// While event 1 is mailed nothing is saved; while event 3 is, the
	// cursor stands past event 1 (event 2 warranted no mail and may not
	// be saved yet), and so on.
	want := []int64{0, 1, 3, 5, 7}
	if !slices.Equal(saved, want) {
		t.Fatalf("saved cursors while mailing events 1, 3, 5, 7, 9 = %v, want %v", saved, want)
	}
}
