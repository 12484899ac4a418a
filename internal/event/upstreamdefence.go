package event

import (
	"time"

	"github.com/rampart/rampart/internal/core"
)

// UpstreamSignature: a proxied version refused for its signature
// (EventUpstreamSignature); the event's package and version are the
// refused ones.
type UpstreamSignature struct {
	Upstream  string `event:"upstream"`
	Integrity string `event:"integrity"`
	KeyID     string `event:"keyid"`
	// Reason is why it did not verify, as the verifier said.
	Reason string `event:"reason"`
}

// UpstreamQuarantine: a proxied version held by the malware scan
// (EventUpstreamQuarantine). Staff (schema 2) are the site's moderators
// and administrators at the time, whom its notice goes to.
type UpstreamQuarantine struct {
	Upstream  string `event:"upstream"`
	Integrity string `event:"integrity"`
	// Rules are the ids of the rules that matched.
	Rules []string `event:"rules"`
	// Reason is the hold's reason as the moderators see it (schema 2).
	Reason string   `event:"reason"`
	Staff  []string `event:"staff,personal"`
}

// UpstreamDecide: a moderator's decision on a held proxied version
// (EventUpstreamDecide): released or confirmed, why, and the MAL- id of a
// confirmation.
type UpstreamDecide struct {
	Upstream string `event:"upstream"`
	State    string `event:"state"`
	Reason   string `event:"reason"`
	Advisory string `event:"advisory"`
	Via      string `event:"via,personal"`
	IP       string `event:"ip,personal"`
}

func init() {
	register(UpstreamSignature{}, 1).by(Users)
	register(UpstreamQuarantine{}, 2).by(Users)
	registerOlder(UpstreamQuarantine{}, 1, "upstream", "integrity", "rules")
	register(UpstreamDecide{}, 1).by(Staff)
}

func (UpstreamDecide) Type() string { return core.EventUpstreamDecide }

// At is the event of p by actor about name@version.
func (p UpstreamDecide) At(at time.Time, actor, name, version string) *core.Event {
	return newEvent(p, at, actor, name, version)
}

func (UpstreamSignature) Type() string  { return core.EventUpstreamSignature }
func (UpstreamQuarantine) Type() string { return core.EventUpstreamQuarantine }

// At is the event of p by the system about name@version.
func (p UpstreamSignature) At(at time.Time, name, version string) *core.Event {
	return newEvent(p, at, "", name, version)
}

// At is the event of p by the system about name@version.
func (p UpstreamQuarantine) At(at time.Time, name, version string) *core.Event {
	return newEvent(p, at, "", name, version)
}
