package sqlite

import (
	"context"
	"errors"
	"io/fs"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openTemp(t, filepath.Join(t.TempDir(), "meta.db")) })
}

func openTemp(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// appliedMigrations returns what schema_migrations records.
func appliedMigrations(t *testing.T, s *Store) []string {
	t.Helper()
	rows, err := s.r.QueryContext(t.Context(), `SELECT version FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestReopenKeepsDataAndSkipsMigrations(t *testing.T) {
	path := filepath.Join(t.TempDir(), "meta.db")
	files, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("no embedded migrations (%v)", err)
	}

	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	created := time.Date(2024, 3, 10, 14, 30, 15, 123000000, time.UTC)
	u := &core.User{Name: "alice", Email: "alice@example.com", PasswordHash: "h", CreatedAt: created}
	err = s.Update(t.Context(), func(tx store.Tx) error {
		if err := tx.CreateUser(u); err != nil {
			return err
		}
		return tx.SetMeta("storetest.key", "kept")
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	first := appliedMigrations(t, s)
	if len(first) != len(files) {
		t.Fatalf("schema_migrations = %q after the first Open, want %d entries", first, len(files))
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	// Reopening twice: a migration applied again would fail on CREATE
	// TABLE, or add rows to schema_migrations.
	for range 2 {
		s = openTemp(t, path)
		if got := appliedMigrations(t, s); len(got) != len(first) {
			t.Fatalf("schema_migrations = %q after reopening, want %q", got, first)
		}
		var got *core.User
		var meta string
		err = s.View(t.Context(), func(tx store.Tx) error {
			var err error
			if got, err = tx.UserByName("alice"); err != nil {
				return err
			}
			meta, err = tx.GetMeta("storetest.key")
			return err
		})
		if err != nil {
			t.Fatalf("View after reopening: %v", err)
		}
		if got.ID != u.ID || got.Email != u.Email || !got.CreatedAt.Equal(created) || meta != "kept" {
			t.Fatalf("after reopening: user %+v, meta %q; want %+v and %q", got, meta, u, "kept")
		}
		if err := s.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
	}
}

// TestConcurrentOpen opens one new file from several stores at once, as
// two processes starting together would (the server and an admin command):
// every Open must succeed and the migrations must be applied once.
func TestConcurrentOpen(t *testing.T) {
	files, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("no embedded migrations (%v)", err)
	}
	for range 10 {
		path := filepath.Join(t.TempDir(), "meta.db")
		const n = 4
		stores := make([]*Store, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { stores[i], errs[i] = Open(t.Context(), path) })
		}
		wg.Wait()
		for i := range n {
			if errs[i] != nil {
				t.Errorf("Open %d: %v", i, errs[i])
				continue
			}
			if got := appliedMigrations(t, stores[i]); len(got) != len(files) {
				t.Errorf("schema_migrations = %q, want %d entries", got, len(files))
			}
			if err := stores[i].Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		}
		if t.Failed() {
			return
		}
	}
}

// TestPanicInUpdateReleasesWriter checks that a panic inside Update does
// not leave the single writer connection stuck in a transaction.
func TestPanicInUpdateReleasesWriter(t *testing.T) {
	s := openTemp(t, filepath.Join(t.TempDir(), "meta.db"))
	func() {
		defer func() { _ = recover() }()
		_ = s.Update(t.Context(), func(tx store.Tx) error {
			if err := tx.SetMeta("storetest.key", "from a panicking update"); err != nil {
				return err
			}
			panic("boom")
		})
	}()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := s.Update(ctx, func(tx store.Tx) error { return tx.SetMeta("storetest.other", "x") }); err != nil {
		t.Fatalf("Update after a panicking Update: %v", err)
	}
	err := s.View(ctx, func(tx store.Tx) error {
		_, err := tx.GetMeta("storetest.key")
		return err
	})
	if !errors.Is(err, core.ErrNotFound) {
		t.Fatalf("write of a panicking Update: got error %v, want ErrNotFound (rolled back)", err)
	}
}
