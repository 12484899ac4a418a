package event

import (
	"time"

	"github.com/rampart/rampart/internal/core"
)

// InviteCreate: an administrator invited an address to sign up on an
// invite-only registry (EventInviteCreate). The address is personal.
type InviteCreate struct {
	Invite  int64     `event:"invite"` // its id
	Email   string    `event:"email,personal"`
	Expires time.Time `event:"expires"`
}

// InviteUse: an invitation created an account (EventInviteUse).
type InviteUse struct {
	Invite int64  `event:"invite"`
	User   string `event:"user"`
}

// SSOLink: an account was linked to an identity provider's subject, at
// its first sign-in through the provider ([[sso]]) (EventSSOLink). Created
// says the sign-in created the account (just-in-time provisioning).
type SSOLink struct {
	User     string `event:"user"`
	Provider string `event:"provider"`
	Subject  string `event:"subject,personal"`
	Email    string `event:"email,personal"`
	Created  bool   `event:"created"`
}

func init() {
	register(InviteCreate{}, 1).by(Staff)
	register(InviteUse{}, 1).by(Users)
	register(SSOLink{}, 1).by(Users)
}

func (InviteCreate) Type() string { return core.EventInviteCreate }
func (InviteUse) Type() string    { return core.EventInviteUse }
func (SSOLink) Type() string      { return core.EventSSOLink }

// At is the event of p by actor.
func (p InviteCreate) At(at time.Time, actor string) *core.Event {
	return newEvent(p, at, actor, "", "")
}

// At is the event of p by actor.
func (p InviteUse) At(at time.Time, actor string) *core.Event { return newEvent(p, at, actor, "", "") }

// At is the event of p by actor.
func (p SSOLink) At(at time.Time, actor string) *core.Event { return newEvent(p, at, actor, "", "") }
