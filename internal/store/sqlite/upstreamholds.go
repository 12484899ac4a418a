package sqlite

import (
	"database/sql"
	"fmt"

	"github.com/rampart/rampart/internal/core"
)

// ---- proxied versions the malware scan held (store.UpstreamHolds) ----

func (t *tx) PutUpstreamHold(h core.UpstreamHold) error {
	if h.Findings == nil {
		h.Findings = []byte("[]")
	}
	_, err := t.exec(`INSERT INTO upstream_holds (ecosystem, name, version, upstream, integrity, reason, findings, at, state, digest) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		h.Ref.Ecosystem, h.Ref.Name, h.Version, h.Upstream, h.Integrity, h.Reason, h.Findings, ms(h.At), core.UpstreamHeld, h.Digest)
	if err != nil {
		return conflict(err, "%s@%s already held", h.Ref.Name, h.Version)
	}
	return nil
}

const upstreamHoldCols = `ecosystem, name, version, upstream, integrity, reason, findings, at, state, decided_by, decided_at, decision, advisory, digest`

func scanUpstreamHolds(rows *sql.Rows) ([]core.UpstreamHold, error) {
	defer rows.Close()
	var out []core.UpstreamHold
	for rows.Next() {
		var h core.UpstreamHold
		var at, decided int64
		if err := rows.Scan(&h.Ref.Ecosystem, &h.Ref.Name, &h.Version, &h.Upstream, &h.Integrity, &h.Reason, &h.Findings, &at, &h.State, &h.DecidedBy, &decided, &h.Decision, &h.Advisory, &h.Digest); err != nil {
			return nil, err
		}
		h.At = fromMS(at)
		h.DecidedAt = fromMS(decided)
		out = append(out, h)
	}
	return out, rows.Err()
}

func (t *tx) UpstreamHolds(ref core.PackageRef) ([]core.UpstreamHold, error) {
	rows, err := t.query(`SELECT `+upstreamHoldCols+` FROM upstream_holds WHERE ecosystem = ? AND name = ? ORDER BY version`, ref.Ecosystem, ref.Name)
	if err != nil {
		return nil, err
	}
	return scanUpstreamHolds(rows)
}

func (t *tx) ListUpstreamHolds(state string, limit, offset int) ([]core.UpstreamHold, int, error) {
	var n int
	if err := t.row(`SELECT count(*) FROM upstream_holds WHERE state = ?`, state).Scan(&n); err != nil {
		return nil, 0, err
	}
	rows, err := t.query(`SELECT `+upstreamHoldCols+` FROM upstream_holds WHERE state = ? ORDER BY at, ecosystem, name, version LIMIT ? OFFSET ?`, state, limit, offset)
	if err != nil {
		return nil, 0, err
	}
	out, err := scanUpstreamHolds(rows)
	return out, n, err
}

func (t *tx) DecideUpstreamHold(h core.UpstreamHold) error {
	res, err := t.exec(`UPDATE upstream_holds SET state = ?, decided_by = ?, decided_at = ?, decision = ?, advisory = ? WHERE ecosystem = ? AND name = ? AND version = ? AND state = ?`,
		h.State, h.DecidedBy, ms(h.DecidedAt), h.Decision, h.Advisory, h.Ref.Ecosystem, h.Ref.Name, h.Version, core.UpstreamHeld)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return fmt.Errorf("%s@%s is not held: %w", h.Ref.Name, h.Version, core.ErrNotFound)
	}
	return nil
}
