package event

import (
	"time"

	"github.com/rampart/rampart/internal/core"
)

// UpstreamPin: a proxied version's integrity recorded when first seen
// (EventUpstreamPin); the event's package and version are the pinned ones.
type UpstreamPin struct {
	Upstream  string `event:"upstream"`
	Integrity string `event:"integrity"`
}

// UpstreamMismatch: an upstream offered another integrity for a pinned
// version (EventUpstreamMismatch); refused.
type UpstreamMismatch struct {
	Upstream string `event:"upstream"`
	Pinned   string `event:"pinned"`
	Offered  string `event:"offered"`
}

func init() {
	register(UpstreamPin{}, 1).by(Users)
	register(UpstreamMismatch{}, 1).by(Users)
}

func (UpstreamPin) Type() string      { return core.EventUpstreamPin }
func (UpstreamMismatch) Type() string { return core.EventUpstreamMismatch }

// At is the event of p by the system about name@version.
func (p UpstreamPin) At(at time.Time, name, version string) *core.Event {
	return newEvent(p, at, "", name, version)
}

// At is the event of p by the system about name@version.
func (p UpstreamMismatch) At(at time.Time, name, version string) *core.Event {
	return newEvent(p, at, "", name, version)
}
