package sqlite

import (
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/rampart/rampart/internal/core"
)

// ---- invitations (store.Invites) and SSO links (store.SSOIdentities) ----

func (t *tx) CreateInvite(i *core.Invite) error {
	res, err := t.exec(`INSERT INTO invites (hash, email, created_by, created_at, expires_at, used_at, used_by) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		i.Hash, i.Email, i.CreatedBy, ms(i.CreatedAt), ms(i.ExpiresAt), ms(i.UsedAt), i.UsedBy)
	if err != nil {
		return conflict(err, "creating an invitation for %s", i.Email)
	}
	i.ID, err = res.LastInsertId()
	return err
}

const inviteCols = `id, hash, email, created_by, created_at, expires_at, used_at, used_by`

func scanInvite(sc interface{ Scan(...any) error }) (*core.Invite, error) {
	var i core.Invite
	var created, expires, used int64
	if err := sc.Scan(&i.ID, &i.Hash, &i.Email, &i.CreatedBy, &created, &expires, &used, &i.UsedBy); err != nil {
		return nil, err
	}
	i.CreatedAt, i.ExpiresAt, i.UsedAt = fromMS(created), fromMS(expires), fromMS(used)
	return &i, nil
}

func (t *tx) InviteByHash(hash string) (*core.Invite, error) {
	i, err := scanInvite(t.row(`SELECT `+inviteCols+` FROM invites WHERE hash = ?`, hash))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("invitation: %w", core.ErrNotFound)
	}
	return i, err
}

func (t *tx) UseInvite(id int64, user string, at time.Time) error {
	res, err := t.exec(`UPDATE invites SET used_at = ?, used_by = ? WHERE id = ? AND used_at = 0`, ms(at), user, id)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return err
	}
	var exists int
	if err := t.row(`SELECT count(*) FROM invites WHERE id = ?`, id).Scan(&exists); err != nil {
		return err
	}
	if exists == 0 {
		return fmt.Errorf("invitation %d: %w", id, core.ErrNotFound)
	}
	return fmt.Errorf("invitation %d was used already: %w", id, core.ErrConflict)
}

func (t *tx) Invites() ([]core.Invite, error) {
	rows, err := t.query(`SELECT ` + inviteCols + ` FROM invites ORDER BY created_at DESC, id DESC`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []core.Invite
	for rows.Next() {
		i, err := scanInvite(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *i)
	}
	return out, rows.Err()
}

func (t *tx) LinkSSOIdentity(i core.SSOIdentity) error {
	_, err := t.exec(`INSERT INTO sso_identities (provider, subject, user_id, email, linked_at) VALUES (?, ?, ?, ?, ?)`,
		i.Provider, i.Subject, i.UserID, i.Email, ms(i.LinkedAt))
	if err != nil {
		return conflict(err, "%s subject %s is linked already", i.Provider, i.Subject)
	}
	return nil
}

func (t *tx) SSOIdentity(provider, subject string) (*core.SSOIdentity, error) {
	i := core.SSOIdentity{Provider: provider, Subject: subject}
	var at int64
	err := t.row(`SELECT user_id, email, linked_at FROM sso_identities WHERE provider = ? AND subject = ?`, provider, subject).Scan(&i.UserID, &i.Email, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%s subject %s: %w", provider, subject, core.ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	i.LinkedAt = fromMS(at)
	return &i, nil
}
