package sqlite

import "github.com/rampart/rampart/internal/core"

func (t *tx) FileRefs() ([]core.FileRef, error) {
	rows, err := t.query(`SELECT p.name, v.version, v.digest, v.integrity, v.unpublished_at
		FROM versions v JOIN packages p ON p.id = v.package_id
		ORDER BY p.name, v.published_at, v.version`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []core.FileRef
	for rows.Next() {
		var r core.FileRef
		var unpub int64
		if err := rows.Scan(&r.Package, &r.Version, &r.Digest, &r.Integrity, &unpub); err != nil {
			return nil, err
		}
		r.Live = unpub == 0
		out = append(out, r)
	}
	return out, rows.Err()
}
