package sqlite

import (
	"database/sql"
	"errors"
	"fmt"

	"github.com/rampart/rampart/internal/core"
)

// ---- typosquatting allowances (store.NameAllowances) ----

func (t *tx) AllowName(a core.NameAllowance) error {
	_, err := t.exec(`INSERT INTO name_allowances (ecosystem, name, allowed_by, reason, allowed_at) VALUES (?, ?, ?, ?, ?)`,
		a.Ref.Ecosystem, a.Ref.Name, a.AllowedBy, a.Reason, ms(a.AllowedAt))
	if err != nil {
		return conflict(err, "name %s already allowed", a.Ref.Name)
	}
	return nil
}

func (t *tx) NameAllowance(ref core.PackageRef) (*core.NameAllowance, error) {
	a := core.NameAllowance{Ref: ref}
	var at int64
	err := t.row(`SELECT allowed_by, reason, allowed_at FROM name_allowances WHERE ecosystem = ? AND name = ?`, ref.Ecosystem, ref.Name).
		Scan(&a.AllowedBy, &a.Reason, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("name %s not allowed: %w", ref.Name, core.ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	a.AllowedAt = fromMS(at)
	return &a, nil
}

func (t *tx) NameAllowances() ([]core.NameAllowance, error) {
	rows, err := t.query(`SELECT ecosystem, name, allowed_by, reason, allowed_at FROM name_allowances ORDER BY allowed_at, ecosystem, name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []core.NameAllowance
	for rows.Next() {
		var a core.NameAllowance
		var at int64
		if err := rows.Scan(&a.Ref.Ecosystem, &a.Ref.Name, &a.AllowedBy, &a.Reason, &at); err != nil {
			return nil, err
		}
		a.AllowedAt = fromMS(at)
		out = append(out, a)
	}
	return out, rows.Err()
}
