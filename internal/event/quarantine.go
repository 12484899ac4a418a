package event

import (
	"time"

	"github.com/rampart/rampart/internal/core"
)

// Quarantine: a version was quarantined as possibly malicious, by a scan
// or a moderator (EventQuarantine): it is served to no one, its
// maintainers included, until it is released. Notify names whom to
// mail: the package's maintainers at the time; Staff (schema 2) the
// site's moderators and administrators to alert when a scan held it.
type Quarantine struct {
	Reason string   `event:"reason"` // why, for the maintainers: the rule that matched or the moderator's words
	Via    string   `event:"via,personal"`
	IP     string   `event:"ip,personal"`
	Notify []string `event:"notify,personal"`
	Staff  []string `event:"staff,personal"`
}

// QuarantineRelease: a quarantined version was released and is served
// again (EventQuarantineRelease), as Quarantine.
type QuarantineRelease struct {
	Reason string   `event:"reason"` // why it was released (a false positive, say)
	Via    string   `event:"via,personal"`
	IP     string   `event:"ip,personal"`
	Notify []string `event:"notify,personal"`
}

func init() {
	register(Quarantine{}, 2).by(Staff)
	registerOlder(Quarantine{}, 1, "reason", "via", "ip", "notify")
	register(QuarantineRelease{}, 1).by(Staff)
}

func (Quarantine) Type() string        { return core.EventQuarantine }
func (QuarantineRelease) Type() string { return core.EventQuarantineRelease }

// At is the event of p about version of pkg.
func (p Quarantine) At(at time.Time, actor, pkg, version string) *core.Event {
	return newEvent(p, at, actor, pkg, version)
}

// At is the event of p about version of pkg.
func (p QuarantineRelease) At(at time.Time, actor, pkg, version string) *core.Event {
	return newEvent(p, at, actor, pkg, version)
}
