package sqlite

import "github.com/rampart/rampart/internal/core"

func (t *tx) WebSessionsOf(userID int64) ([]core.WebSession, error) {
	rows, err := t.query(`SELECT id_hash, created_at, expires_at, mfa_verified_at, phishing_resistant
		FROM web_sessions WHERE user_id = ? AND pending = 0 ORDER BY created_at DESC, id_hash`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []core.WebSession
	for rows.Next() {
		s := core.WebSession{UserID: userID}
		var created, expires, mfa int64
		if err := rows.Scan(&s.IDHash, &created, &expires, &mfa, &s.PhishingResistant); err != nil {
			return nil, err
		}
		s.CreatedAt, s.ExpiresAt, s.MFAVerifiedAt = fromMS(created), fromMS(expires), fromMS(mfa)
		out = append(out, s)
	}
	return out, rows.Err()
}
