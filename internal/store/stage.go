package store

import (
	"time"

	"github.com/rampart/rampart/internal/core"
)

// Stages holds staged publishing: the stage records of staged versions
// (the versions themselves are Packages' rows, held pending) and each
// package's staged-publishing policy.
type Stages interface {
	// CreateStage records a staged version. s.ID is the caller's (a
	// random UUID) and unique: ErrConflict if taken; so is the pair
	// (s.PackageID, s.Version).
	CreateStage(s *core.Stage) error
	// Stage finds a stage by id, decided ones included.
	Stage(id string) (*core.Stage, error)
	// DecideStage records the decision on an open stage: its Status
	// (approved, rejected or expired), DecidedAt and DecidedBy. A stage
	// already decided is not changed: ErrConflict, so that of two
	// decisions only the first counts.
	DecideStage(id string, status core.StageStatus, at time.Time, by string) error
	// OpenStages lists the open stages of the packages userID maintains,
	// of one package if packageID is not 0, oldest first, from offset,
	// at most limit; and how many there are in all.
	OpenStages(userID, packageID int64, offset, limit int) ([]core.Stage, int, error)
	// ExpiredStages lists up to limit open stages whose ExpiresAt is not
	// after now, oldest first.
	ExpiredStages(now time.Time, limit int) ([]core.Stage, error)
	// StagePolicy is the package's policy; core.StageNone if it was
	// never set.
	StagePolicy(packageID int64) (core.StagePolicy, error)
	SetStagePolicy(packageID int64, p core.StagePolicy) error
}
