package storetest

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/storetest/suite"
)

// RunEvents runs the cases of store.Events: the outbox, in commit order.
func RunEvents(t *testing.T, open func(t *testing.T) store.Store) {
	run(t, open, []test{
		{"Append", testEventsAppend},
		{"RolledBack", testEventsRolledBack},
		{"ByActor", testEventsByActor},
		{"OrderConcurrentFollower", testEventOrderConcurrent},
		{"OrderRollbackLeavesNoHole", testEventOrderRollbackLeavesNoHole},
		{"Parts", testEventParts},
	})
}

func newEvent(typ, pkg, version string, when time.Time) *core.Event {
	return &core.Event{
		At:      when,
		Type:    typ,
		Actor:   "alice",
		Package: pkg,
		Version: version,
		Data:    json.RawMessage(fmt.Sprintf(`{"package":%q,"version":%q,"n":[1,2]}`, pkg, version)),
	}
}

func testEventsAppend(t *testing.T, s store.Store) {
	e1 := newEvent(core.EventPublish, "a", "1.0.0", suite.At(1*time.Minute))
	e2 := newEvent(core.EventPublish, "b", "1.0.0", suite.At(2*time.Minute))
	e3 := newEvent(core.EventDistTagSet, "a", "1.0.0", suite.At(3*time.Minute))
	e4 := newEvent(core.EventAccountCreate, "", "", suite.At(4*time.Minute))
	e4.Actor = ""
	e5 := newEvent(core.EventDeprecate, "a", "1.0.0", suite.At(5*time.Minute).In(time.FixedZone("JST", 9*3600)))
	suite.Write(t, s, func(tx store.Tx) error { return tx.AppendEvent(e1) })
	suite.Write(t, s, func(tx store.Tx) error {
		for _, e := range []*core.Event{e2, e3, e4} {
			if err := tx.AppendEvent(e); err != nil {
				return err
			}
		}
		return nil
	})
	suite.Write(t, s, func(tx store.Tx) error { return tx.AppendEvent(e5) })
	all := []*core.Event{e1, e2, e3, e4, e5}
	for i := 1; i < len(all); i++ {
		if all[i].Seq <= all[i-1].Seq {
			t.Fatalf("AppendEvent assigned Seq %d after %d, want increasing", all[i].Seq, all[i-1].Seq)
		}
	}
	if e1.Seq <= 0 {
		t.Fatalf("AppendEvent assigned Seq %d, want > 0 so that EventsAfter(0) sees it", e1.Seq)
	}

	after := func(seq int64, limit int) []core.Event {
		t.Helper()
		return suite.Read(t, s, func(tx store.Tx) ([]core.Event, error) { return tx.EventsAfter(seq, limit) })
	}
	suite.CheckEvents(t, "EventsAfter(0, 100)", after(0, 100), all...)
	suite.CheckEvents(t, "EventsAfter(e1, 2)", after(e1.Seq, 2), e2, e3)
	suite.CheckEvents(t, "EventsAfter(e3, 100)", after(e3.Seq, 100), e4, e5)
	suite.CheckEvents(t, "EventsAfter(e5, 100)", after(e5.Seq, 100))

	eventsFor := func(name string, limit int) []core.Event {
		t.Helper()
		return suite.Read(t, s, func(tx store.Tx) ([]core.Event, error) { return tx.EventsFor(name, limit) })
	}
	suite.CheckEvents(t, "EventsFor(a, 10)", eventsFor("a", 10), e5, e3, e1)
	suite.CheckEvents(t, "EventsFor(a, 2)", eventsFor("a", 2), e5, e3)
	suite.CheckEvents(t, "EventsFor(b, 10)", eventsFor("b", 10), e2)
	suite.CheckEvents(t, "EventsFor(c, 10)", eventsFor("c", 10))
}

func testEventsRolledBack(t *testing.T, s store.Store) {
	e1 := newEvent(core.EventPublish, "a", "1.0.0", suite.At(time.Minute))
	suite.Write(t, s, func(tx store.Tx) error { return tx.AppendEvent(e1) })
	err := s.Update(t.Context(), func(tx store.Tx) error {
		if err := tx.AppendEvent(newEvent(core.EventUnpublish, "a", "1.0.0", suite.At(2*time.Minute))); err != nil {
			return err
		}
		return suite.ErrRollback
	})
	suite.WantErr(t, err, suite.ErrRollback, "Update whose function failed")
	e3 := newEvent(core.EventDeprecate, "a", "1.0.0", suite.At(3*time.Minute))
	suite.Write(t, s, func(tx store.Tx) error { return tx.AppendEvent(e3) })
	if e3.Seq <= e1.Seq {
		t.Fatalf("Seq %d after %d, want increasing", e3.Seq, e1.Seq)
	}
	got := suite.Read(t, s, func(tx store.Tx) ([]core.Event, error) { return tx.EventsAfter(0, 100) })
	suite.CheckEvents(t, "EventsAfter(0) after a rolled-back append", got, e1, e3)
	got = suite.Read(t, s, func(tx store.Tx) ([]core.Event, error) { return tx.EventsFor("a", 100) })
	suite.CheckEvents(t, "EventsFor(a) after a rolled-back append", got, e3, e1)
}

func testEventsByActor(t *testing.T, s store.Store) {
	e1 := newEvent(core.EventAccountCreate, "", "", suite.At(time.Minute))
	e2 := newEvent(core.EventPublish, "a", "1.0.0", suite.At(2*time.Minute))
	e2.Actor = "bob"
	e3 := newEvent(core.EventPasswordChange, "", "", suite.At(3*time.Minute))
	e4 := newEvent(core.EventTokenCreate, "", "", suite.At(4*time.Minute))
	suite.Write(t, s, func(tx store.Tx) error {
		for _, e := range []*core.Event{e1, e2, e3, e4} {
			if err := tx.AppendEvent(e); err != nil {
				return err
			}
		}
		return nil
	})
	byActor := func(actor string, limit int) []core.Event {
		t.Helper()
		return suite.Read(t, s, func(tx store.Tx) ([]core.Event, error) { return tx.EventsByActor(actor, limit) })
	}
	suite.CheckEvents(t, "EventsByActor(alice, 10)", byActor("alice", 10), e4, e3, e1)
	suite.CheckEvents(t, "EventsByActor(alice, 2)", byActor("alice", 2), e4, e3)
	suite.CheckEvents(t, "EventsByActor(bob, 10)", byActor("bob", 10), e2)
	suite.CheckEvents(t, "EventsByActor(carol, 10)", byActor("carol", 10))
}
