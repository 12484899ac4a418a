package sqlite

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
)

// TestNoticeCursorStartsAtTheNewestEvent: migration 0025 starts the
// package notices' outbox cursor at an existing registry's newest event,
// so that upgrading does not mail its past again; a new registry starts
// at 0.
func TestNoticeCursorStartsAtTheNewestEvent(t *testing.T) {
	cursor := func(s *Store) string {
		t.Helper()
		var v string
		if err := s.View(t.Context(), func(tx store.Tx) (err error) {
			v, err = tx.GetMeta("notices.packages")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return v
	}
	path := filepath.Join(t.TempDir(), "meta.db")
	db := openAt(t, path, "0019_typed_events")
	at := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	for range 3 {
		if _, err := db.Exec(`INSERT INTO events (at, type, actor, package, version, data) VALUES (?, ?, 'alice', 'left-pad', '', '{"user":"bob"}')`, ms(at), core.EventOwnerAdd); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if got := cursor(openTemp(t, path)); got != "3" {
		t.Fatalf("cursor after upgrading a registry with 3 events = %q, want 3", got)
	}
	if got := cursor(openTemp(t, filepath.Join(t.TempDir(), "new.db"))); got != "0" {
		t.Fatalf("cursor of a new registry = %q, want 0", got)
	}
}
