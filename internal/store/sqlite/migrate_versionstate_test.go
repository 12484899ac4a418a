package sqlite

import (
	"path/filepath"
	"testing"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
)

// TestVersionStateMigration upgrades a database made before versions had
// a state: an unpublished version reads back unpublished, a deprecated
// one deprecated, the rest live, and none is held.
func TestVersionStateMigration(t *testing.T) {
	path := filepath.Join(t.TempDir(), "meta.db")
	db := openAt(t, path, "0027_version_state")
	for _, q := range []string{
		`INSERT INTO users (id, name, email, email_lower, password_hash, email_verified, created_at) VALUES (7, 'alice', 'a@example.com', 'a@example.com', 'h', 1, 1)`,
		`INSERT INTO packages (id, ecosystem, name, created_at, modified_at, rev, access) VALUES (42, 'npm', 'left-pad', 1, 2, 3, 'public')`,
		`INSERT INTO versions (package_id, version, manifest, integrity, shasum, digest, size, file_count, unpacked_size, publisher_id, published_at) VALUES (42, '1.0.0', '{}', 'i', 's', 'd', 1, 1, 1, 7, 1)`,
		`INSERT INTO versions (package_id, version, manifest, integrity, shasum, digest, size, file_count, unpacked_size, publisher_id, published_at, deprecated) VALUES (42, '2.0.0', '{}', 'i', 's', 'd', 1, 1, 1, 7, 2, 'use 3')`,
		`INSERT INTO versions (package_id, version, manifest, integrity, shasum, digest, size, file_count, unpacked_size, publisher_id, published_at, deprecated, unpublished_at) VALUES (42, '3.0.0', '{}', 'i', 's', 'd', 1, 1, 1, 7, 3, 'old', 5)`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	s := openTemp(t, path)
	want := map[string]core.VersionState{"1.0.0": core.StateLive, "2.0.0": core.StateDeprecated, "3.0.0": core.StateUnpublished}
	err := s.View(t.Context(), func(tx store.Tx) error {
		for ver, st := range want {
			v, err := tx.Version(42, ver)
			if err != nil {
				return err
			}
			if v.State() != st || v.Held != "" {
				t.Errorf("%s after the migration: state %q, held %q; want %q, none", ver, v.State(), v.Held, st)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := s.r.QueryContext(t.Context(), `SELECT version, state FROM versions`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var ver, st string
		if err := rows.Scan(&ver, &st); err != nil {
			t.Fatal(err)
		}
		if core.VersionState(st) != want[ver] {
			t.Errorf("stored state of %s: %q, want %q", ver, st, want[ver])
		}
	}
}
