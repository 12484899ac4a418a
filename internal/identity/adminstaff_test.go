package identity

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/sqlite"
)

// TestAdminEventsListEveryStaffType: an action of every type registered
// as the staff's (event.Staff), by a moderator, shows in the admin area,
// among them a decision on a proxied version (upstream.decide) and a
// version's removal and restoring; a user's own publish does not.
func TestAdminEventsListEveryStaffType(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "meta.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	t0 := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	types := event.StaffTypes()
	for _, typ := range []string{core.EventUpstreamDecide, core.EventVersionRemove, core.EventVersionRestore} {
		if !slices.Contains(types, typ) {
			t.Fatalf("%s is not a staff type", typ)
		}
	}
	err = st.Update(ctx, func(tx store.Tx) error {
		for i, typ := range append(slices.Clone(types), core.EventPublish) {
			actor := "mod"
			if typ == core.EventPublish {
				actor = "alice"
			}
			e := &core.Event{At: t0.Add(time.Duration(i) * time.Minute), Type: typ, Actor: actor, Package: "left-pad", Version: "1.0.0", Data: []byte("{}"), Schema: event.Schema(typ)}
			if err := tx.AppendEvent(e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	s := &Service{store: st}
	console := authz.Principal{User: &core.User{Name: "operator", Admin: true}, Console: true}
	got, err := s.AdminEvents(ctx, console, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	for _, e := range got {
		listed = append(listed, e.Type)
	}
	slices.Sort(listed)
	if !slices.Equal(listed, types) {
		t.Fatalf("the admin area lists %q,\nwant every staff type once: %q", listed, types)
	}
}
