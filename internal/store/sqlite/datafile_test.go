package sqlite

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
)

// TestOpenRefusesNewerSchema: a database upgraded by a newer release is
// refused with a message naming the unknown migration, and nothing is
// written to it.
func TestOpenRefusesNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "meta.db")
	s := openTemp(t, path)
	if _, err := s.w.ExecContext(t.Context(), `INSERT INTO schema_migrations (version) VALUES ('9999_from_the_future')`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err := Open(t.Context(), path)
	if !errors.Is(err, ErrSchemaTooNew) {
		t.Fatalf("Open of a newer schema = %v; want ErrSchemaTooNew", err)
	}
	for _, want := range []string{"9999_from_the_future", "newer Rampart"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

// TestFilesOwnerOnly: the database and its WAL and shared-memory files hold
// password and token hashes; none is readable by others, also when an
// older release left them 0644.
func TestFilesOwnerOnly(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "meta.db")
	s := openTemp(t, path)
	write(t, s)
	check := func(when string) {
		for _, p := range []string{path, path + "-wal", path + "-shm"} {
			fi, err := os.Stat(p)
			if err != nil {
				t.Fatalf("%s: %v", when, err)
			}
			if fi.Mode().Perm()&0o077 != 0 {
				t.Errorf("%s: %s has mode %v, want owner-only", when, filepath.Base(p), fi.Mode().Perm())
			}
		}
	}
	check("new database")
	s.Close()
	old := filepath.Join(t.TempDir(), "old.db")
	if err := os.WriteFile(old, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	path = old
	s = openTemp(t, old)
	write(t, s)
	check("database an older release created")
}

func write(t *testing.T, s *Store) {
	t.Helper()
	if err := s.Update(t.Context(), func(tx store.Tx) error { return tx.SetMeta("k", "v") }); err != nil {
		t.Fatal(err)
	}
}

// TestCheckFindsCorruption: a database with damaged pages fails Check with
// ErrCorrupt; a sound one passes.
func TestCheckFindsCorruption(t *testing.T) {
	path := filepath.Join(t.TempDir(), "meta.db")
	s := openTemp(t, path)
	if err := s.Check(t.Context(), true); err != nil {
		t.Fatalf("Check of a sound database: %v", err)
	}
	// Enough rows that the middle of the file lies well past the schema
	// pages, however many tables the migrations create.
	for i := range 3000 {
		if err := s.Update(t.Context(), func(tx store.Tx) error {
			return tx.SetMeta(fmt.Sprintf("key-%04d", i), fmt.Sprintf("%0200d", i))
		}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.w.ExecContext(t.Context(), `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	// Overwrite the middle of the file, past the schema page, as a torn
	// copy or a bad disk would.
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	fi, _ := f.Stat()
	garbage := make([]byte, 4096)
	for i := range garbage {
		garbage[i] = byte(i * 7)
	}
	if _, err := f.WriteAt(garbage, fi.Size()/2); err != nil {
		t.Fatal(err)
	}
	f.Close()
	s2, err := Open(t.Context(), path)
	if err != nil {
		// Refused already at Open: also a clear failure, but Check is
		// what the server relies on, so the damage must be past the schema.
		t.Fatalf("Open: %v", err)
	}
	defer s2.Close()
	if err := s2.Check(t.Context(), false); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Check of a damaged database = %v; want ErrCorrupt", err)
	}
}

// TestBackupWhileWriting: a backup taken while writers commit is a sound
// database holding a prefix of the commits, each whole.
func TestBackupWhileWriting(t *testing.T) {
	dir := t.TempDir()
	s := openTemp(t, filepath.Join(dir, "meta.db"))
	var wg sync.WaitGroup
	var written atomic.Int64
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			// Two keys in one transaction: a backup has both or neither.
			err := s.Update(t.Context(), func(tx store.Tx) error {
				if err := tx.SetMeta(fmt.Sprintf("a-%05d", i), "x"); err != nil {
					return err
				}
				return tx.SetMeta(fmt.Sprintf("b-%05d", i), "x")
			})
			if err != nil {
				t.Error(err)
				return
			}
			written.Add(1)
		}
	}()
	for written.Load() < 20 {
		if err := s.View(t.Context(), func(store.Tx) error { return nil }); err != nil {
			t.Fatal(err)
		}
	}
	dst := filepath.Join(dir, "backup.db")
	err := s.Backup(t.Context(), dst)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatalf("Backup: %v", err)
	}
	if fi, err := os.Stat(dst); err != nil || fi.Mode().Perm()&0o077 != 0 {
		t.Fatalf("backup file: %v, %v; want owner-only", fi, err)
	}
	b := openTemp(t, dst)
	if err := b.Check(t.Context(), true); err != nil {
		t.Fatalf("Check of the backup: %v", err)
	}
	n := 0
	for i := 0; ; i++ {
		var a, bb error
		_ = b.View(t.Context(), func(tx store.Tx) error {
			_, a = tx.GetMeta(fmt.Sprintf("a-%05d", i))
			_, bb = tx.GetMeta(fmt.Sprintf("b-%05d", i))
			return nil
		})
		if errors.Is(a, core.ErrNotFound) != errors.Is(bb, core.ErrNotFound) {
			t.Fatalf("commit %d is half in the backup: %v, %v", i, a, bb)
		}
		if errors.Is(a, core.ErrNotFound) {
			break
		}
		n++
	}
	if n < 20 {
		t.Fatalf("backup holds %d commits; want at least the 20 made before it", n)
	}
	if err := s.Backup(t.Context(), dst); err == nil {
		t.Fatal("Backup over an existing file succeeded")
	}
}
