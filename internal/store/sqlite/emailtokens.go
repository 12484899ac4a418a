package sqlite

import (
	"fmt"
	"time"

	"github.com/rampart/rampart/internal/core"
)

func (t *tx) CreateEmailToken(et *core.EmailToken) error {
	_, err := t.exec(`INSERT INTO email_tokens (hash, user_id, purpose, email, created_at, expires_at, used_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		et.Hash, et.UserID, string(et.Purpose), et.Email, ms(et.CreatedAt), ms(et.ExpiresAt), ms(et.UsedAt))
	if err != nil {
		return conflict(err, "creating email token")
	}
	return nil
}

func (t *tx) EmailToken(hash string) (*core.EmailToken, error) {
	et := core.EmailToken{Hash: hash}
	var purpose string
	var created, expires, used int64
	err := t.row(`SELECT user_id, purpose, email, created_at, expires_at, used_at FROM email_tokens WHERE hash = ?`, hash).
		Scan(&et.UserID, &purpose, &et.Email, &created, &expires, &used)
	if err != nil {
		return nil, notFound(err, "email token")
	}
	et.Purpose = core.EmailTokenPurpose(purpose)
	et.CreatedAt, et.ExpiresAt, et.UsedAt = fromMS(created), fromMS(expires), fromMS(used)
	return &et, nil
}

func (t *tx) UseEmailToken(hash string, at time.Time) error {
	res, err := t.exec(`UPDATE email_tokens SET used_at = ? WHERE hash = ? AND used_at = 0`, ms(at), hash)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return err
	}
	if _, err := t.EmailToken(hash); err != nil {
		return err
	}
	return fmt.Errorf("email token already used: %w", core.ErrConflict)
}

func (t *tx) LiveEmailToken(userID int64, purpose core.EmailTokenPurpose, now time.Time) (*core.EmailToken, error) {
	var hash string
	err := t.row(`SELECT hash FROM email_tokens WHERE user_id = ? AND purpose = ? AND used_at = 0 AND expires_at > ?
		ORDER BY created_at DESC, hash LIMIT 1`, userID, string(purpose), ms(now)).Scan(&hash)
	if err != nil {
		return nil, notFound(err, "live email token")
	}
	return t.EmailToken(hash)
}

func (t *tx) ExpireEmailTokens(userID int64, purpose core.EmailTokenPurpose, at time.Time) error {
	_, err := t.exec(`UPDATE email_tokens SET used_at = ? WHERE user_id = ? AND purpose = ? AND used_at = 0`, ms(at), userID, string(purpose))
	return err
}
