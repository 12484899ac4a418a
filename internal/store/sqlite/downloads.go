package sqlite

import (
	"time"

	"github.com/rampart/rampart/internal/core"
)

func unixDay(t time.Time) int64 { return t.UTC().Unix() / 86400 }

func (t *tx) AddDownloads(packageID int64, day time.Time, n int64) error {
	_, err := t.exec(`INSERT INTO downloads (package_id, day, count) VALUES (?, ?, ?) ON CONFLICT (package_id, day) DO UPDATE SET count = count + excluded.count`,
		packageID, unixDay(day), n)
	return err
}

func (t *tx) CountDownload(packageID int64, day time.Time, source string) (bool, error) {
	d := unixDay(day)
	res, err := t.exec(`INSERT INTO download_sources (package_id, day, source) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, packageID, d, source)
	if err != nil {
		return false, err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return false, err
	}
	_, err = t.exec(`INSERT INTO downloads (package_id, day, count) VALUES (?, ?, 1) ON CONFLICT (package_id, day) DO UPDATE SET count = count + 1`, packageID, d)
	return err == nil, err
}

func (t *tx) SweepDownloadSources(before time.Time) (int64, error) {
	res, err := t.exec(`DELETE FROM download_sources WHERE day < ?`, unixDay(before))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (t *tx) DownloadsSince(packageID int64, since time.Time) (int64, error) {
	var n int64
	err := t.row(`SELECT COALESCE(sum(count), 0) FROM downloads WHERE package_id = ? AND day >= ?`, packageID, unixDay(since)).Scan(&n)
	return n, err
}

func (t *tx) DailyDownloads(packageID int64, since time.Time) ([]core.DayCount, error) {
	rows, err := t.query(`SELECT day, count FROM downloads WHERE package_id = ? AND day >= ? ORDER BY day`, packageID, unixDay(since))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []core.DayCount
	for rows.Next() {
		var day, n int64
		if err := rows.Scan(&day, &n); err != nil {
			return nil, err
		}
		out = append(out, core.DayCount{Day: time.Unix(day*86400, 0).UTC(), N: n})
	}
	return out, rows.Err()
}
