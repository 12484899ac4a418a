package store

import (
	"time"

	"github.com/rampart/rampart/internal/core"
)

// Invites are the invitations of an invite-only registry
// ([access] registration = "invite"; internal/identity/invites.go).
type Invites interface {
	// CreateInvite stores an invitation and sets its ID.
	CreateInvite(i *core.Invite) error
	// InviteByHash returns the invitation whose secret hashes to hash, or
	// an error wrapping core.ErrNotFound.
	InviteByHash(hash string) (*core.Invite, error)
	// UseInvite marks an unused invitation used by user at at; an error
	// wrapping core.ErrConflict if it was used already (two sign-ups
	// racing for one invitation: one wins), core.ErrNotFound if unknown.
	UseInvite(id int64, user string, at time.Time) error
	// Invites lists every invitation, newest first.
	Invites() ([]core.Invite, error)
}

// SSOIdentities link accounts to their identity provider's subjects
// ([[sso]]; internal/sso).
type SSOIdentities interface {
	// LinkSSOIdentity stores a link; an error wrapping core.ErrConflict if
	// the provider's subject is linked already.
	LinkSSOIdentity(i core.SSOIdentity) error
	// SSOIdentity returns the link of a provider's subject, or an error
	// wrapping core.ErrNotFound.
	SSOIdentity(provider, subject string) (*core.SSOIdentity, error)
}
