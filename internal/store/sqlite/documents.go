package sqlite

import "github.com/rampart/rampart/internal/core"

func (t *tx) PutDocument(d *core.Document) error {
	_, err := t.exec(`INSERT INTO documents (name, etag, restricted, full, full_gz, abbrev, abbrev_gz) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET etag = excluded.etag, restricted = excluded.restricted, full = excluded.full, full_gz = excluded.full_gz, abbrev = excluded.abbrev, abbrev_gz = excluded.abbrev_gz`,
		d.Name, d.ETag, boolInt(d.Restricted), d.Full, d.FullGz, d.Abbrev, d.AbbrevGz)
	return err
}

func (t *tx) DeleteDocument(name string) error {
	_, err := t.exec(`DELETE FROM documents WHERE name = ?`, name)
	return err
}
