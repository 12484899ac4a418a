package sqlite

import (
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
)

// TestAccountNoticeCursorStartsAtTheNewestEvent: migration 0028 starts
// the account notices' outbox cursor at an existing registry's newest
// event, so that upgrading mails none of the account notices of its past
// (they were mailed when they happened); a new registry starts at 0. The
// package notices' cursor is left where it was.
func TestAccountNoticeCursorStartsAtTheNewestEvent(t *testing.T) {
	meta := func(s *Store, key string) string {
		t.Helper()
		var v string
		if err := s.View(t.Context(), func(tx store.Tx) (err error) {
			v, err = tx.GetMeta(key)
			return err
		}); err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		return v
	}
	path := filepath.Join(t.TempDir(), "meta.db")
	db := openAt(t, path, "0027_version_state")
	at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	for range 4 {
		if _, err := db.Exec(`INSERT INTO events (at, type, actor, package, version, data) VALUES (?, ?, 'alice', '', '', '{"user":"alice","via":"web","ip":"192.0.2.7","user_agent":"x"}')`, ms(at), core.EventNewDevice); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Exec(`UPDATE meta SET value = '1' WHERE key = 'notices.packages'`); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	s := openTemp(t, path)
	var newest int64
	if err := s.View(t.Context(), func(tx store.Tx) error {
		evs, err := tx.EventsAfter(0, 10)
		if len(evs) > 0 {
			newest = evs[len(evs)-1].Seq
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if newest == 0 {
		t.Fatal("the events inserted before the upgrade did not read back")
	}
	if got, want := meta(s, "notices.accounts"), strconv.FormatInt(newest, 10); got != want {
		t.Fatalf("account notices' cursor after upgrading a registry = %q, want its newest event %s", got, want)
	}
	if got := meta(s, "notices.packages"); got != "1" {
		t.Fatalf("package notices' cursor moved to %q by the migration", got)
	}
	if got := meta(openTemp(t, filepath.Join(t.TempDir(), "new.db")), "notices.accounts"); got != "0" {
		t.Fatalf("account notices' cursor of a new registry = %q, want 0", got)
	}
}
