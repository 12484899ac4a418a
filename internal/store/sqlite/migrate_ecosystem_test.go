package sqlite

import (
	"path/filepath"
	"testing"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
)

// TestPackageEcosystemMigration upgrades a database made before packages
// had an ecosystem: every package becomes npm's with its id, its versions,
// tags, maintainers and critical state still attached, the foreign keys
// hold, and the same name may then be created in another ecosystem.
func TestPackageEcosystemMigration(t *testing.T) {
	path := filepath.Join(t.TempDir(), "meta.db")
	db := openAt(t, path, "0018_package_ecosystem")
	for _, q := range []string{
		`INSERT INTO users (id, name, email, email_lower, password_hash, email_verified, created_at) VALUES (7, 'alice', 'a@example.com', 'a@example.com', 'h', 1, 1)`,
		`INSERT INTO packages (id, name, created_at, modified_at, rev, access) VALUES (42, 'left-pad', 1, 2, 3, 'public')`,
		`INSERT INTO versions (package_id, version, manifest, integrity, shasum, digest, size, file_count, unpacked_size, publisher_id, published_at) VALUES (42, '1.0.0', '{}', 'i', 's', 'd', 1, 1, 1, 7, 1)`,
		`INSERT INTO dist_tags (package_id, tag, version) VALUES (42, 'latest', '1.0.0')`,
		`INSERT INTO maintainers (package_id, user_id, added_at) VALUES (42, 7, 1)`,
		`INSERT INTO critical_packages (package_id, designated) VALUES (42, 1)`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	s := openTemp(t, path)
	err := s.View(t.Context(), func(tx store.Tx) error {
		p, err := tx.PackageByRef(core.NPM("left-pad"))
		if err != nil {
			return err
		}
		if p.ID != 42 || p.Ecosystem != core.EcosystemNPM || p.Rev != 3 {
			t.Errorf("migrated package %+v, want id 42 of npm at rev 3", p)
		}
		tags, err := tx.DistTags(p.ID)
		if err != nil {
			return err
		}
		ms, err := tx.Maintainers(p.ID)
		if err != nil {
			return err
		}
		crit, err := tx.CriticalState(p.ID)
		if err != nil {
			return err
		}
		if tags["latest"] != "1.0.0" || len(ms) != 1 || ms[0].ID != 7 || !crit.Designated {
			t.Errorf("after the migration: tags %v, maintainers %v, critical %+v", tags, ms, crit)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var violations int
	if err := s.r.QueryRowContext(t.Context(), `SELECT count(*) FROM pragma_foreign_key_check`).Scan(&violations); err != nil {
		t.Fatal(err)
	}
	if violations != 0 {
		t.Errorf("%d foreign key violations after the migration", violations)
	}
	err = s.Update(t.Context(), func(tx store.Tx) error {
		return tx.CreatePackage(&core.Package{PackageRef: core.PackageRef{Ecosystem: "go", Name: "left-pad"}, Access: "public"})
	})
	if err != nil {
		t.Errorf("creating left-pad in another ecosystem after the migration: %v", err)
	}
}
