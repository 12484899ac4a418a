package sqlite

import (
	"time"

	"github.com/rampart/rampart/internal/core"
)

func (t *tx) CreateWebSession(s *core.WebSession) error {
	signedIn := s.SignedInAt
	if signedIn.IsZero() {
		signedIn = s.CreatedAt
	}
	_, err := t.exec(`INSERT INTO web_sessions (id_hash, user_id, created_at, expires_at, mfa_verified_at, pending, phishing_resistant, signed_in_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		s.IDHash, s.UserID, ms(s.CreatedAt), ms(s.ExpiresAt), ms(s.MFAVerifiedAt), boolInt(s.Pending), boolInt(s.PhishingResistant), ms(signedIn))
	if err != nil {
		return conflict(err, "creating session")
	}
	return nil
}

func (t *tx) WebSession(idHash string) (*core.WebSession, error) {
	s := core.WebSession{IDHash: idHash}
	var created, expires, mfa, signedIn int64
	err := t.row(`SELECT user_id, created_at, expires_at, mfa_verified_at, pending, phishing_resistant, signed_in_at FROM web_sessions WHERE id_hash = ?`, idHash).Scan(&s.UserID, &created, &expires, &mfa, &s.Pending, &s.PhishingResistant, &signedIn)
	if err != nil {
		return nil, notFound(err, "session")
	}
	s.CreatedAt, s.ExpiresAt, s.MFAVerifiedAt, s.SignedInAt = fromMS(created), fromMS(expires), fromMS(mfa), signedInAt(signedIn, created)
	return &s, nil
}

func (t *tx) DeleteWebSession(idHash string) error {
	_, err := t.exec(`DELETE FROM web_sessions WHERE id_hash = ?`, idHash)
	return err
}

func (t *tx) DeleteWebSessionsByUser(userID int64) error {
	_, err := t.exec(`DELETE FROM web_sessions WHERE user_id = ?`, userID)
	return err
}

func (t *tx) SetWebSessionMFA(idHash string, at time.Time, phishingResistant bool) error {
	res, err := t.exec(`UPDATE web_sessions SET mfa_verified_at = ?, phishing_resistant = ? WHERE id_hash = ?`, ms(at), boolInt(phishingResistant), idHash)
	if err != nil {
		return err
	}
	return mustAffect(res, "session")
}

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
