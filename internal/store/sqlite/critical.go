package sqlite

import (
	"database/sql"
	"errors"
	"time"

	"github.com/rampart/rampart/internal/core"
)

// ---- critical packages ----

func (t *tx) DownloadTotals(since time.Time) ([]core.PackageDownloads, error) {
	rows, err := t.query(`SELECT p.id, p.name, sum(d.count) AS n FROM downloads d JOIN packages p ON p.id = d.package_id
		WHERE d.day >= ? GROUP BY p.id, p.name HAVING n > 0 ORDER BY n DESC, p.name`, unixDay(since))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []core.PackageDownloads
	for rows.Next() {
		var d core.PackageDownloads
		if err := rows.Scan(&d.PackageID, &d.Name, &d.Downloads); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

func (t *tx) CriticalPackages() ([]core.CriticalPackage, error) {
	rows, err := t.query(`SELECT c.package_id, p.name, c.designated, c.computed, c.computed_at, COALESCE(c.computed_since, 0) FROM critical_packages c JOIN packages p ON p.id = c.package_id
		WHERE c.designated = 1 OR c.computed = 1 ORDER BY p.name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []core.CriticalPackage
	for rows.Next() {
		var c core.CriticalPackage
		var at, since int64
		if err := rows.Scan(&c.PackageID, &c.Name, &c.Designated, &c.Computed, &at, &since); err != nil {
			return nil, err
		}
		c.ComputedAt, c.ComputedSince = fromMS(at), fromMS(since)
		out = append(out, c)
	}
	return out, rows.Err()
}

func (t *tx) IsCritical(packageID int64) (bool, error) {
	var n int
	err := t.row(`SELECT count(*) FROM critical_packages WHERE package_id = ? AND (designated = 1 OR computed = 1)`, packageID).Scan(&n)
	return n > 0, err
}

func (t *tx) CriticalState(packageID int64) (core.CriticalPackage, error) {
	c := core.CriticalPackage{PackageID: packageID}
	var at, since int64
	err := t.row(`SELECT designated, computed, computed_at, COALESCE(computed_since, 0) FROM critical_packages WHERE package_id = ?`, packageID).
		Scan(&c.Designated, &c.Computed, &at, &since)
	if errors.Is(err, sql.ErrNoRows) {
		return c, nil
	}
	if err != nil {
		return c, err
	}
	c.ComputedAt, c.ComputedSince = fromMS(at), fromMS(since)
	return c, nil
}

func (t *tx) SetCriticalDesignated(packageID int64, on bool) error {
	_, err := t.exec(`INSERT INTO critical_packages (package_id, designated) VALUES (?, ?)
		ON CONFLICT (package_id) DO UPDATE SET designated = excluded.designated`, packageID, boolInt(on))
	if err != nil {
		return conflict(err, "designating package %d critical", packageID)
	}
	return nil
}

func (t *tx) SetCriticalComputed(packageIDs []int64, at time.Time) error {
	// computed_since survives for packages that stay in the set: it is
	// cleared below only for those that left it.
	if _, err := t.exec(`UPDATE critical_packages SET computed = 0, computed_at = ?`, ms(at)); err != nil {
		return err
	}
	for _, id := range packageIDs {
		_, err := t.exec(`INSERT INTO critical_packages (package_id, computed, computed_at, computed_since) VALUES (?, 1, ?, ?)
			ON CONFLICT (package_id) DO UPDATE SET computed = 1, computed_at = excluded.computed_at,
				computed_since = COALESCE(critical_packages.computed_since, excluded.computed_since)`, id, ms(at), ms(at))
		if err != nil {
			return conflict(err, "marking package %d critical", id)
		}
	}
	_, err := t.exec(`UPDATE critical_packages SET computed_since = NULL WHERE computed = 0`)
	return err
}
