package sqlite

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
)

// ---- the addresses each account has had ----

func (t *tx) StartEmailPeriod(userID int64, email string, at time.Time) error {
	lower := strings.ToLower(email)
	var cur string
	err := t.row(`SELECT email_lower FROM email_history WHERE user_id = ? AND ended_at IS NULL`, userID).Scan(&cur)
	switch {
	case err == nil && cur == lower:
		return nil
	case err == nil:
		return fmt.Errorf("starting a new address of user %d: another is current: %w", userID, core.ErrConflict)
	case !errors.Is(err, sql.ErrNoRows):
		return err
	}
	_, err = t.exec(`INSERT INTO email_history (user_id, email, email_lower, verified_at) VALUES (?, ?, ?, ?)`, userID, email, lower, ms(at))
	if err != nil {
		return conflict(err, "starting a new address of user %d", userID)
	}
	return nil
}

func (t *tx) EndEmailPeriod(userID int64, at time.Time) error {
	_, err := t.exec(`UPDATE email_history SET ended_at = ? WHERE user_id = ? AND ended_at IS NULL`, ms(at), userID)
	return err
}

func (t *tx) EmailPeriodsSince(userID int64, since time.Time) ([]store.EmailPeriod, error) {
	rows, err := t.query(`SELECT email, verified_at, ended_at FROM email_history
		WHERE user_id = ? AND (ended_at IS NULL OR ended_at >= ?)
		ORDER BY verified_at DESC, id DESC`, userID, ms(since))
	out, err := collect(rows, err, func(sc interface{ Scan(...any) error }) (*store.EmailPeriod, error) {
		var p store.EmailPeriod
		var from int64
		var until sql.NullInt64
		if err := sc.Scan(&p.Email, &from, &until); err != nil {
			return nil, err
		}
		p.From, p.Until = fromMS(from), fromMS(until.Int64)
		return &p, nil
	})
	if err != nil {
		return nil, fmt.Errorf("addresses of user %d: %w", userID, err)
	}
	if out == nil {
		out = []store.EmailPeriod{}
	}
	return out, nil
}
