package event

import (
	"time"

	"github.com/rampart/rampart/internal/core"
)

// The moderators' actions on a version besides Quarantine and
// QuarantineRelease (quarantine.go): internal/quarantine records them.
// Notify names the maintainers at the time, whom the moderation notices
// mail.

// ConfirmMalicious: a moderator confirmed a held version malicious
// (EventVersionConfirmMalicious): it is unpublished for good, its
// digests blocklisted, an advisory published (Advisory, "" if none).
type ConfirmMalicious struct {
	Reason        string   `event:"reason"`
	Integrity     string   `event:"integrity"`
	Blocked       int      `event:"blocked"` // digests added to the blocklist
	Advisory      string   `event:"advisory"`
	TokensRevoked int      `event:"tokens_revoked"`
	Via           string   `event:"via,personal"`
	IP            string   `event:"ip,personal"`
	Notify        []string `event:"notify,personal"`
}

// VersionRemove: a moderator took a version down with a reason
// (EventVersionRemove): not served, restorable.
type VersionRemove struct {
	Reason string   `event:"reason"`
	Via    string   `event:"via,personal"`
	IP     string   `event:"ip,personal"`
	Notify []string `event:"notify,personal"`
}

// VersionRestore: a moderator brought back a version that moderators
// had held or removed (EventVersionRestore).
type VersionRestore struct {
	Reason string   `event:"reason"`
	Via    string   `event:"via,personal"`
	IP     string   `event:"ip,personal"`
	Notify []string `event:"notify,personal"`
}

// RescanStart: a moderator started a rescan of existing versions with
// the current rules (EventRescanStart); the event's package is the one
// rescanned, "" for all.
type RescanStart struct {
	Rescan int64 `event:"rescan"`
	Rules  int   `event:"rules"`
}

func init() {
	register(ConfirmMalicious{}, 1).by(Staff)
	register(VersionRemove{}, 1).by(Staff)
	register(VersionRestore{}, 1).by(Staff)
	register(RescanStart{}, 1).by(Staff)
}

func (ConfirmMalicious) Type() string { return core.EventVersionConfirmMalicious }
func (VersionRemove) Type() string    { return core.EventVersionRemove }
func (VersionRestore) Type() string   { return core.EventVersionRestore }
func (RescanStart) Type() string      { return core.EventRescanStart }

// At is the event of p about version of pkg.
func (p ConfirmMalicious) At(at time.Time, actor, pkg, version string) *core.Event {
	return newEvent(p, at, actor, pkg, version)
}

// At is the event of p about version of pkg.
func (p VersionRemove) At(at time.Time, actor, pkg, version string) *core.Event {
	return newEvent(p, at, actor, pkg, version)
}

// At is the event of p about version of pkg.
func (p VersionRestore) At(at time.Time, actor, pkg, version string) *core.Event {
	return newEvent(p, at, actor, pkg, version)
}

// At is the event of p by actor; pkg is "" for a rescan of every package.
func (p RescanStart) At(at time.Time, actor, pkg string) *core.Event {
	return newEvent(p, at, actor, pkg, "")
}
