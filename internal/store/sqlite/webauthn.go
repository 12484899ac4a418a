package sqlite

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/rampart/rampart/internal/core"
)

// ---- WebAuthn credentials and ceremonies ----

const webauthnCols = `id, user_id, credential_id, user_handle, name, discoverable, sign_count, transports, data, created_at, last_used_at`

func scanWebAuthn(sc interface{ Scan(...any) error }) (*core.WebAuthnCredential, error) {
	var c core.WebAuthnCredential
	var transports string
	var created, used int64
	if err := sc.Scan(&c.ID, &c.UserID, &c.CredentialID, &c.UserHandle, &c.Name, &c.Discoverable, &c.SignCount, &transports, &c.Data, &created, &used); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(transports), &c.Transports); err != nil {
		return nil, fmt.Errorf("credential %d transports: %w", c.ID, err)
	}
	c.CreatedAt, c.LastUsedAt = fromMS(created), fromMS(used)
	return &c, nil
}

func (t *tx) CreateWebAuthnCredential(c *core.WebAuthnCredential) error {
	tr, err := json.Marshal(nonNil(c.Transports))
	if err != nil {
		return err
	}
	res, err := t.exec(`INSERT INTO webauthn_credentials (user_id, credential_id, user_handle, name, discoverable, sign_count, transports, data, created_at, last_used_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.UserID, c.CredentialID, c.UserHandle, c.Name, boolInt(c.Discoverable), c.SignCount, string(tr), c.Data, ms(c.CreatedAt), ms(c.LastUsedAt))
	if err != nil {
		return conflict(err, "creating WebAuthn credential")
	}
	c.ID, err = res.LastInsertId()
	return err
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (t *tx) HasWebAuthnCredentials(userID int64) (bool, error) {
	var has bool
	err := t.row(`SELECT EXISTS (SELECT 1 FROM webauthn_credentials WHERE user_id = ?)`, userID).Scan(&has)
	return has, err
}

func (t *tx) WebAuthnCredentials(userID int64) ([]core.WebAuthnCredential, error) {
	rows, err := t.query(`SELECT `+webauthnCols+` FROM webauthn_credentials WHERE user_id = ? ORDER BY id`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []core.WebAuthnCredential
	for rows.Next() {
		c, err := scanWebAuthn(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *c)
	}
	return out, rows.Err()
}

func (t *tx) WebAuthnCredentialByID(credentialID []byte) (*core.WebAuthnCredential, error) {
	c, err := scanWebAuthn(t.row(`SELECT `+webauthnCols+` FROM webauthn_credentials WHERE credential_id = ?`, credentialID))
	if err != nil {
		return nil, notFound(err, "WebAuthn credential")
	}
	return c, nil
}

func (t *tx) UseWebAuthnCredential(id int64, prev, next uint32, at time.Time) error {
	res, err := t.exec(`UPDATE webauthn_credentials SET sign_count = ?, last_used_at = ? WHERE id = ? AND sign_count = ?`, next, ms(at), id, prev)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return err
	}
	var x int64
	if err := t.row(`SELECT id FROM webauthn_credentials WHERE id = ?`, id).Scan(&x); err != nil {
		return notFound(err, "WebAuthn credential %d", id)
	}
	return fmt.Errorf("sign count of WebAuthn credential %d moved on: %w", id, core.ErrConflict)
}

func (t *tx) DeleteWebAuthnCredential(userID, id int64) error {
	res, err := t.exec(`DELETE FROM webauthn_credentials WHERE user_id = ? AND id = ?`, userID, id)
	if err != nil {
		return err
	}
	return mustAffect(res, "WebAuthn credential %d of user %d", id, userID)
}

func (t *tx) PutWebAuthnCeremony(c *core.WebAuthnCeremony) error {
	_, err := t.exec(`INSERT INTO webauthn_ceremonies (id_hash, user_id, kind, data, expires_at) VALUES (?, ?, ?, ?, ?)`, c.IDHash, c.UserID, c.Kind, c.Data, ms(c.ExpiresAt))
	if err != nil {
		return conflict(err, "creating WebAuthn ceremony")
	}
	// Expired ceremonies are of no use to anyone.
	_, err = t.exec(`DELETE FROM webauthn_ceremonies WHERE expires_at < ?`, ms(c.ExpiresAt.Add(-time.Hour)))
	return err
}

func (t *tx) TakeWebAuthnCeremony(idHash string) (*core.WebAuthnCeremony, error) {
	c := core.WebAuthnCeremony{IDHash: idHash}
	var exp int64
	if err := t.row(`SELECT user_id, kind, data, expires_at FROM webauthn_ceremonies WHERE id_hash = ?`, idHash).Scan(&c.UserID, &c.Kind, &c.Data, &exp); err != nil {
		return nil, notFound(err, "WebAuthn ceremony")
	}
	c.ExpiresAt = fromMS(exp)
	if _, err := t.exec(`DELETE FROM webauthn_ceremonies WHERE id_hash = ?`, idHash); err != nil {
		return nil, err
	}
	return &c, nil
}
