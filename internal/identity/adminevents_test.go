package identity

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/sqlite"
)

// TestAdminEventsKeepFormerStaff (issue 13, admin tools): the admin
// area lists every staff action by its kind, so a moderator who left the
// staff still shows, and so does the console; the registry's own jobs
// (the scan's holds at publish, critical packages by downloads, the
// scheduled advisory pull) and users' own events do not.
func TestAdminEventsKeepFormerStaff(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "meta.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	t0 := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	events := []*core.Event{
		event.SiteRole{User: "bob", Role: "moderator", Granted: true}.At(at(1), "operator"),
		event.VersionRemove{Reason: "trademark", Notify: []string{"alice"}}.At(at(2), "bob", "left-pad", "1.0.0"),
		event.Publish{Integrity: "sha512-AAAA", Tag: "latest", Notify: []string{"alice"}}.At(at(3), "alice", "left-pad", "1.1.0"),
		event.Quarantine{Reason: "RAMPART-X", Notify: []string{"alice"}, Staff: []string{"bob"}}.At(at(4), "alice", "left-pad", "1.2.0"),
		event.Quarantine{Reason: "reported", Notify: []string{"alice"}}.At(at(5), "bob", "left-pad", "1.1.0"),
		event.CriticalChange{Computed: []string{"left-pad"}}.At(at(6), "rampart", "", ""),
		event.AdvisoryImport{ID: "GHSA-1", Modified: t0, Change: "new", Source: "https://example"}.At(at(7), ""),
		event.SiteRole{User: "bob", Role: "moderator"}.At(at(8), "operator"),
	}
	err = st.Update(ctx, func(tx store.Tx) error {
		for _, e := range events {
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
	got, err := s.AdminEvents(ctx, console, 50)
	if err != nil {
		t.Fatal(err)
	}
	var seen []string
	for _, e := range got {
		seen = append(seen, e.Actor+" "+e.Type)
	}
	want := []string{
		"operator " + core.EventSiteRole,
		"bob " + core.EventQuarantine,
		"bob " + core.EventVersionRemove,
		"operator " + core.EventSiteRole,
	}
	if len(seen) != len(want) {
		t.Fatalf("AdminEvents = %q,\nwant %q", seen, want)
	}
	for i := range want {
		if seen[i] != want[i] {
			t.Fatalf("AdminEvents = %q,\nwant %q", seen, want)
		}
	}
	if got, err := s.AdminEvents(ctx, console, 2); err != nil || len(got) != 2 || got[1].Actor != "bob" {
		t.Fatalf("AdminEvents(limit 2) = %v, %v; want the newest two", got, err)
	}
	if _, err := s.AdminEvents(ctx, authz.Principal{User: &core.User{Name: "bob"}}, 50); core.KindOf(err) != core.KindForbidden {
		t.Fatalf("a user who is not an administrator: %v, want forbidden", err)
	}
}
