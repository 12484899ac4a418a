package sqlite

import (
	"time"

	"github.com/rampart/rampart/internal/core"
)

// ---- proxied packages' downloads, listing and decided holds (store.UpstreamUsage) ----

func (t *tx) CountUpstreamDownload(ref core.PackageRef, version, upstream string, day time.Time, source string) (bool, error) {
	d := unixDay(day)
	res, err := t.exec(`INSERT INTO upstream_download_sources (ecosystem, name, version, day, source) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		ref.Ecosystem, ref.Name, version, d, source)
	if err != nil {
		return false, err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return false, err
	}
	_, err = t.exec(`INSERT INTO upstream_downloads (ecosystem, name, version, upstream, day, count) VALUES (?, ?, ?, ?, ?, 1)
		ON CONFLICT (ecosystem, name, version, day) DO UPDATE SET count = count + 1`, ref.Ecosystem, ref.Name, version, upstream, d)
	return err == nil, err
}

func (t *tx) SweepUpstreamDownloadSources(before time.Time) (int64, error) {
	res, err := t.exec(`DELETE FROM upstream_download_sources WHERE day < ?`, unixDay(before))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// prefixRange is the range of names starting with prefix, for the
// primary key's index: [prefix, prefix + the highest code point).
func prefixRange(prefix string) (lo, hi string) {
	return prefix, prefix + "\U0010FFFF"
}

func (t *tx) ProxiedPackages(eco core.Ecosystem, prefix string, since time.Time, limit, offset int) ([]core.ProxiedPackage, int, error) {
	lo, hi := prefixRange(prefix)
	var n int
	if err := t.row(`SELECT count(DISTINCT name) FROM upstream_pins WHERE ecosystem = ? AND name >= ? AND name < ?`, eco, lo, hi).Scan(&n); err != nil {
		return nil, 0, err
	}
	rows, err := t.query(`SELECT p.name, max(p.upstream), count(*), min(p.first_seen),
			COALESCE((SELECT sum(d.count) FROM upstream_downloads d WHERE d.ecosystem = p.ecosystem AND d.name = p.name AND d.day >= ?), 0),
			(SELECT count(*) FROM upstream_holds h WHERE h.ecosystem = p.ecosystem AND h.name = p.name),
			(SELECT count(*) FROM upstream_holds h WHERE h.ecosystem = p.ecosystem AND h.name = p.name AND h.state = ?)
		FROM upstream_pins p WHERE p.ecosystem = ? AND p.name >= ? AND p.name < ?
		GROUP BY p.name ORDER BY p.name LIMIT ? OFFSET ?`,
		unixDay(since), core.UpstreamHeld, eco, lo, hi, limit, offset)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []core.ProxiedPackage
	for rows.Next() {
		p := core.ProxiedPackage{Ref: core.PackageRef{Ecosystem: eco}}
		var first int64
		if err := rows.Scan(&p.Ref.Name, &p.Upstream, &p.Versions, &first, &p.Downloads, &p.Holds, &p.Held); err != nil {
			return nil, 0, err
		}
		p.FirstSeen = fromMS(first)
		out = append(out, p)
	}
	return out, n, rows.Err()
}

func (t *tx) ProxiedVersions(ref core.PackageRef, since time.Time, limit int) ([]core.ProxiedVersion, error) {
	rows, err := t.query(`SELECT p.version, p.integrity, p.first_seen,
			COALESCE((SELECT sum(d.count) FROM upstream_downloads d WHERE d.ecosystem = p.ecosystem AND d.name = p.name AND d.version = p.version AND d.day >= ?), 0),
			COALESCE((SELECT sum(d.count) FROM upstream_downloads d WHERE d.ecosystem = p.ecosystem AND d.name = p.name AND d.version = p.version), 0) AS total,
			COALESCE((SELECT h.state FROM upstream_holds h WHERE h.ecosystem = p.ecosystem AND h.name = p.name AND h.version = p.version), '') AS hold
		FROM upstream_pins p WHERE p.ecosystem = ? AND p.name = ? AND (total > 0 OR hold != '')
		ORDER BY p.first_seen DESC, p.version DESC LIMIT ?`,
		unixDay(since), ref.Ecosystem, ref.Name, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []core.ProxiedVersion
	for rows.Next() {
		var v core.ProxiedVersion
		var first int64
		if err := rows.Scan(&v.Version, &v.Integrity, &first, &v.Downloads, &v.Total, &v.Hold); err != nil {
			return nil, err
		}
		v.FirstSeen = fromMS(first)
		out = append(out, v)
	}
	return out, rows.Err()
}

func (t *tx) DecidedUpstreamHolds(limit, offset int) ([]core.UpstreamHold, int, error) {
	var n int
	// 'held' is written out (core.UpstreamHeld) so that the partial
	// index upstream_holds_decided applies.
	if err := t.row(`SELECT count(*) FROM upstream_holds WHERE state != 'held'`).Scan(&n); err != nil {
		return nil, 0, err
	}
	rows, err := t.query(`SELECT `+upstreamHoldCols+` FROM upstream_holds WHERE state != 'held' ORDER BY decided_at DESC, ecosystem, name, version LIMIT ? OFFSET ?`,
		limit, offset)
	if err != nil {
		return nil, 0, err
	}
	out, err := scanUpstreamHolds(rows)
	return out, n, err
}

func (t *tx) UpstreamHoldDigests() ([]string, error) {
	rows, err := t.query(`SELECT DISTINCT digest FROM upstream_holds WHERE digest != '' ORDER BY digest`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}
