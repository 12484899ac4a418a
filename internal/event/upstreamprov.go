package event

import (
	"time"

	"github.com/rampart/rampart/internal/core"
)

// UpstreamProvenance: this registry checked the build provenance a
// proxied version announced (EventUpstreamProvenance); the event's
// package and version are the checked ones. State is verified or
// refused; Repository the source repository the verified provenance
// names; Reason why a version was refused.
type UpstreamProvenance struct {
	Upstream   string `event:"upstream"`
	Integrity  string `event:"integrity"`
	State      string `event:"state"`
	Repository string `event:"repository"`
	Reason     string `event:"reason"`
	// Staff are the site's moderators and administrators when a bundle
	// was refused, whom its notice goes to (none for a verification).
	Staff []string `event:"staff,personal"`
}

func init() { register(UpstreamProvenance{}, 1).by(Users) }

func (UpstreamProvenance) Type() string { return core.EventUpstreamProvenance }

// At is the event of p by the system about name@version.
func (p UpstreamProvenance) At(at time.Time, name, version string) *core.Event {
	return newEvent(p, at, "", name, version)
}
