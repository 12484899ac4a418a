package sqlite

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
)

// TestReportCursorStartsAtTheNewestEvent: migration 0038 starts the
// report notices' outbox cursor at an existing registry's newest event
// (an upgrade mails nothing of its past), and a new registry at 0.
func TestReportCursorStartsAtTheNewestEvent(t *testing.T) {
	cursor := func(s *Store) string {
		t.Helper()
		var v string
		if err := s.View(t.Context(), func(tx store.Tx) (err error) {
			v, err = tx.GetMeta("notices.reports")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return v
	}
	path := filepath.Join(t.TempDir(), "meta.db")
	db := openAt(t, path, "0036_name_allowances")
	at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	for range 4 {
		if _, err := db.Exec(`INSERT INTO events (at, type, actor, package, version, data) VALUES (?, ?, 'alice', 'left-pad', '', '{"user":"bob"}')`, ms(at), core.EventOwnerAdd); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if got := cursor(openTemp(t, path)); got != "4" {
		t.Fatalf("cursor after upgrading a registry with 4 events = %q, want 4", got)
	}
	if got := cursor(openTemp(t, filepath.Join(t.TempDir(), "new.db"))); got != "0" {
		t.Fatalf("cursor of a new registry = %q, want 0", got)
	}
}
