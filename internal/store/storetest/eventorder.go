package storetest

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/storetest/suite"
)

// The EventOrder cases check the sequence contract of store.Events: what
// a transparency-log sequencer relies on when it follows EventsAfter.

// testEventOrderConcurrent runs writers side by side, a third of whose
// transactions roll back after appending, while a follower reads
// EventsAfter in a loop, as a sequencer does. The follower must see a
// gapless, strictly increasing sequence starting at 1, every committed
// event exactly once, and no rolled-back one.
func testEventOrderConcurrent(t *testing.T, s store.Store) {
	const writers, txs = 4, 24
	var (
		mu        sync.Mutex
		committed = map[string]bool{} // by actor, unique per event
		wg        sync.WaitGroup
		errs      = make(chan error, writers)
	)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range txs {
				n := 1 + (w+i)%3
				names := make([]string, n)
				for k := range names {
					names[k] = fmt.Sprintf("w%d-t%d-e%d", w, i, k)
				}
				rollback := i%3 == 1
				err := s.Update(t.Context(), func(tx store.Tx) error {
					for _, name := range names {
						e := &core.Event{At: suite.At(time.Duration(i) * time.Second), Type: core.EventPublish, Actor: name,
							Package: "p", Version: "1.0.0", Data: json.RawMessage(`{}`), Schema: 1, Personal: json.RawMessage(`{"ip":"` + name + `"}`)}
						if err := tx.AppendEvent(e); err != nil {
							return err
						}
					}
					if rollback {
						return suite.ErrRollback
					}
					return nil
				})
				switch {
				case rollback && err == suite.ErrRollback:
				case err != nil:
					errs <- fmt.Errorf("writer %d, transaction %d: %w", w, i, err)
					return
				default:
					mu.Lock()
					for _, name := range names {
						committed[name] = true
					}
					mu.Unlock()
				}
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()

	seen := map[string]int64{}
	var last int64
	follow := func() int {
		t.Helper()
		batch := suite.Read(t, s, func(tx store.Tx) ([]core.Event, error) { return tx.EventsAfter(last, 7) })
		for _, e := range batch {
			if e.Seq != last+1 {
				t.Fatalf("after seq %d the follower read seq %d: a hole, or out of commit order (seen so far: %d events)", last, e.Seq, len(seen))
			}
			if prev, dup := seen[e.Actor]; dup {
				t.Fatalf("event %s seen twice, as seq %d and %d", e.Actor, prev, e.Seq)
			}
			if want := `{"ip":"` + e.Actor + `"}`; string(e.Personal) != want {
				t.Fatalf("seq %d (%s): personal part %s, want %s", e.Seq, e.Actor, e.Personal, want)
			}
			seen[e.Actor] = e.Seq
			last = e.Seq
		}
		return len(batch)
	}
	for running := true; running; {
		select {
		case <-done:
			running = false
		default:
		}
		follow()
	}
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for follow() > 0 { // catch up with what committed last
	}
	for name := range seen {
		if !committed[name] {
			t.Errorf("the follower saw %s, whose transaction rolled back", name)
		}
	}
	for name := range committed {
		if _, ok := seen[name]; !ok {
			t.Errorf("committed event %s never reached the follower", name)
		}
	}
	if len(committed) == 0 || len(seen) != len(committed) {
		t.Fatalf("follower saw %d events, %d committed", len(seen), len(committed))
	}
}

// testEventOrderRollbackLeavesNoHole: a rolled-back append, the very
// first one included, does not use up a seq, and the personal part it
// wrote goes with it.
func testEventOrderRollbackLeavesNoHole(t *testing.T, s store.Store) {
	rolledBack := func() {
		t.Helper()
		err := s.Update(t.Context(), func(tx store.Tx) error {
			e := &core.Event{At: suite.At(0), Type: core.EventNewDevice, Actor: "ghost", Data: json.RawMessage(`{}`), Schema: 1, Personal: json.RawMessage(`{"ip":"ghost"}`)}
			if err := tx.AppendEvent(e); err != nil {
				return err
			}
			return suite.ErrRollback
		})
		suite.WantErr(t, err, suite.ErrRollback, "Update whose function failed")
	}
	rolledBack()
	e1 := &core.Event{At: suite.At(time.Minute), Type: core.EventAccountCreate, Actor: "alice", Data: json.RawMessage(`{"admin":false,"user":"alice"}`), Schema: 1}
	suite.Write(t, s, func(tx store.Tx) error { return tx.AppendEvent(e1) })
	rolledBack()
	e2 := &core.Event{At: suite.At(2 * time.Minute), Type: core.EventAccountDisable, Actor: "bob", Data: json.RawMessage(`{"user":"alice"}`), Schema: 1}
	suite.Write(t, s, func(tx store.Tx) error { return tx.AppendEvent(e2) })
	if e1.Seq != 1 || e2.Seq != 2 {
		t.Fatalf("seqs %d, %d after rolled-back appends; want 1, 2 (no holes)", e1.Seq, e2.Seq)
	}
	got := suite.Read(t, s, func(tx store.Tx) ([]core.Event, error) { return tx.EventsAfter(0, 10) })
	suite.CheckEvents(t, "EventsAfter(0)", got, e1, e2)
	for _, e := range got {
		if e.Personal != nil {
			t.Fatalf("seq %d has personal part %s; the rolled-back one's must have gone with it", e.Seq, e.Personal)
		}
	}
}

// testEventParts: Schema and the personal part are kept as given, by
// every reading method; an event without a personal part reads back with
// Personal nil, and a legacy (schema 0) event keeps its Data untouched.
func testEventParts(t *testing.T, s store.Store) {
	typed := &core.Event{At: suite.At(time.Minute), Type: core.EventNewDevice, Actor: "alice",
		Data: json.RawMessage(`{"user":"alice","via":"web"}`), Schema: 1, Personal: json.RawMessage(`{"ip":"192.0.2.1","user_agent":"UA \"x\""}`)}
	public := &core.Event{At: suite.At(2 * time.Minute), Type: core.EventPublish, Actor: "alice", Package: "a", Version: "1.0.0",
		Data: json.RawMessage(`{"integrity":"sha512-x","tag":"latest","token":""}`), Schema: 1}
	legacy := &core.Event{At: suite.At(3 * time.Minute), Type: core.EventMFAFailures, Actor: "alice",
		Data: json.RawMessage(`{"failures":5,"ip":"192.0.2.1","user":"alice"}`)}
	suite.Write(t, s, func(tx store.Tx) error {
		for _, e := range []*core.Event{typed, public, legacy} {
			if err := tx.AppendEvent(e); err != nil {
				return err
			}
		}
		return nil
	})
	check := func(what string, got []core.Event, want ...*core.Event) {
		t.Helper()
		suite.CheckEvents(t, what, got, want...)
		for i, e := range got {
			if e.Schema != want[i].Schema {
				t.Errorf("%s[%d]: Schema %d, want %d", what, i, e.Schema, want[i].Schema)
			}
			if string(e.Personal) != string(want[i].Personal) || (e.Personal == nil) != (want[i].Personal == nil) {
				t.Errorf("%s[%d]: Personal %q, want %q", what, i, e.Personal, want[i].Personal)
			}
			if string(e.Data) != string(want[i].Data) {
				t.Errorf("%s[%d]: Data %s, want the same bytes %s", what, i, e.Data, want[i].Data)
			}
		}
	}
	check("EventsAfter", suite.Read(t, s, func(tx store.Tx) ([]core.Event, error) { return tx.EventsAfter(0, 10) }), typed, public, legacy)
	check("EventsFor", suite.Read(t, s, func(tx store.Tx) ([]core.Event, error) { return tx.EventsFor("a", 10) }), public)
	check("EventsByActor", suite.Read(t, s, func(tx store.Tx) ([]core.Event, error) { return tx.EventsByActor("alice", 10) }), legacy, public, typed)
}
