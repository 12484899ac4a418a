package sqlite

import (
	"path/filepath"
	"testing"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
)

// TestDocSizesMigration upgrades a database made before the document
// sums were kept: the live versions are counted, the fragments stored
// before read back with unknown bytes (-1) and count for nothing until
// they are stored again, so that a change measures the document the long
// way once and renders them.
func TestDocSizesMigration(t *testing.T) {
	path := filepath.Join(t.TempDir(), "meta.db")
	db := openAt(t, path, "0029_doc_sizes")
	for _, q := range []string{
		`INSERT INTO users (id, name, email, email_lower, password_hash, email_verified, created_at) VALUES (7, 'alice', 'a@example.com', 'a@example.com', 'h', 1, 1)`,
		`INSERT INTO packages (id, ecosystem, name, created_at, modified_at, rev, access) VALUES (42, 'npm', 'left-pad', 1, 2, 3, 'public')`,
		`INSERT INTO versions (package_id, version, manifest, integrity, shasum, digest, size, file_count, unpacked_size, publisher_id, published_at, state) VALUES (42, '1.0.0', '{}', 'i', 's', 'd', 1, 1, 1, 7, 1, 'live')`,
		`INSERT INTO versions (package_id, version, manifest, integrity, shasum, digest, size, file_count, unpacked_size, publisher_id, published_at, deprecated, state) VALUES (42, '2.0.0', '{}', 'i', 's', 'd', 1, 1, 1, 7, 2, 'use 3', 'deprecated')`,
		`INSERT INTO versions (package_id, version, manifest, integrity, shasum, digest, size, file_count, unpacked_size, publisher_id, published_at, unpublished_at, state) VALUES (42, '3.0.0', '{}', 'i', 's', 'd', 1, 1, 1, 7, 3, 5, 'unpublished')`,
		`INSERT INTO version_docs (package_id, version, stamp, full, abbrev) VALUES (42, '1.0.0', 's', x'7b7d', x'7b7d')`,
		`INSERT INTO version_docs (package_id, version, stamp, full, abbrev) VALUES (42, '2.0.0', 's', x'7b7d', x'7b7d')`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	s := openTemp(t, path)
	size := func() core.DocSize {
		t.Helper()
		var d core.DocSize
		if err := s.View(t.Context(), func(tx store.Tx) error {
			var err error
			d, err = tx.DocumentSize(42)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return d
	}
	if got, want := size(), (core.DocSize{Live: 2}); got != want {
		t.Fatalf("DocumentSize after the migration = %+v, want %+v", got, want)
	}
	err := s.View(t.Context(), func(tx store.Tx) error {
		docs, err := tx.VersionDocs(42, false)
		for ver, vd := range docs {
			if vd.Bytes != -1 {
				t.Errorf("fragment %s stored before the migration has Bytes %d, want -1", ver, vd.Bytes)
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Update(t.Context(), func(tx store.Tx) error {
		return tx.PutVersionDoc(42, &core.VersionDoc{Version: "1.0.0", Stamp: "s2", Full: []byte(`{}`), Abbrev: []byte(`{}`), Bytes: 40})
	}); err != nil {
		t.Fatal(err)
	}
	if got, want := size(), (core.DocSize{Live: 2, Counted: 1, Bytes: 40}); got != want {
		t.Fatalf("DocumentSize after a fragment is stored again = %+v, want %+v", got, want)
	}
}
