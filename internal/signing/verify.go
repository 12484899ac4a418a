package signing

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/rampart/rampart/internal/core"
)

// Message is what a version's registry signature signs, exactly as npm
// verifies it (lib/utils/verify-signatures.js):
// "<name>@<version>:<integrity>", integrity being dist.integrity.
func Message(name, version, integrity string) []byte {
	return []byte(name + "@" + version + ":" + integrity)
}

// The verifier's errors, for errors.Is.
var (
	// ErrUnknownKey: the signature names a key the registry does not list
	// (npm: EMISSINGSIGNATUREKEY).
	ErrUnknownKey = errors.New("signed with a key the registry does not list")
	// ErrExpiredKey: the version was published at or after the key's
	// expiry (npm: EEXPIREDSIGNATUREKEY).
	ErrExpiredKey = errors.New("signed with a key that had expired when the version was published")
	// ErrBadSignature: the signature does not verify (npm:
	// EINTEGRITYSIGNATURE): the version's name, version or integrity is
	// not what the registry signed.
	ErrBadSignature = errors.New("the registry signature does not match")
)

// Verify checks a version's registry signature against the registry's
// keys, as npm does: the key named by sig.KeyID, ECDSA over the SHA-256
// of Message(name, version, integrity), the signature base64 DER.
func Verify(keys []core.SigningKey, name, version, integrity string, sig core.Signature) error {
	k, err := keyByID(keys, sig.KeyID)
	if err != nil {
		return err
	}
	pub, err := PublicKey(k.Public)
	if err != nil {
		return fmt.Errorf("key %s: %w", k.KeyID, err)
	}
	der, err := base64.StdEncoding.DecodeString(sig.Sig)
	if err != nil {
		return fmt.Errorf("%s@%s: %w (not base64)", name, version, ErrBadSignature)
	}
	sum := sha256.Sum256(Message(name, version, integrity))
	if !ecdsa.VerifyASN1(pub, sum[:], der) {
		return fmt.Errorf("%s@%s: %w", name, version, ErrBadSignature)
	}
	return nil
}

// VerifyPublished is Verify with npm's check of the key's validity: a
// version published at or after its key's expiry is refused, so that a
// retired (perhaps leaked) key cannot sign new versions that verify.
func VerifyPublished(keys []core.SigningKey, name, version, integrity string, sig core.Signature, published time.Time) error {
	k, err := keyByID(keys, sig.KeyID)
	if err != nil {
		return err
	}
	if !k.Expires.IsZero() && !published.Before(k.Expires) {
		return fmt.Errorf("%s@%s (published %s, key %s expired %s): %w", name, version,
			published.UTC().Format(time.RFC3339), k.KeyID, k.Expires.UTC().Format(time.RFC3339), ErrExpiredKey)
	}
	return Verify(keys, name, version, integrity, sig)
}

func keyByID(keys []core.SigningKey, id string) (*core.SigningKey, error) {
	for i := range keys {
		if keys[i].KeyID == id {
			return &keys[i], nil
		}
	}
	return nil, fmt.Errorf("key %q: %w", id, ErrUnknownKey)
}
