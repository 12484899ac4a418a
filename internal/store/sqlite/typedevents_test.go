package sqlite

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/store"
)

// TestLegacyEventsAfterTypedEvents upgrades a database with events written
// before typed payloads (migration 0019): they read back untouched, as
// schema 0 with no personal part, and internal/event maps them to their
// payloads, with the address out of the public part.
func TestLegacyEventsAfterTypedEvents(t *testing.T) {
	path := filepath.Join(t.TempDir(), "meta.db")
	db := openAt(t, path, "0019_typed_events")
	at := time.Date(2025, 3, 4, 5, 6, 7, 8_000_000, time.UTC)
	const data = `{"failures":5,"ip":"192.0.2.9","user":"alice"}`
	if _, err := db.Exec(`INSERT INTO events (at, type, actor, package, version, data) VALUES (?, ?, 'alice', '', '', ?)`, ms(at), core.EventMFAFailures, data); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	s := openTemp(t, path)
	var got []core.Event
	if err := s.View(t.Context(), func(tx store.Tx) (err error) {
		got, err = tx.EventsAfter(0, 10)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Schema != 0 || got[0].Personal != nil || string(got[0].Data) != data || !got[0].At.Equal(at) {
		t.Fatalf("legacy event read back as %+v", got)
	}
	p, err := event.Parse(&got[0])
	if err != nil {
		t.Fatal(err)
	}
	if want := (event.MFAFailures{User: "alice", Failures: 5, IP: "192.0.2.9"}); !reflect.DeepEqual(p, want) {
		t.Fatalf("legacy payload %#v, want %#v", p, want)
	}
	pub, err := event.Public(&got[0])
	if err != nil || strings.Contains(string(pub), "192.0.2.9") {
		t.Fatalf("public part of a legacy event: %s, %v", pub, err)
	}
}
