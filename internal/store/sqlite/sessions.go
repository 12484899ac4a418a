package sqlite

import (
	"time"

	"github.com/rampart/rampart/internal/core"
)

func (t *tx) WebSessionsOf(userID int64) ([]core.WebSession, error) {
	rows, err := t.query(`SELECT id_hash, created_at, expires_at, mfa_verified_at, phishing_resistant, signed_in_at
		FROM web_sessions WHERE user_id = ? AND pending = 0 ORDER BY created_at DESC, id_hash`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []core.WebSession
	for rows.Next() {
		s := core.WebSession{UserID: userID}
		var created, expires, mfa, signedIn int64
		if err := rows.Scan(&s.IDHash, &created, &expires, &mfa, &s.PhishingResistant, &signedIn); err != nil {
			return nil, err
		}
		s.CreatedAt, s.ExpiresAt, s.MFAVerifiedAt, s.SignedInAt = fromMS(created), fromMS(expires), fromMS(mfa), signedInAt(signedIn, created)
		out = append(out, s)
	}
	return out, rows.Err()
}

// signedInAt reads a session's signed_in_at; rows from before it was
// recorded signed in when they were created.
func signedInAt(signedIn, created int64) time.Time {
	if signedIn == 0 {
		return fromMS(created)
	}
	return fromMS(signedIn)
}
