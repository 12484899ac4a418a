// Package staffevents holds the conformance cases of the store's reading
// of the event log by kind: store.StaffEvents.
package staffevents

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/storetest/suite"
)

// RunStaffEvents runs the cases of store.StaffEvents.
func RunStaffEvents(t *testing.T, open func(t *testing.T) store.Store) {
	suite.Cases(t, open, []suite.Test{
		{Name: "ByTypeOrActor", F: testByTypeOrActor},
	})
}

// Events of the types asked for or by the actors asked for come back
// newest first, with their personal part, below the bound, at most the
// limit; no type and no actor is no event.
func testByTypeOrActor(t *testing.T, s store.Store) {
	ev := func(typ, actor string, minute int) *core.Event {
		return &core.Event{At: suite.At(time.Duration(minute) * time.Minute), Type: typ, Actor: actor, Package: "left-pad", Version: "1.0.0",
			Data: json.RawMessage(`{"n":1}`), Schema: 1}
	}
	remove := ev(core.EventVersionRemove, "bob", 1)
	remove.Personal = json.RawMessage(`{"ip":"192.0.2.1"}`)
	publish := ev(core.EventPublish, "alice", 2)
	disable := ev(core.EventAccountDisable, "carol", 3)
	console := ev(core.EventPublish, "operator", 4)
	restore := ev(core.EventVersionRestore, "bob", 5)
	suite.Write(t, s, func(tx store.Tx) error {
		for _, e := range []*core.Event{remove, publish, disable, console, restore} {
			if err := tx.AppendEvent(e); err != nil {
				return err
			}
		}
		return nil
	})
	read := func(types, actors []string, before int64, limit int) []core.Event {
		t.Helper()
		return suite.Read(t, s, func(tx store.Tx) ([]core.Event, error) { return tx.EventsOfKinds(types, actors, before, limit) })
	}
	staff := []string{core.EventVersionRemove, core.EventVersionRestore, core.EventAccountDisable}
	all := read(staff, []string{"operator"}, 0, 10)
	suite.CheckEvents(t, "staff types or operator", all, restore, console, disable, remove)
	if got := string(all[3].Personal); got != string(remove.Personal) {
		t.Fatalf("the removal's personal part = %q, want %q", got, remove.Personal)
	}
	suite.CheckEvents(t, "staff types, 2", read(staff, nil, 0, 2), restore, disable)
	suite.CheckEvents(t, "staff types before the restore", read(staff, nil, restore.Seq, 10), disable, remove)
	suite.CheckEvents(t, "operator only", read(nil, []string{"operator"}, 0, 10), console)
	suite.CheckEvents(t, "nothing asked", read(nil, nil, 0, 10))
	suite.CheckEvents(t, "an unknown type", read([]string{"no.such"}, nil, 0, 10))
}
