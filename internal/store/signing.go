package store

import (
	"time"

	"github.com/rampart/rampart/internal/core"
)

// Signing holds the registry's signing keys (their public parts) and
// what the registry signed of each version (internal/signing).
//
// At most one key is current (Expires zero) at a time. A key, once
// listed, stays listed forever: clients check old versions' signatures
// against it.
type Signing interface {
	// SigningKeys lists every key, oldest first.
	SigningKeys() ([]core.SigningKey, error)
	// InsertSigningKey adds a key. A KeyID already listed (current or
	// retired) is a conflict, as is a second current key.
	InsertSigningKey(k *core.SigningKey) error
	// RetireSigningKey sets the current key's Expires, which must not be
	// zero; ErrNotFound if keyID is not the current key.
	RetireSigningKey(keyID string, expires time.Time) error
	// LastSignedWith is the publish time of the newest version signed with
	// keyID; zero if none.
	LastSignedWith(keyID string) (time.Time, error)
	// PutVersionSignature records what was signed of a version. A version
	// has one: a second is a conflict and changes nothing. The key must
	// be listed.
	PutVersionSignature(s *core.VersionSignature) error
	// VersionSignature is what was signed of one version; ErrNotFound if
	// nothing was.
	VersionSignature(packageID int64, version string) (*core.VersionSignature, error)
	// VersionSignatures are a package's versions' signatures, by version,
	// without their attestations.
	VersionSignatures(packageID int64) (map[string]core.Signature, error)
	// UnsignedVersions lists up to limit versions with no signature, in
	// the order they were published.
	UnsignedVersions(limit int) ([]core.UnsignedVersion, error)
}
