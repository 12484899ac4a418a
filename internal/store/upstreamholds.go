package store

import "github.com/rampart/rampart/internal/core"

// UpstreamHolds are the proxied versions the malware scan held
// (internal/upstream) and the moderators' decisions on them.
type UpstreamHolds interface {
	// PutUpstreamHold records a new hold (State held); an error wrapping
	// core.ErrConflict if the version has one already.
	PutUpstreamHold(h core.UpstreamHold) error
	// UpstreamHolds lists a package's holds, any state, by version.
	UpstreamHolds(ref core.PackageRef) ([]core.UpstreamHold, error)
	// ListUpstreamHolds lists the holds in state, oldest first, a page;
	// and how many there are in all.
	ListUpstreamHolds(state string, limit, offset int) ([]core.UpstreamHold, int, error)
	// DecideUpstreamHold moves a held version to h.State with h's
	// DecidedBy, DecidedAt, Decision and Advisory; an error wrapping
	// core.ErrNotFound unless the version is held (a decision is made
	// once).
	DecideUpstreamHold(h core.UpstreamHold) error
}
