package sqlite

import (
	"fmt"
	"time"

	"github.com/rampart/rampart/internal/core"
)

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
