package event

import (
	"time"

	"github.com/rampart/rampart/internal/core"
)

// The package events: At also takes the package and, where the event is
// about one version, the version.

// Publish: a version was published (EventPublish). Schema 2 adds the
// facts of the notice the maintainers are mailed from the outbox (Via,
// IP, Notify); a schema-1 event has them empty and warrants no mail.
type Publish struct {
	Integrity string   `event:"integrity"` // sha512-<base64>
	Tag       string   `event:"tag"`
	Token     string   `event:"token"`           // the key of the token used; "" for a session
	Via       string   `event:"via,personal"`    // how the actor was signed in, naming the token by mask and name
	IP        string   `event:"ip,personal"`     // the actor's address; "" if none
	Notify    []string `event:"notify,personal"` // the users to mail: the maintainers after the publish
}

// Unpublish: one version was unpublished (EventUnpublish). Schema 2
// adds the facts of the notice the maintainers are mailed from the
// outbox. One request that unpublishes several versions records one
// event per version, and only the last of them names whom to tell
// (Notify) and every version of the request (Versions): one mail per
// request, not per version. The others, and schema-1 events, warrant no
// mail.
type Unpublish struct {
	Integrity string   `event:"integrity"`
	Via       string   `event:"via,personal"`      // how the actor was signed in, naming the token by mask and name
	IP        string   `event:"ip,personal"`       // the actor's address; "" if none
	Notify    []string `event:"notify,personal"`   // the users to mail: the maintainers at the time
	Versions  []string `event:"versions,personal"` // with Notify: every version the request unpublished
}

// UnpublishAll: the whole package was unpublished; the name is held
// (EventUnpublishAll). Schema 2 adds the notice's facts, as for Publish.
type UnpublishAll struct {
	Versions []string `event:"versions"`
	Via      string   `event:"via,personal"`
	IP       string   `event:"ip,personal"`
	Notify   []string `event:"notify,personal"` // the maintainers at the time
}

// NameRelease: an admin released a held name (EventNameRelease).
type NameRelease struct{}

// Deprecate: a version's deprecation message changed ("" un-deprecates)
// (EventDeprecate). Schema 2 adds the notice's facts. A request that
// changes several versions (`npm deprecate pkg@"<2"`) records one event
// per version, and only the last names whom to tell and every change of
// the request, as the parallel lists Versions and Messages: the
// maintainers get one mail per request listing the versions.
type Deprecate struct {
	Message  string   `event:"message"`
	Via      string   `event:"via,personal"`
	IP       string   `event:"ip,personal"`
	Notify   []string `event:"notify,personal"`   // the maintainers at the time
	Versions []string `event:"versions,personal"` // with Notify: every version the request changed
	Messages []string `event:"messages,personal"` // each one's new message, "" for un-deprecated
}

// DistTagSet: a dist-tag now points at the event's version
// (EventDistTagSet). Schema 2 adds From, the version it pointed at
// before ("" for a new tag), and the notice's facts.
type DistTagSet struct {
	Tag    string   `event:"tag"`
	From   string   `event:"from"`
	Via    string   `event:"via,personal"`
	IP     string   `event:"ip,personal"`
	Notify []string `event:"notify,personal"` // the maintainers at the time
}

// DistTagRemove: a dist-tag was removed (EventDistTagRemove). Schema 2
// adds From, the version it pointed at, and the notice's facts.
type DistTagRemove struct {
	Tag    string   `event:"tag"`
	From   string   `event:"from"`
	Via    string   `event:"via,personal"`
	IP     string   `event:"ip,personal"`
	Notify []string `event:"notify,personal"` // the maintainers at the time
}

// OwnerAdd: a maintainer was added (EventOwnerAdd). Schema 2 adds the
// facts of the notice the owners are mailed from the outbox (Via, IP,
// Notify); a schema-1 event has them empty and warrants no mail.
type OwnerAdd struct {
	User   string   `event:"user"`
	Via    string   `event:"via,personal"`    // how the actor was signed in, naming the token by mask and name
	IP     string   `event:"ip,personal"`     // the actor's address; "" if none
	Notify []string `event:"notify,personal"` // the users to mail: the owners after the change
}

// OwnerRemove: a maintainer was removed (EventOwnerRemove). Schema 2 as
// for OwnerAdd; Notify also names the removed owner.
type OwnerRemove struct {
	User   string   `event:"user"`
	Via    string   `event:"via,personal"`
	IP     string   `event:"ip,personal"`
	Notify []string `event:"notify,personal"`
}

// AccessChange: the package's access changed (EventAccessChange).
type AccessChange struct {
	Access string `event:"access"` // "public" or "restricted"
}

// CriticalChange: critical packages changed: an admin's designation of the event's package (Designated), or, with no package, the computed set (EventCriticalChange).
type CriticalChange struct {
	Designated      bool      `event:"designated"` // for a designation: on or off
	Computed        []string  `event:"computed"`   // the computed set, by name
	BecameCritical  []string  `event:"became_critical"`
	TopPercent      string    `event:"top_percent"` // Decimal(critical_top_percent)
	MinDownloads    int64     `event:"min_downloads"`
	WindowDays      int       `event:"window_days"`
	KeyRequiredFrom time.Time `event:"key_required_from"` // end of the grace period, if any became critical
	// Notify (schema 2) is whom to mail of a designation that made the
	// package critical: its maintainers then. The outbox mails them.
	Notify []string `event:"notify,personal"`
	// Recipients (schema 2) is whom to mail of the packages that became
	// critical by their downloads: "package user" pairs (neither name
	// holds a space), each such package's maintainers then.
	Recipients []string `event:"recipients,personal"`
}

