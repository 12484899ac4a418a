package sqlite

import (
	"database/sql"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/store"
)

// openAt makes a database file with the migrations before version only,
// as an older release left it.
func openAt(t *testing.T, path, version string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(names)
	if _, err := db.Exec(`CREATE TABLE schema_migrations (version TEXT PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		v := strings.TrimSuffix(strings.TrimPrefix(name, "migrations/"), ".sql")
		if v >= version {
			break
		}
		body, err := migrations.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(string(body)); err != nil {
			t.Fatalf("migration %s: %v", v, err)
		}
		if _, err := db.Exec(`INSERT INTO schema_migrations (version) VALUES (?)`, v); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

// TestEmailHistoryBackfill upgrades a database made before the address
// history: each verified address becomes its user's current one, from its
// last verification or change (or the account's creation), and an
// unverified address is not recorded.
func TestEmailHistoryBackfill(t *testing.T) {
	path := filepath.Join(t.TempDir(), "meta.db")
	db := openAt(t, path, "0009_email_history")
	created := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	verified := created.Add(time.Hour)
	changed := created.Add(48 * time.Hour)
	users := []struct {
		name, email string
		verified    bool
	}{
		{"admin-made", "Admin-Made@example.com", true}, // created verified: no event of its own
		{"signed-up", "signed-up@example.com", true},   // verified by the mailed link
		{"changed", "changed@new.example", true},       // verified, then changed address
		{"unverified", "unverified@example.com", false},
	}
	for _, u := range users {
		v := 0
		if u.verified {
			v = 1
		}
		if _, err := db.Exec(`INSERT INTO users (name, email, email_lower, password_hash, email_verified, created_at) VALUES (?, ?, ?, 'h', ?, ?)`,
			u.name, u.email, strings.ToLower(u.email), v, ms(created)); err != nil {
			t.Fatal(err)
		}
	}
	for _, e := range []struct {
		at         time.Time
		typ, actor string
	}{
		{created, "account.create", "operator"},
		{verified, "account.email_verified", "signed-up"},
		{verified, "account.email_verified", "changed"},
		{changed, "account.email_changed", "changed"},
		{changed.Add(time.Hour), "account.password_change", "changed"}, // not about the address
		{verified, "account.email_verified", "unverified"},             // un-verified since (abandoned domain)
	} {
		if _, err := db.Exec(`INSERT INTO events (at, type, actor, package, version, data) VALUES (?, ?, ?, '', '', '{}')`, ms(e.at), e.typ, e.actor); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	s := openTemp(t, path)
	want := map[string][]store.EmailPeriod{
		"admin-made": {{Email: "Admin-Made@example.com", From: created}},
		"signed-up":  {{Email: "signed-up@example.com", From: verified}},
		"changed":    {{Email: "changed@new.example", From: changed}},
		"unverified": {},
	}
	for name, want := range want {
		var got []store.EmailPeriod
		err := s.View(t.Context(), func(tx store.Tx) error {
			u, err := tx.UserByName(name)
			if err != nil {
				return err
			}
			got, err = tx.EmailPeriodsSince(u.ID, time.Time{})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Errorf("%s: periods %+v, want %+v", name, got, want)
			continue
		}
		for i := range got {
			if got[i].Email != want[i].Email || !got[i].From.Equal(want[i].From) || !got[i].Until.IsZero() {
				t.Errorf("%s: periods %+v, want %+v", name, got, want)
			}
		}
	}
}
