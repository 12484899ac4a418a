package sqlite

import (
	"database/sql"
	"errors"

	"github.com/rampart/rampart/internal/core"
)

// DocumentSize reads the row the triggers of migration 0029 keep: one
// row, however many versions the package has.
func (t *tx) DocumentSize(packageID int64) (core.DocSize, error) {
	var d core.DocSize
	err := t.row(`SELECT live, counted, bytes FROM doc_sizes WHERE package_id = ?`, packageID).Scan(&d.Live, &d.Counted, &d.Bytes)
	if errors.Is(err, sql.ErrNoRows) {
		return core.DocSize{}, nil
	}
	return d, err
}

func (t *tx) StoredFullDocument(name string) ([]byte, bool, error) {
	var full []byte
	var stale int
	if err := t.row(`SELECT full, stale FROM documents WHERE name = ?`, name).Scan(&full, &stale); err != nil {
		return nil, false, notFound(err, "document %s", name)
	}
	return full, stale == 1, nil
}
