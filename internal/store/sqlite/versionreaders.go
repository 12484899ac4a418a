package sqlite

import (
	"database/sql"
	"errors"
	"fmt"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
)

// ---- how versions were published, dependents per reader (store.VersionReaders) ----

func (t *tx) RecordPublishedBy(packageID int64, version string, pb store.PublishedBy) error {
	_, err := t.exec(`INSERT OR IGNORE INTO version_publishers (package_id, version, kind, issuer, repository, workflow, ref, subject)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, packageID, version, pb.Kind, pb.Issuer, pb.Repository, pb.Workflow, pb.Ref, pb.Subject)
	return err
}

func (t *tx) PublishedByOf(packageID int64, version string) (*store.PublishedBy, error) {
	var pb store.PublishedBy
	err := t.row(`SELECT kind, issuer, repository, workflow, ref, subject FROM version_publishers WHERE package_id = ? AND version = ?`,
		packageID, version).Scan(&pb.Kind, &pb.Issuer, &pb.Repository, &pb.Workflow, &pb.Ref, &pb.Subject)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("how %d@%s was published: %w", packageID, version, core.ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	return &pb, nil
}

func (t *tx) TrustedPublishes(packageID int64) (map[string]store.PublishedBy, error) {
	rows, err := t.query(`SELECT version, kind, issuer, repository, workflow, ref, subject FROM version_publishers WHERE package_id = ? AND kind = ?`,
		packageID, store.PublishedByTrusted)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]store.PublishedBy{}
	for rows.Next() {
		var v string
		var pb store.PublishedBy
		if err := rows.Scan(&v, &pb.Kind, &pb.Issuer, &pb.Repository, &pb.Workflow, &pb.Ref, &pb.Subject); err != nil {
			return nil, err
		}
		out[v] = pb
	}
	return out, rows.Err()
}

// dependentsFrom is the join every dependents query shares: a package
// whose live "latest" version depends on the name (dep_name is indexed).
const dependentsFrom = `FROM dependencies d
		JOIN dist_tags t ON t.package_id = d.package_id AND t.tag = 'latest' AND t.version = d.version
		JOIN versions v ON v.package_id = d.package_id AND v.version = d.version AND v.unpublished_at = 0 AND v.state IN ('live', 'deprecated')
		JOIN packages p ON p.id = d.package_id
		WHERE d.dep_name = ? AND p.ecosystem = ? AND p.name <> ? AND p.unpublished_at = 0`

// openDependent is the condition on p of a dependent anyone may read.
func openDependent(guardScoped bool) string {
	if guardScoped {
		return ` AND p.access = 'public' AND substr(p.name, 1, 1) <> '@'`
	}
	return ` AND p.access = 'public'`
}

func (t *tx) OpenDependents(ref core.PackageRef, after string, limit int, guardScoped bool) ([]store.Dependent, error) {
	rows, err := t.query(`SELECT p.name, v.version `+dependentsFrom+openDependent(guardScoped)+` AND p.name > ? ORDER BY p.name LIMIT ?`,
		ref.Name, ref.Ecosystem, ref.Name, after, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.Dependent
	for rows.Next() {
		var d store.Dependent
		if err := rows.Scan(&d.Name, &d.Version); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

func (t *tx) CountOpenDependents(ref core.PackageRef, guardScoped bool) (int, error) {
	var n int
	err := t.row(`SELECT count(*) `+dependentsFrom+openDependent(guardScoped), ref.Name, ref.Ecosystem, ref.Name).Scan(&n)
	return n, err
}

func (t *tx) GuardedDependents(ref core.PackageRef, limit int, guardScoped bool) ([]store.GuardedDependent, error) {
	cond := ` AND p.access <> 'public'`
	if guardScoped {
		cond = ` AND (p.access <> 'public' OR substr(p.name, 1, 1) = '@')`
	}
	rows, err := t.query(`SELECT p.id, p.name, v.version, p.access <> 'public' `+dependentsFrom+cond+` ORDER BY p.name LIMIT ?`,
		ref.Name, ref.Ecosystem, ref.Name, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.GuardedDependent
	for rows.Next() {
		var d store.GuardedDependent
		if err := rows.Scan(&d.PackageID, &d.Name, &d.Version, &d.Restricted); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}
