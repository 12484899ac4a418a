package event

import (
	"time"

	"github.com/rampart/rampart/internal/core"
)

// The staged-publishing events: At takes the package and the staged
// version (none for a policy change). Each names in its personal part
// whom the outbox mails: the package's maintainers at the time.

// StagePublish: a version was staged, pending a maintainer's approval
// (EventStagePublish).
type StagePublish struct {
	Stage     string    `event:"stage"` // the stage's id
	Integrity string    `event:"integrity"`
	Tag       string    `event:"tag"`    // moves on approval
	Reason    string    `event:"reason"` // why it was staged
	ExpiresAt time.Time `event:"expires_at"`
	Token     string    `event:"token"`           // the key of the token used; "" for a session
	Via       string    `event:"via,personal"`    // how the actor was signed in, naming the token by mask and name
	IP        string    `event:"ip,personal"`     // the actor's address; "" if none
	Notify    []string  `event:"notify,personal"` // the maintainers to mail
}

// StageApprove: a staged version was approved and is live
// (EventStageApprove).
type StageApprove struct {
	Stage     string   `event:"stage"`
	Integrity string   `event:"integrity"`
	Tag       string   `event:"tag"` // the dist-tag that moved to the version
	Via       string   `event:"via,personal"`
	IP        string   `event:"ip,personal"`
	Notify    []string `event:"notify,personal"`
}

// StageReject: a staged version was rejected: discarded, its version
// number used forever (EventStageReject).
type StageReject struct {
	Stage     string   `event:"stage"`
	Integrity string   `event:"integrity"`
	Via       string   `event:"via,personal"`
	IP        string   `event:"ip,personal"`
	Notify    []string `event:"notify,personal"`
}

// StageExpire: nobody approved or rejected a staged version in time, and
// it was discarded like a rejection (EventStageExpire). The actor is "".
type StageExpire struct {
	Stage     string    `event:"stage"`
	Integrity string    `event:"integrity"`
	StagedAt  time.Time `event:"staged_at"`
	Notify    []string  `event:"notify,personal"`
}

// StagePolicy: the package's staged-publishing policy changed
// (EventStagePolicy).
type StagePolicy struct {
	From   string   `event:"from"` // core.StagePolicy
	To     string   `event:"to"`
	Via    string   `event:"via,personal"`
	IP     string   `event:"ip,personal"`
	Notify []string `event:"notify,personal"` // every owner
}

func init() {
	register(StagePublish{}, 1).by(Users)
	register(StageApprove{}, 1).by(Users)
	register(StageReject{}, 1).by(Users)
	register(StageExpire{}, 1).by(Users)
	register(StagePolicy{}, 1).by(Users)
}

func (StagePublish) Type() string { return core.EventStagePublish }
func (StageApprove) Type() string { return core.EventStageApprove }
func (StageReject) Type() string  { return core.EventStageReject }
func (StageExpire) Type() string  { return core.EventStageExpire }
func (StagePolicy) Type() string  { return core.EventStagePolicy }

// At is the event of p about pkg's staged version.
func (p StagePublish) At(at time.Time, actor, pkg, version string) *core.Event {
	return newEvent(p, at, actor, pkg, version)
}

// At is the event of p about pkg's staged version.
func (p StageApprove) At(at time.Time, actor, pkg, version string) *core.Event {
	return newEvent(p, at, actor, pkg, version)
}

// At is the event of p about pkg's staged version.
func (p StageReject) At(at time.Time, actor, pkg, version string) *core.Event {
	return newEvent(p, at, actor, pkg, version)
}

// At is the event of p about pkg's staged version; nobody acted.
func (p StageExpire) At(at time.Time, pkg, version string) *core.Event {
	return newEvent(p, at, "", pkg, version)
}

// At is the event of p about pkg.
func (p StagePolicy) At(at time.Time, actor, pkg string) *core.Event {
	return newEvent(p, at, actor, pkg, "")
}
