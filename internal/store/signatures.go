package store

import "github.com/rampart/rampart/internal/core"

// Signatures reads the registry's signature of one version as the
// version's document shows it (npm's dist.signatures): the key id and
// the signature, without the keyed publish attestation stored beside
// them (Signing.VersionSignature). A change that renders a version's
// fragment again (a deprecation, an approved stage) reads this, and
// nothing more, for each version it renders.
type Signatures interface {
	// ShownSignature is the key id and signature of one version;
	// ErrNotFound if it was not signed.
	ShownSignature(packageID int64, version string) (core.Signature, error)
}
