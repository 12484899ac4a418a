package sqlite

import "github.com/rampart/rampart/internal/core"

func (t *tx) PutDocument(d *core.Document) error {
	_, err := t.exec(`INSERT INTO documents (name, etag, restricted, full, full_gz, abbrev, abbrev_gz, gen, stale) VALUES (?, ?, ?, ?, ?, ?, ?, 1, 0)
		ON CONFLICT (name) DO UPDATE SET etag = excluded.etag, restricted = excluded.restricted, full = excluded.full, full_gz = excluded.full_gz, abbrev = excluded.abbrev, abbrev_gz = excluded.abbrev_gz,
			gen = documents.gen + 1, stale = 0`,
		d.Name, d.ETag, boolInt(d.Restricted), d.Full, d.FullGz, d.Abbrev, d.AbbrevGz)
	return err
}

// MarkDocumentStale empties the bodies as well: SQLite rewrites a whole
// row on UPDATE, so a stale row that kept a large document would cost a
// rewrite of all of it on every change.
func (t *tx) MarkDocumentStale(name string) error {
	_, err := t.exec(`INSERT INTO documents (name, etag, restricted, full, full_gz, abbrev, abbrev_gz, gen, stale) VALUES (?, '', 0, x'', x'', x'', x'', 1, 1)
		ON CONFLICT (name) DO UPDATE SET etag = '', full = x'', full_gz = x'', abbrev = x'', abbrev_gz = x'', gen = documents.gen + 1, stale = 1`, name)
	return err
}

func (t *tx) DocumentGen(name string) (int64, bool, error) {
	var gen, stale int64
	if err := t.row(`SELECT gen, stale FROM documents WHERE name = ?`, name).Scan(&gen, &stale); err != nil {
		return 0, false, notFound(err, "document %s", name)
	}
	return gen, stale == 1, nil
}

func (t *tx) PutBuiltDocument(d *core.Document, gen int64) (bool, error) {
	res, err := t.exec(`UPDATE documents SET etag = ?, restricted = ?, full = ?, full_gz = ?, abbrev = ?, abbrev_gz = ?, stale = 0
		WHERE name = ? AND gen = ? AND stale = 1`,
		d.ETag, boolInt(d.Restricted), d.Full, d.FullGz, d.Abbrev, d.AbbrevGz, d.Name, gen)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

func (t *tx) PutVersionDoc(packageID int64, vd *core.VersionDoc) error {
	_, err := t.exec(`INSERT INTO version_docs (package_id, version, stamp, full, abbrev, bytes) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (package_id, version) DO UPDATE SET stamp = excluded.stamp, full = excluded.full, abbrev = excluded.abbrev, bytes = excluded.bytes`,
		packageID, vd.Version, vd.Stamp, vd.Full, vd.Abbrev, vd.Bytes)
	return err
}

// VersionDocs without bodies asks for length(full), which SQLite answers
// from the record header without reading the blob, and bytes, which may
// cost reading a large fragment's overflow pages (the column came later):
// only a build or a document whose sums are incomplete reads them all.
func (t *tx) VersionDocs(packageID int64, bodies bool) (map[string]core.VersionDoc, error) {
	q := `SELECT version, stamp, length(full), bytes, NULL, NULL FROM version_docs WHERE package_id = ?`
	if bodies {
		q = `SELECT version, stamp, length(full), bytes, full, abbrev FROM version_docs WHERE package_id = ?`
	}
	rows, err := t.query(q, packageID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]core.VersionDoc{}
	for rows.Next() {
		var vd core.VersionDoc
		if err := rows.Scan(&vd.Version, &vd.Stamp, &vd.FullLen, &vd.Bytes, &vd.Full, &vd.Abbrev); err != nil {
			return nil, err
		}
		out[vd.Version] = vd
	}
	return out, rows.Err()
}

func (t *tx) DeleteDocument(name string) error {
	_, err := t.exec(`DELETE FROM documents WHERE name = ?`, name)
	return err
}
