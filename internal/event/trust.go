package event

import (
	"time"

	"github.com/rampart/rampart/internal/core"
)

// The trusted-publishing events (AUTHZ-3a). Each names the package; the
// configuration's claims (a CI repository and workflow) are public, like
// the package itself, while whom to tell and the actor's address are
// personal. The owners' notices are mailed from the outbox
// (internal/trust's notices).

// TrustAdd: a trusted publisher was configured for the package, or, when
// Pending, registered for a name that does not exist yet and reserved
// to the actor until PendingUntil (EventTrustAdd).
type TrustAdd struct {
	ID           int64     `event:"id"`
	Issuer       string    `event:"issuer"`
	Claims       []string  `event:"claims"` // "key=value", sorted
	Pending      bool      `event:"pending"`
	PendingUntil time.Time `event:"pending_until"`
	Via          string    `event:"via,personal"`
	IP           string    `event:"ip,personal"`
	Notify       []string  `event:"notify,personal"` // the owners (or, pending, the registering user)
}

// TrustRemove: a trusted publisher was removed (EventTrustRemove).
// Reason is "owner" (an owner removed it) or "expired" (a pending
// reservation ran out and was cleared).
type TrustRemove struct {
	ID     int64    `event:"id"`
	Issuer string   `event:"issuer"`
	Claims []string `event:"claims"`
	Reason string   `event:"reason"`
	Via    string   `event:"via,personal"`
	IP     string   `event:"ip,personal"`
	Notify []string `event:"notify,personal"`
}

// TrustPolicy: the package's "publish only through trusted publishing"
// policy changed (EventTrustPolicy).
type TrustPolicy struct {
	TrustedOnly bool     `event:"trusted_only"`
	Via         string   `event:"via,personal"`
	IP          string   `event:"ip,personal"`
	Notify      []string `event:"notify,personal"`
}

// TrustExchange: a CI's ID token was exchanged for a short-lived publish
// token of the package (EventTrustExchange). Token is the new token's
// key; Subject the ID token's sub; Pending that the configuration was a
// pending one (the token may create the package).
type TrustExchange struct {
	ID      int64     `event:"id"`
	Issuer  string    `event:"issuer"`
	Subject string    `event:"subject"`
	Token   string    `event:"token"`
	Expires time.Time `event:"expires"`
	Pending bool      `event:"pending"`
	IP      string    `event:"ip,personal"`
}

func init() {
	register(TrustAdd{}, 1).by(Users)
	register(TrustRemove{}, 1).by(Users)
	register(TrustPolicy{}, 1).by(Users)
	register(TrustExchange{}, 1).by(Users)
}

func (TrustAdd) Type() string      { return core.EventTrustAdd }
func (TrustRemove) Type() string   { return core.EventTrustRemove }
func (TrustPolicy) Type() string   { return core.EventTrustPolicy }
func (TrustExchange) Type() string { return core.EventTrustExchange }

// At is the event of p about pkg.
func (p TrustAdd) At(at time.Time, actor, pkg string) *core.Event {
	return newEvent(p, at, actor, pkg, "")
}

// At is the event of p about pkg.
func (p TrustRemove) At(at time.Time, actor, pkg string) *core.Event {
	return newEvent(p, at, actor, pkg, "")
}

// At is the event of p about pkg.
func (p TrustPolicy) At(at time.Time, actor, pkg string) *core.Event {
	return newEvent(p, at, actor, pkg, "")
}

// At is the event of p about pkg.
func (p TrustExchange) At(at time.Time, actor, pkg string) *core.Event {
	return newEvent(p, at, actor, pkg, "")
}
