package sqlite

import "github.com/rampart/rampart/internal/core"

// ---- the upstream proxy's pins (store.UpstreamPins) ----

func (t *tx) PinUpstream(p core.UpstreamPin) error {
	_, err := t.exec(`INSERT INTO upstream_pins (ecosystem, name, version, upstream, integrity, first_seen) VALUES (?, ?, ?, ?, ?, ?)`,
		p.Ref.Ecosystem, p.Ref.Name, p.Version, p.Upstream, p.Integrity, ms(p.FirstSeen))
	if err != nil {
		return conflict(err, "%s@%s already pinned", p.Ref.Name, p.Version)
	}
	return nil
}

func (t *tx) UpstreamPins(ref core.PackageRef) ([]core.UpstreamPin, error) {
	rows, err := t.query(`SELECT version, upstream, integrity, first_seen FROM upstream_pins WHERE ecosystem = ? AND name = ? ORDER BY version`, ref.Ecosystem, ref.Name)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []core.UpstreamPin
	for rows.Next() {
		p := core.UpstreamPin{Ref: ref}
		var at int64
		if err := rows.Scan(&p.Version, &p.Upstream, &p.Integrity, &at); err != nil {
			return nil, err
		}
		p.FirstSeen = fromMS(at)
		out = append(out, p)
	}
	return out, rows.Err()
}