// FileDamaged: a version's stored file was refused: damaged or missing (EventFileDamaged).
type FileDamaged struct {
	Digest   string `event:"digest"`
	Problem  string `event:"problem"`
	HashesTo string `event:"hashes_to"` // what the file hashes to now; "" if missing
}

func init() {
	register(Publish{}, 2).by(Users)
	registerOlder(Publish{}, 1, "integrity", "tag", "token")
	register(Unpublish{}, 2).by(Users)
	registerOlder(Unpublish{}, 1, "integrity")
	register(UnpublishAll{}, 2).by(Users)
	registerOlder(UnpublishAll{}, 1, "versions")
	register(NameRelease{}, 1).by(Staff)
	register(Deprecate{}, 2).by(Users)
	registerOlder(Deprecate{}, 1, "message")
	register(DistTagSet{}, 2).by(Users)
	registerOlder(DistTagSet{}, 1, "tag")
	register(DistTagRemove{}, 2).by(Users)
	registerOlder(DistTagRemove{}, 1, "tag")
	register(OwnerAdd{}, 2).by(Users)
	registerOlder(OwnerAdd{}, 1, "user")
	register(OwnerRemove{}, 2).by(Users)
	registerOlder(OwnerRemove{}, 1, "user")
	register(AccessChange{}, 1).by(Users)
	register(CriticalChange{}, 2).by(Staff)
	registerOlder(CriticalChange{}, 1, "designated", "computed", "became_critical", "top_percent", "min_downloads", "window_days", "key_required_from")
	register(FileDamaged{}, 1).by(Users)
}

func (Publish) Type() string        { return core.EventPublish }
func (Unpublish) Type() string      { return core.EventUnpublish }
func (UnpublishAll) Type() string   { return core.EventUnpublishAll }
func (NameRelease) Type() string    { return core.EventNameRelease }
func (Deprecate) Type() string      { return core.EventDeprecate }
func (DistTagSet) Type() string     { return core.EventDistTagSet }
func (DistTagRemove) Type() string  { return core.EventDistTagRemove }
func (OwnerAdd) Type() string       { return core.EventOwnerAdd }
func (OwnerRemove) Type() string    { return core.EventOwnerRemove }
func (AccessChange) Type() string   { return core.EventAccessChange }
func (CriticalChange) Type() string { return core.EventCriticalChange }
func (FileDamaged) Type() string    { return core.EventFileDamaged }

// At is the event of p about pkg (and version, if one).
func (p Publish) At(at time.Time, actor, pkg, version string) *core.Event {
	return newEvent(p, at, actor, pkg, version)
}

// At is the event of p about pkg (and version, if one).
func (p Unpublish) At(at time.Time, actor, pkg, version string) *core.Event {
	return newEvent(p, at, actor, pkg, version)
}

// At is the event of p about pkg (and version, if one).
func (p UnpublishAll) At(at time.Time, actor, pkg, version string) *core.Event {
	return newEvent(p, at, actor, pkg, version)
}

// At is the event of p about pkg (and version, if one).
func (p NameRelease) At(at time.Time, actor, pkg, version string) *core.Event {
	return newEvent(p, at, actor, pkg, version)
}

// At is the event of p about pkg (and version, if one).
func (p Deprecate) At(at time.Time, actor, pkg, version string) *core.Event {
	return newEvent(p, at, actor, pkg, version)
}

// At is the event of p about pkg (and version, if one).
func (p DistTagSet) At(at time.Time, actor, pkg, version string) *core.Event {
	return newEvent(p, at, actor, pkg, version)
}

// At is the event of p about pkg (and version, if one).
func (p DistTagRemove) At(at time.Time, actor, pkg, version string) *core.Event {
	return newEvent(p, at, actor, pkg, version)
}

// At is the event of p about pkg (and version, if one).
func (p OwnerAdd) At(at time.Time, actor, pkg, version string) *core.Event {
	return newEvent(p, at, actor, pkg, version)
}

// At is the event of p about pkg (and version, if one).
func (p OwnerRemove) At(at time.Time, actor, pkg, version string) *core.Event {
	return newEvent(p, at, actor, pkg, version)
}

// At is the event of p about pkg (and version, if one).
func (p AccessChange) At(at time.Time, actor, pkg, version string) *core.Event {
	return newEvent(p, at, actor, pkg, version)
}

// At is the event of p about pkg (and version, if one).
func (p CriticalChange) At(at time.Time, actor, pkg, version string) *core.Event {
	return newEvent(p, at, actor, pkg, version)
}

// At is the event of p about pkg (and version, if one).
func (p FileDamaged) At(at time.Time, actor, pkg, version string) *core.Event {
	return newEvent(p, at, actor, pkg, version)
}
