package sqlite

import "github.com/rampart/rampart/internal/core"

func (t *tx) FileRefs() ([]core.FileRef, error) {
	// A version's provenance bundle is a blob too, right after its
	// artifact, so that it is scrubbed and never collected as an orphan.
	rows, err := t.query(`SELECT name, version, digest, integrity, unpublished_at, prov FROM (
		SELECT p.name, v.version, v.digest, v.integrity, v.unpublished_at, 0 AS prov, v.published_at
		FROM versions v JOIN packages p ON p.id = v.package_id
		UNION ALL
		SELECT p.name, v.version, v.provenance_digest, '', v.unpublished_at, 1, v.published_at
		FROM versions v JOIN packages p ON p.id = v.package_id WHERE v.provenance_digest != '')
		ORDER BY name, published_at, version, prov`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []core.FileRef
	for rows.Next() {
		var r core.FileRef
		var unpub int64
		if err := rows.Scan(&r.Package, &r.Version, &r.Digest, &r.Integrity, &unpub, &r.Provenance); err != nil {
			return nil, err
		}
		r.Live = unpub == 0
		out = append(out, r)
	}
	return out, rows.Err()
}
