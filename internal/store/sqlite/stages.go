package sqlite

import (
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/rampart/rampart/internal/core"
)

// ---- staged publishing (store.Stages) ----

const stageCols = `s.id, s.package_id, p.name, s.version, s.tag, s.status, s.reason, s.actor_id, COALESCE(u.name, ''), s.actor_type,
	s.shasum, s.integrity, s.created_at, s.expires_at, s.decided_at, s.decided_by, s.description, s.keywords`

const stageFrom = ` FROM stages s JOIN packages p ON p.id = s.package_id LEFT JOIN users u ON u.id = s.actor_id`

func scanStage(sc interface{ Scan(...any) error }) (*core.Stage, error) {
	var s core.Stage
	var status string
	var created, expires, decided int64
	if err := sc.Scan(&s.ID, &s.PackageID, &s.Package, &s.Version, &s.Tag, &status, &s.Reason, &s.ActorID, &s.Actor, &s.ActorType,
		&s.Shasum, &s.Integrity, &created, &expires, &decided, &s.DecidedBy, &s.Description, &s.Keywords); err != nil {
		return nil, err
	}
	s.Status = core.StageStatus(status)
	s.CreatedAt, s.ExpiresAt, s.DecidedAt = fromMS(created), fromMS(expires), fromMS(decided)
	return &s, nil
}

func (t *tx) CreateStage(s *core.Stage) error {
	_, err := t.exec(`INSERT INTO stages (id, package_id, version, tag, status, reason, actor_id, actor_type, shasum, integrity, created_at, expires_at, decided_at, decided_by, description, keywords)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		s.ID, s.PackageID, s.Version, s.Tag, string(s.Status), s.Reason, s.ActorID, s.ActorType, s.Shasum, s.Integrity,
		ms(s.CreatedAt), ms(s.ExpiresAt), ms(s.DecidedAt), s.DecidedBy, s.Description, s.Keywords)
	if err != nil {
		return conflict(err, "stage %s", s.ID)
	}
	return nil
}

func (t *tx) Stage(id string) (*core.Stage, error) {
	s, err := scanStage(t.row(`SELECT `+stageCols+stageFrom+` WHERE s.id = ?`, id))
	if err != nil {
		return nil, notFound(err, "stage %s", id)
	}
	return s, nil
}

func (t *tx) DecideStage(id string, status core.StageStatus, at time.Time, by string) error {
	res, err := t.exec(`UPDATE stages SET status = ?, decided_at = ?, decided_by = ? WHERE id = ? AND status = ?`,
		string(status), ms(at), by, id, string(core.StageWaiting))
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		if _, err := t.Stage(id); err != nil {
			return err
		}
		return fmt.Errorf("stage %s was already decided: %w", id, core.ErrConflict)
	}
	return nil
}

func (t *tx) OpenStages(userID, packageID int64, offset, limit int) ([]core.Stage, int, error) {
	where := ` WHERE s.status = ? AND s.package_id IN (SELECT package_id FROM maintainers WHERE user_id = ?)`
	args := []any{string(core.StageWaiting), userID}
	if packageID != 0 {
		where += ` AND s.package_id = ?`
		args = append(args, packageID)
	}
	var total int
	if err := t.row(`SELECT count(*) FROM stages s`+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := t.query(`SELECT `+stageCols+stageFrom+where+` ORDER BY s.created_at, s.id LIMIT ? OFFSET ?`, append(args, limit, offset)...)
	out, err := collect(rows, err, scanStage)
	return out, total, err
}

func (t *tx) ExpiredStages(now time.Time, limit int) ([]core.Stage, error) {
	rows, err := t.query(`SELECT `+stageCols+stageFrom+` WHERE s.status = ? AND s.expires_at <= ? ORDER BY s.expires_at, s.id LIMIT ?`,
		string(core.StageWaiting), ms(now), limit)
	return collect(rows, err, scanStage)
}

func (t *tx) StagePolicy(packageID int64) (core.StagePolicy, error) {
	var p string
	err := t.row(`SELECT policy FROM stage_policies WHERE package_id = ?`, packageID).Scan(&p)
	if errors.Is(err, sql.ErrNoRows) {
		return core.StageNone, nil
	}
	return core.StagePolicy(p), err
}

func (t *tx) SetStagePolicy(packageID int64, p core.StagePolicy) error {
	_, err := t.exec(`INSERT INTO stage_policies (package_id, policy) VALUES (?, ?)
		ON CONFLICT (package_id) DO UPDATE SET policy = excluded.policy`, packageID, string(p))
	return err
}
