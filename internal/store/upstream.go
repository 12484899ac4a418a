package store

import "github.com/rampart/rampart/internal/core"

// UpstreamPins are the first-seen integrities of proxied versions
// (internal/upstream): once pinned, a name@version accepts no other bytes.
type UpstreamPins interface {
	// PinUpstream records p; an error wrapping core.ErrConflict if the
	// version is pinned already (the first pin stays).
	PinUpstream(p core.UpstreamPin) error
	// UpstreamPins lists the pins of a package, by version.
	UpstreamPins(ref core.PackageRef) ([]core.UpstreamPin, error)
}
