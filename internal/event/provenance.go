package event

import (
	"time"

	"github.com/rampart/rampart/internal/core"
)

// The provenance events (AUTHZ-3c, BEY-b): At takes the package and, for
// a refused publish, the version.

// ProvenancePolicy: an owner changed the package's provenance continuity
// policy (EventProvenancePolicy). Every owner is mailed from the outbox.
type ProvenancePolicy struct {
	Continuity string   `event:"continuity"` // "enforce" or "off"
	Repository string   `event:"repository"` // the repository required from now on; "" for the last one published from
	Via        string   `event:"via,personal"`
	IP         string   `event:"ip,personal"`
	Notify     []string `event:"notify,personal"` // the owners to mail
}

// ProvenanceRefused: a publish broke the package's provenance continuity
// and was refused (EventProvenanceRefused): nothing was stored, but the
// owners should know someone tried.
type ProvenanceRefused struct {
	Expected string   `event:"expected"` // the source repository continuity required
	Got      string   `event:"got"`      // the repository the publish came from; "" without provenance
	Notify   []string `event:"notify,personal"`
}

func init() {
	register(ProvenancePolicy{}, 1).by(Users)
	register(ProvenanceRefused{}, 1).by(Users)
}

func (ProvenancePolicy) Type() string  { return core.EventProvenancePolicy }
func (ProvenanceRefused) Type() string { return core.EventProvenanceRefused }

// At is the event of p about pkg.
func (p ProvenancePolicy) At(at time.Time, actor, pkg string) *core.Event {
	return newEvent(p, at, actor, pkg, "")
}

// At is the event of p about pkg's refused version.
func (p ProvenanceRefused) At(at time.Time, actor, pkg, version string) *core.Event {
	return newEvent(p, at, actor, pkg, version)
}
