package sqlite

import (
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/rampart/rampart/internal/core"
)

// ---- trusted publishers ----

const trustCols = `id, ecosystem, name, issuer, claims, stable, permissions, created_by, created_at, pending_until`

func scanTrusted(r interface{ Scan(...any) error }) (*core.TrustedPublisher, error) {
	var tp core.TrustedPublisher
	var eco, claims, stable, perms string
	var created, pending int64
	if err := r.Scan(&tp.ID, &eco, &tp.Package.Name, &tp.Issuer, &claims, &stable, &perms, &tp.CreatedBy, &created, &pending); err != nil {
		return nil, err
	}
	tp.Package.Ecosystem = core.Ecosystem(eco)
	tp.CreatedAt, tp.PendingUntil = fromMS(created), fromMS(pending)
	if err := json.Unmarshal([]byte(claims), &tp.Claims); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(stable), &tp.Stable); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(perms), &tp.Permissions); err != nil {
		return nil, err
	}
	return &tp, nil
}

// jsonText encodes v for a TEXT column; nil maps and slices as empty.
func jsonText[T any](v T, empty string) string {
	b, err := json.Marshal(v)
	if err != nil || string(b) == "null" {
		return empty
	}
	return string(b)
}

func (t *tx) CreateTrustedPublisher(tp *core.TrustedPublisher) error {
	res, err := t.exec(`INSERT INTO trusted_publishers (`+trustCols[4:]+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		string(tp.Package.Ecosystem), tp.Package.Name, tp.Issuer, jsonText(tp.Claims, "{}"), jsonText(tp.Stable, "{}"),
		jsonText(tp.Permissions, "[]"), tp.CreatedBy, ms(tp.CreatedAt), ms(tp.PendingUntil))
	if err != nil {
		return err
	}
	tp.ID, err = res.LastInsertId()
	return err
}

func (t *tx) TrustedPublisherByID(id int64) (*core.TrustedPublisher, error) {
	tp, err := scanTrusted(t.row(`SELECT `+trustCols+` FROM trusted_publishers WHERE id = ?`, id))
	if err != nil {
		return nil, notFound(err, "trusted publisher %d", id)
	}
	return tp, nil
}

func (t *tx) TrustedPublishersFor(ref core.PackageRef) ([]core.TrustedPublisher, error) {
	rows, err := t.query(`SELECT `+trustCols+` FROM trusted_publishers WHERE ecosystem = ? AND name = ? ORDER BY id`, string(ref.Ecosystem), ref.Name)
	return collect(rows, err, scanTrusted)
}

func (t *tx) PendingPublishersBy(userID int64) ([]core.TrustedPublisher, error) {
	rows, err := t.query(`SELECT `+trustCols+` FROM trusted_publishers WHERE created_by = ? AND pending_until <> 0 ORDER BY id`, userID)
	return collect(rows, err, scanTrusted)
}

func (t *tx) UpdateTrustedPublisher(tp *core.TrustedPublisher) error {
	res, err := t.exec(`UPDATE trusted_publishers SET stable = ?, pending_until = ? WHERE id = ?`, jsonText(tp.Stable, "{}"), ms(tp.PendingUntil), tp.ID)
	if err != nil {
		return err
	}
	return mustAffect(res, "trusted publisher %d", tp.ID)
}

func (t *tx) DeleteTrustedPublisher(id int64) error {
	res, err := t.exec(`DELETE FROM trusted_publishers WHERE id = ?`, id)
	if err != nil {
		return err
	}
	return mustAffect(res, "trusted publisher %d", id)
}

func (t *tx) UseIDToken(issuer, jti string, expires, now time.Time) error {
	if _, err := t.exec(`DELETE FROM used_id_tokens WHERE expires < ?`, ms(now)); err != nil {
		return err
	}
	_, err := t.exec(`INSERT INTO used_id_tokens (issuer, jti, expires) VALUES (?, ?, ?)`, issuer, jti, ms(expires))
	if err != nil {
		return conflict(err, "ID token %s from %s", jti, issuer)
	}
	return nil
}

func (t *tx) RecordTrustedToken(tt *core.TrustedToken) error {
	_, err := t.exec(`INSERT INTO trusted_tokens (token_id, publisher_id, ecosystem, name, issuer, subject, pending) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		tt.TokenID, tt.PublisherID, string(tt.Package.Ecosystem), tt.Package.Name, tt.Issuer, tt.Subject, boolInt(tt.Pending))
	return err
}

func (t *tx) TrustedTokenByID(tokenID int64) (*core.TrustedToken, error) {
	var tt core.TrustedToken
	var eco string
	err := t.row(`SELECT token_id, publisher_id, ecosystem, name, issuer, subject, pending FROM trusted_tokens WHERE token_id = ?`, tokenID).
		Scan(&tt.TokenID, &tt.PublisherID, &eco, &tt.Package.Name, &tt.Issuer, &tt.Subject, &tt.Pending)
	if err != nil {
		return nil, notFound(err, "trusted token %d", tokenID)
	}
	tt.Package.Ecosystem = core.Ecosystem(eco)
	return &tt, nil
}

func (t *tx) TrustedOnly(ref core.PackageRef) (bool, error) {
	var on bool
	err := t.row(`SELECT trusted_only FROM trust_policies WHERE ecosystem = ? AND name = ?`, string(ref.Ecosystem), ref.Name).Scan(&on)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return on, err
}

func (t *tx) SetTrustedOnly(ref core.PackageRef, on bool, at time.Time) error {
	_, err := t.exec(`INSERT INTO trust_policies (ecosystem, name, trusted_only, changed_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (ecosystem, name) DO UPDATE SET trusted_only = excluded.trusted_only, changed_at = excluded.changed_at`,
		string(ref.Ecosystem), ref.Name, boolInt(on), ms(at))
	return err
}
