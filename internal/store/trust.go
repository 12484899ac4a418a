package store

import (
	"time"

	"github.com/rampart/rampart/internal/core"
)

// TrustedPublishers holds trusted-publisher configurations (attached to a
// package or pending for a name), the ID tokens already exchanged (by
// issuer and jti, until they expire) and the per-package policy "publish
// only through trusted publishing".
type TrustedPublishers interface {
	// CreateTrustedPublisher stores tp and sets tp.ID.
	CreateTrustedPublisher(tp *core.TrustedPublisher) error
	// TrustedPublisherByID finds one; core.ErrNotFound if none.
	TrustedPublisherByID(id int64) (*core.TrustedPublisher, error)
	// TrustedPublishersFor lists the configurations for a package name,
	// pending ones included (expired or not), oldest first.
	TrustedPublishersFor(ref core.PackageRef) ([]core.TrustedPublisher, error)
	// PendingPublishersBy lists the pending configurations a user
	// registered, expired ones included, oldest first.
	PendingPublishersBy(userID int64) ([]core.TrustedPublisher, error)
	// UpdateTrustedPublisher writes Stable and PendingUntil (a pending
	// one becomes attached, or its stable ids are recorded).
	UpdateTrustedPublisher(tp *core.TrustedPublisher) error
	// DeleteTrustedPublisher removes one; core.ErrNotFound if none.
	DeleteTrustedPublisher(id int64) error

	// UseIDToken records that the ID token (issuer, jti) was exchanged; it
	// is kept until expires, after which it is forgotten (its exp makes
	// it useless anyway). A second use before then is core.ErrConflict.
	UseIDToken(issuer, jti string, expires, now time.Time) error

	// RecordTrustedToken links an exchanged token to its configuration.
	RecordTrustedToken(tt *core.TrustedToken) error
	// TrustedTokenByID is the link of a token; core.ErrNotFound if none.
	TrustedTokenByID(tokenID int64) (*core.TrustedToken, error)

	// TrustedOnly reports whether a package publishes only through
	// trusted publishing.
	TrustedOnly(ref core.PackageRef) (bool, error)
	// SetTrustedOnly changes that policy.
	SetTrustedOnly(ref core.PackageRef, on bool, at time.Time) error
}
