package sqlite

import (
	"fmt"
	"time"

	"github.com/rampart/rampart/internal/core"
)

func (t *tx) TOTP(userID int64) (*core.TOTP, error) {
	o := core.TOTP{UserID: userID}
	var created, confirmed int64
	err := t.row(`SELECT secret, created_at, confirmed_at, last_step FROM totp WHERE user_id = ?`, userID).Scan(&o.Secret, &created, &confirmed, &o.LastStep)
	if err != nil {
		return nil, notFound(err, "TOTP of user %d", userID)
	}
	o.CreatedAt, o.ConfirmedAt = fromMS(created), fromMS(confirmed)
	return &o, nil
}

func (t *tx) PutTOTP(o *core.TOTP) error {
	_, err := t.exec(`INSERT INTO totp (user_id, secret, created_at, confirmed_at, last_step) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret, created_at = excluded.created_at, confirmed_at = excluded.confirmed_at, last_step = excluded.last_step`,
		o.UserID, o.Secret, ms(o.CreatedAt), ms(o.ConfirmedAt), o.LastStep)
	return err
}

func (t *tx) DeleteTOTP(userID int64) error {
	_, err := t.exec(`DELETE FROM totp WHERE user_id = ?`, userID)
	return err
}

func (t *tx) AdvanceTOTPStep(userID, prev, next int64) error {
	res, err := t.exec(`UPDATE totp SET last_step = ? WHERE user_id = ? AND last_step = ?`, next, userID, prev)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return err
	}
	if _, err := t.TOTP(userID); err != nil {
		return err
	}
	return fmt.Errorf("TOTP step of user %d moved on: %w", userID, core.ErrConflict)
}

func (t *tx) RecoveryCodes(userID int64) ([]string, error) {
	rows, err := t.query(`SELECT hash FROM recovery_codes WHERE user_id = ? ORDER BY hash`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

func (t *tx) SetRecoveryCodes(userID int64, hashes []string, at time.Time) error {
	if _, err := t.exec(`DELETE FROM recovery_codes WHERE user_id = ?`, userID); err != nil {
		return err
	}
	for _, h := range hashes {
		if _, err := t.exec(`INSERT INTO recovery_codes (user_id, hash, created_at) VALUES (?, ?, ?)`, userID, h, ms(at)); err != nil {
			return conflict(err, "storing recovery code")
		}
	}
	return nil
}

func (t *tx) UseRecoveryCode(userID int64, hash string) error {
	res, err := t.exec(`DELETE FROM recovery_codes WHERE user_id = ? AND hash = ?`, userID, hash)
	if err != nil {
		return err
	}
	return mustAffect(res, "recovery code")
}
