package store

import "time"

// ScanReports remembers the signed secret-scanning reports already acted
// on (internal/secretscan), by the SHA-256 of their signed body, so that
// a report sent again within its window is refused as a replay.
type ScanReports interface {
	// RememberScanReport records digest (a hex SHA-256) as seen at at,
	// until expires. If the digest is already recorded and has not
	// expired at at, it returns an error wrapping core.ErrConflict and
	// changes nothing; an expired record is replaced. Records expired at
	// at are forgotten on the way, so the table holds only the reports
	// of one window.
	RememberScanReport(digest string, at, expires time.Time) error
}
