package sqlite

import (
	"time"
)

func (t *tx) Sweep(now, idleSince time.Time) (int64, error) {
	var total int64
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`DELETE FROM web_sessions WHERE expires_at <= ?`, []any{ms(now)}},
		{`DELETE FROM webauthn_ceremonies WHERE expires_at <= ?`, []any{ms(now)}},
		{`DELETE FROM cli_logins WHERE expires_at <= ?`, []any{ms(now)}},
		{`DELETE FROM web_otps WHERE expires_at <= ?`, []any{ms(now)}},
		{`DELETE FROM email_tokens WHERE expires_at < ?`, []any{ms(idleSince)}},
		{`DELETE FROM throttles WHERE last_failure < ? AND blocked_until <= ?`, []any{ms(idleSince), ms(now)}},
	} {
		res, err := t.exec(q.sql, q.args...)
		if err != nil {
			return total, err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, err
		}
		total += n
	}
	return total, nil
}
