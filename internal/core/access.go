package core

import "time"

// The event types of private registries: invitations and sign-in with a
// company's identity provider (internal/identity, internal/sso).
const (
	// EventInviteCreate: an administrator invited an address to sign up.
	EventInviteCreate = "invite.create"
	// EventInviteUse: an invitation was used to create an account.
	EventInviteUse = "invite.use"
	// EventSSOLink: an account was linked to an identity provider's
	// subject (at its first sign-in through the provider).
	EventSSOLink = "sso.link"
)

// Invite is an invitation to sign up on an invite-only registry. Only the
// hash of its secret is stored; it is used once.
type Invite struct {
	ID        int64
	Hash      string // SHA-256 of the secret in the link, hex
	Email     string // the address invited
	CreatedBy string
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    time.Time // zero until used
	UsedBy    string    // the account it created
}

// SSOIdentity links an account to a subject of an identity provider
// ([[sso]]): the provider's stable `sub`, never its address, identifies
// the person at later sign-ins.
type SSOIdentity struct {
	Provider string // the [[sso]] name
	Subject  string
	UserID   int64
	Email    string // the verified address the provider gave at linking
	LinkedAt time.Time
}
