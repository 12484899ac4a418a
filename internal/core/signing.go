package core

import "time"

// Registry signatures (PRINCIPLES BEY-d): the registry signs every
// version it publishes with its current key, and lists every key it ever
// signed with, so that a client can check a version offline.

// SigningKey is one of the registry's signing keys, public part only: the
// private key never enters the metadata store (internal/signing keeps it
// in a file).
type SigningKey struct {
	// KeyID is "SHA256:" and the unpadded base64 of the SHA-256 of
	// Public, as npm names its keys.
	KeyID string
	// Public is the key's SubjectPublicKeyInfo, DER (ECDSA P-256).
	Public  []byte
	Created time.Time
	// Expires is when the key was retired: versions published from then
	// on are not signed with it. Zero for the current key.
	Expires time.Time
}

// Current reports whether k is the key new versions are signed with.
func (k *SigningKey) Current() bool { return k.Expires.IsZero() }

// Signature is one registry signature of a version: npm's
// dist.signatures entry.
type Signature struct {
	KeyID string
	Sig   string // base64 of the DER ECDSA signature
}

// VersionSignature is what the registry signed of one version: its
// signature, and the publish attestation (a DSSE-signed in-toto
// statement in a Sigstore bundle, JSON), both with KeyID.
type VersionSignature struct {
	PackageID   int64
	Version     string
	KeyID       string
	Sig         string
	Attestation []byte
	SignedAt    time.Time
}

// UnsignedVersion names a version that has no registry signature yet
// (published before the registry signed), for the one-time backfill.
type UnsignedVersion struct {
	Package   PackageRef
	PackageID int64
	Version   string
	Integrity string
	Digest    string // sha512 hex of the artifact
}

// The signing events.
const (
	// EventSigningKeyRotate: a new signing key became current; the one
	// before it (if any) was retired.
	EventSigningKeyRotate = "registry.signing_key_rotate"
	// EventSigningBackfill: versions published before the registry
	// signed were signed with its current key.
	EventSigningBackfill = "registry.signing_backfill"
)
