package sqlite

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
)

// ---- per-version pages (store.VersionPages) ----

func (t *tx) DependentsOf(ref core.PackageRef, after string, limit int) ([]store.Dependent, error) {
	rows, err := t.query(`SELECT p.name, v.version FROM dependencies d
		JOIN dist_tags t ON t.package_id = d.package_id AND t.tag = 'latest' AND t.version = d.version
		JOIN versions v ON v.package_id = d.package_id AND v.version = d.version AND v.unpublished_at = 0 AND v.state IN ('live', 'deprecated')
		JOIN packages p ON p.id = d.package_id
		WHERE d.dep_name = ? AND p.ecosystem = ? AND p.name <> ? AND p.name > ? AND p.access = 'public' AND p.unpublished_at = 0
		ORDER BY p.name LIMIT ?`, ref.Name, ref.Ecosystem, ref.Name, after, limit)
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

func (t *tx) TarballFiles(digest string) ([]store.TarballFile, error) {
	var raw []byte
	err := t.row(`SELECT files FROM tarball_files WHERE digest = ?`, digest).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("file list of %s: %w", digest, core.ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	var files []store.TarballFile
	if err := json.Unmarshal(raw, &files); err != nil {
		return nil, fmt.Errorf("file list of %s: %w", digest, err)
	}
	return files, nil
}

func (t *tx) PutTarballFiles(digest string, files []store.TarballFile) error {
	if files == nil {
		files = []store.TarballFile{}
	}
	raw, err := json.Marshal(files)
	if err != nil {
		return err
	}
	_, err = t.exec(`INSERT OR IGNORE INTO tarball_files (digest, files) VALUES (?, ?)`, digest, raw)
	return err
}
