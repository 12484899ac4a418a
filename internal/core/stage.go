package core

import "time"

// Staged publishing: a version uploaded as StatePending waits for a
// maintainer's approval (with a fresh second factor) before anyone but
// its maintainers can install it.

// The staged-publishing event types (internal/event/stage.go).
const (
	EventStagePublish = "package.stage"         // a version was staged: pending, served to maintainers only
	EventStageApprove = "package.stage_approve" // a maintainer approved it: live, and its tag moved
	EventStageReject  = "package.stage_reject"  // a maintainer rejected it: discarded, its number burned
	EventStageExpire  = "package.stage_expire"  // nobody decided in time: discarded like a rejection
	EventStagePolicy  = "package.stage_policy"  // the package's staged-publishing policy changed
)

// StagePolicy says which publishes of a package land staged rather than
// live (a per-package setting, changed by a maintainer with a fresh
// second factor).
type StagePolicy string

const (
	// StageNone stages only what asks for it (`npm stage publish`).
	StageNone StagePolicy = "none"
	// StageCI also stages every publish that came through trusted
	// publishing (a CI's OIDC exchange).
	StageCI StagePolicy = "ci"
	// StageAll stages every publish, a plain `npm publish` too.
	StageAll StagePolicy = "all"
)

// ParseStagePolicy reads a policy by name; "" is StageNone.
func ParseStagePolicy(s string) (StagePolicy, bool) {
	switch p := StagePolicy(s); p {
	case "", StageNone:
		return StageNone, true
	case StageCI, StageAll:
		return p, true
	}
	return "", false
}

// StageStatus is where a staged version is in its review.
type StageStatus string

const (
	StageWaiting  StageStatus = "staged"   // waiting for a maintainer
	StageApproved StageStatus = "approved" // released: the version is live
	StageRejected StageStatus = "rejected" // discarded by a maintainer
	StageExpired  StageStatus = "expired"  // discarded because nobody decided in time
)

// Stage is one staged version: the record `npm stage list/view` shows.
// The version itself is a row of the package's versions, held pending
// until the stage is decided.
type Stage struct {
	ID        string // a random UUID, what npm names it by
	PackageID int64
	Package   string // the package's name
	Version   string
	Tag       string // the dist-tag the publish asked for; it moves on approval
	Status    StageStatus
	// Reason says why the publish was staged: asked for (`npm stage
	// publish`), the package's policy, or a check that routes to staging.
	Reason    string
	ActorID   int64
	Actor     string // the stager's name
	ActorType string // "user", or "trusted publisher" for a CI's OIDC exchange
	Shasum    string
	Integrity string
	CreatedAt time.Time
	ExpiresAt time.Time
	// DecidedAt and DecidedBy (a user name; "" on expiry) are set once the
	// stage is approved, rejected or expired.
	DecidedAt time.Time
	DecidedBy string
	// Description and Keywords are the version's, for search: the
	// package takes them on approval if its tag is latest, as a publish
	// does.
	Description, Keywords string
}

// Open reports whether the stage still waits for a decision.
func (s *Stage) Open() bool { return s.Status == StageWaiting }
