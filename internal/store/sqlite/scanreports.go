package sqlite

import (
	"fmt"
	"time"

	"github.com/rampart/rampart/internal/core"
)

func (t *tx) RememberScanReport(digest string, at, expires time.Time) error {
	if _, err := t.exec(`DELETE FROM scan_reports WHERE expires_at <= ?`, ms(at)); err != nil {
		return err
	}
	res, err := t.exec(`INSERT INTO scan_reports (digest, seen_at, expires_at) VALUES (?, ?, ?) ON CONFLICT (digest) DO NOTHING`,
		digest, ms(at), ms(expires))
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return fmt.Errorf("secret-scanning report %s already seen: %w", digest, core.ErrConflict)
	}
	return nil
}
