package sqlite

import (
	"database/sql"
	"errors"

	"github.com/rampart/rampart/internal/store"
)

// ---- the transparency log's sealing decisions (store.LogSeals) ----

func (t *tx) PutLogSeal(s store.LogSeal) error {
	var salt any
	if s.Salt != nil {
		salt = s.Salt
	}
	if _, err := t.exec(`INSERT INTO log_seals (seq, salt) VALUES (?, ?)`, s.Seq, salt); err != nil {
		return conflict(err, "event %d has a log seal already", s.Seq)
	}
	return nil
}

func (t *tx) LogSeals(from, to int64) ([]store.LogSeal, error) {
	rows, err := t.query(`SELECT seq, salt FROM log_seals WHERE seq >= ? AND seq <= ? ORDER BY seq`, from, to)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.LogSeal
	for rows.Next() {
		var s store.LogSeal
		if err := rows.Scan(&s.Seq, &s.Salt); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

func (t *tx) LatestLogSeal(packageName string, before int64) (store.LogSeal, bool, error) {
	var s store.LogSeal
	err := t.row(`SELECT s.seq, s.salt FROM events e JOIN log_seals s ON s.seq = e.seq
		WHERE e.package = ? AND e.seq < ? ORDER BY e.seq DESC LIMIT 1`, packageName, before).Scan(&s.Seq, &s.Salt)
	if errors.Is(err, sql.ErrNoRows) {
		return store.LogSeal{}, false, nil
	}
	if err != nil {
		return store.LogSeal{}, false, err
	}
	return s, true, nil
}
