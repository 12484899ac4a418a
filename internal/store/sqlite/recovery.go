package sqlite

import (
	"fmt"
	"time"

	"github.com/rampart/rampart/internal/core"
)

// ---- devices seen at sign-in ----

func (t *tx) TouchDevice(userID int64, keyHash string, at time.Time) (bool, error) {
	res, err := t.exec(`INSERT INTO known_devices (user_id, key_hash, first_seen, last_seen) VALUES (?, ?, ?, ?)
		ON CONFLICT (user_id, key_hash) DO NOTHING`, userID, keyHash, ms(at), ms(at))
	if err != nil {
		return false, fmt.Errorf("recording a device of user %d: %w", userID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, err
	}
	if n == 1 {
		return true, nil
	}
	_, err = t.exec(`UPDATE known_devices SET last_seen = ? WHERE user_id = ? AND key_hash = ?`, ms(at), userID, keyHash)
	return false, err
}

func (t *tx) DeviceLastSeen(userID int64, keyHash string) (time.Time, error) {
	var last int64
	err := t.row(`SELECT last_seen FROM known_devices WHERE user_id = ? AND key_hash = ?`, userID, keyHash).Scan(&last)
	if err != nil {
		return time.Time{}, notFound(err, "device")
	}
	return fromMS(last), nil
}

// ---- admin-assisted recoveries ----

const recoveryCols = `id, user_id, actor, reason, cancel_hash, started_at, effective_at, ended_at, outcome`

func (t *tx) CreateRecovery(r *core.Recovery) error {
	res, err := t.exec(`INSERT INTO account_recoveries (user_id, actor, reason, cancel_hash, started_at, effective_at) VALUES (?, ?, ?, ?, ?, ?)`,
		r.UserID, r.Actor, r.Reason, r.CancelHash, ms(r.StartedAt), ms(r.EffectiveAt))
	if err != nil {
		return conflict(err, "starting a recovery of user %d", r.UserID)
	}
	r.ID, err = res.LastInsertId()
	return err
}

func (t *tx) scanRecovery(q string, args ...any) (*core.Recovery, error) {
	var r core.Recovery
	var started, effective, ended int64
	err := t.row(`SELECT `+recoveryCols+` FROM account_recoveries WHERE `+q, args...).
		Scan(&r.ID, &r.UserID, &r.Actor, &r.Reason, &r.CancelHash, &started, &effective, &ended, &r.Outcome)
	if err != nil {
		return nil, notFound(err, "recovery")
	}
	r.StartedAt, r.EffectiveAt, r.EndedAt = fromMS(started), fromMS(effective), fromMS(ended)
	return &r, nil
}

func (t *tx) OpenRecovery(userID int64) (*core.Recovery, error) {
	return t.scanRecovery(`user_id = ? AND ended_at = 0`, userID)
}

func (t *tx) RecoveryByCancel(cancelHash string) (*core.Recovery, error) {
	return t.scanRecovery(`cancel_hash = ?`, cancelHash)
}

func (t *tx) EndRecovery(id int64, at time.Time, outcome string) error {
	res, err := t.exec(`UPDATE account_recoveries SET ended_at = ?, outcome = ? WHERE id = ? AND ended_at = 0`, ms(at), outcome, id)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		if _, err := t.scanRecovery(`id = ?`, id); err != nil {
			return err
		}
		return fmt.Errorf("recovery %d already ended: %w", id, core.ErrConflict)
	}
	return nil
}
