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
// (EventUpstreamQuarantine).
type UpstreamQuarantine struct {
	Upstream  string `event:"upstream"`
	Integrity string `event:"integrity"`
	// Rules are the ids of the rules that matched.
	Rules []string `event:"rules"`
}

func init() {
	register(UpstreamSignature{}, 1)
	register(UpstreamQuarantine{}, 1)
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
