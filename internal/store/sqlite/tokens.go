package sqlite

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/rampart/rampart/internal/core"
)

const tokenCols = `id, key, user_id, hash, mask, name, kind, actions, packages, cidrs, created_at, expires_at, revoked_at, mfa_verified_at, phishing_resistant_at`

func scanToken(sc interface{ Scan(...any) error }) (*core.Token, error) {
	var tk core.Token
	var actions, packages, cidrs string
	var created, expires, revoked, mfa, pr int64
	if err := sc.Scan(&tk.ID, &tk.Key, &tk.UserID, &tk.Hash, &tk.Mask, &tk.Name, &tk.Kind, &actions, &packages, &cidrs, &created, &expires, &revoked, &mfa, &pr); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(actions), &tk.Actions); err != nil {
		return nil, fmt.Errorf("token %d actions: %w", tk.ID, err)
	}
	if err := json.Unmarshal([]byte(packages), &tk.Packages); err != nil {
		return nil, fmt.Errorf("token %d packages: %w", tk.ID, err)
	}
	if err := json.Unmarshal([]byte(cidrs), &tk.CIDRs); err != nil {
		return nil, fmt.Errorf("token %d cidrs: %w", tk.ID, err)
	}
	tk.CreatedAt, tk.ExpiresAt, tk.RevokedAt, tk.MFAVerifiedAt = fromMS(created), fromMS(expires), fromMS(revoked), fromMS(mfa)
	tk.PhishingResistantAt = fromMS(pr)
	return &tk, nil
}

func jsonList[T any](v []T) string {
	if v == nil {
		v = []T{}
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func (t *tx) CreateToken(tk *core.Token) error {
	res, err := t.exec(`INSERT INTO tokens (key, user_id, hash, mask, name, kind, actions, packages, cidrs, created_at, expires_at, revoked_at, mfa_verified_at, phishing_resistant_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		tk.Key, tk.UserID, tk.Hash, tk.Mask, tk.Name, string(tk.Kind), jsonList(tk.Actions), jsonList(tk.Packages), jsonList(tk.CIDRs), ms(tk.CreatedAt), ms(tk.ExpiresAt), ms(tk.RevokedAt), ms(tk.MFAVerifiedAt), ms(tk.PhishingResistantAt))
	if err != nil {
		return conflict(err, "creating token")
	}
	tk.ID, err = res.LastInsertId()
	return err
}

func (t *tx) TokenByHash(hash string) (*core.Token, error) {
	tk, err := scanToken(t.row(`SELECT `+tokenCols+` FROM tokens WHERE hash = ?`, hash))
	if err != nil {
		return nil, notFound(err, "token")
	}
	return tk, nil
}

func (t *tx) TokensByUser(userID int64) ([]core.Token, error) {
	rows, err := t.query(`SELECT `+tokenCols+` FROM tokens WHERE user_id = ? ORDER BY created_at DESC, id DESC`, userID)
	return collect(rows, err, scanToken)
}

func (t *tx) RevokeToken(userID int64, key string, at time.Time) error {
	res, err := t.exec(`UPDATE tokens SET revoked_at = CASE WHEN revoked_at = 0 THEN ? ELSE revoked_at END WHERE user_id = ? AND key = ?`, ms(at), userID, key)
	if err != nil {
		return err
	}
	return mustAffect(res, "token %s", key)
}
