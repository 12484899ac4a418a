package sqlite

import (
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/rampart/rampart/internal/core"
)

// ---- OSV advisories (store.Advisories) ----

// msOrZero stores a zero time as 0, so that "none" reads back as zero.
func msOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return ms(t)
}

func fromMSOrZero(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return fromMS(v)
}

func (t *tx) PutAdvisory(a *core.Advisory) error {
	if _, err := t.exec(`INSERT INTO advisories (id, modified, published, withdrawn, summary, severity, source, record) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET modified = excluded.modified, published = excluded.published, withdrawn = excluded.withdrawn,
		summary = excluded.summary, severity = excluded.severity, source = excluded.source, record = excluded.record`,
		a.ID, ms(a.Modified), msOrZero(a.Published), msOrZero(a.Withdrawn), a.Summary, a.Severity, a.Source, a.Record); err != nil {
		return err
	}
	if _, err := t.exec(`DELETE FROM advisory_packages WHERE id = ?`, a.ID); err != nil {
		return err
	}
	for _, p := range a.Packages {
		if _, err := t.exec(`INSERT OR IGNORE INTO advisory_packages (ecosystem, name, id) VALUES (?, ?, ?)`, p.Ecosystem, p.Name, a.ID); err != nil {
			return err
		}
	}
	return nil
}

const advisoryColumns = `a.id, a.modified, a.published, a.withdrawn, a.summary, a.severity, a.source, a.record`

func (t *tx) scanAdvisories(rows *sql.Rows, err error) ([]core.Advisory, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []core.Advisory
	for rows.Next() {
		var a core.Advisory
		var mod, pub, wd int64
		if err := rows.Scan(&a.ID, &mod, &pub, &wd, &a.Summary, &a.Severity, &a.Source, &a.Record); err != nil {
			return nil, err
		}
		a.Modified, a.Published, a.Withdrawn = fromMS(mod), fromMSOrZero(pub), fromMSOrZero(wd)
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		if out[i].Packages, err = t.advisoryPackages(out[i].ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (t *tx) advisoryPackages(id string) ([]core.PackageRef, error) {
	rows, err := t.query(`SELECT ecosystem, name FROM advisory_packages WHERE id = ? ORDER BY ecosystem, name`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []core.PackageRef
	for rows.Next() {
		var p core.PackageRef
		if err := rows.Scan(&p.Ecosystem, &p.Name); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

func (t *tx) Advisory(id string) (*core.Advisory, error) {
	list, err := t.scanAdvisories(t.query(`SELECT `+advisoryColumns+` FROM advisories a WHERE a.id = ?`, id))
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, fmt.Errorf("advisory %s: %w", id, core.ErrNotFound)
	}
	return &list[0], nil
}

func (t *tx) AdvisoriesFor(ref core.PackageRef) ([]core.Advisory, error) {
	return t.scanAdvisories(t.query(`SELECT `+advisoryColumns+` FROM advisory_packages p JOIN advisories a ON a.id = p.id
		WHERE p.ecosystem = ? AND p.name = ? ORDER BY a.id`, ref.Ecosystem, ref.Name))
}

func (t *tx) ListAdvisories(offset, limit int, withdrawn bool) ([]core.Advisory, error) {
	q := `SELECT ` + advisoryColumns + ` FROM advisories a`
	if !withdrawn {
		q += ` WHERE a.withdrawn = 0`
	}
	return t.scanAdvisories(t.query(q+` ORDER BY a.modified DESC, a.id LIMIT ? OFFSET ?`, limit, offset))
}

func (t *tx) AdvisoryModified() (map[string]time.Time, error) {
	rows, err := t.query(`SELECT id, modified FROM advisories`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var id string
		var mod int64
		if err := rows.Scan(&id, &mod); err != nil {
			return nil, err
		}
		out[id] = fromMS(mod)
	}
	return out, rows.Err()
}

func (t *tx) NextMaliciousNumber(year int) (int, error) {
	var n int
	err := t.row(`INSERT INTO mal_numbers (year, last) VALUES (?, 1) ON CONFLICT (year) DO UPDATE SET last = last + 1 RETURNING last`, year).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("no MAL- number allocated for %d", year)
	}
	return n, err
}
