package sqlite

import "github.com/rampart/rampart/internal/store"

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
