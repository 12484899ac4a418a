// Package softkey makes software WebAuthn credentials for tests that
// answer ceremonies without a browser (github.com/descope/virtualwebauthn).
package softkey

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"testing"

	"github.com/descope/virtualwebauthn"
)

// NewCredential is a software credential with a P-256 key whose
// coordinates are both 32 bytes long: virtualwebauthn writes them without
// leading zeros, which a strict COSE parser (rightly) refuses, about one
// key in a hundred.
func NewCredential(t testing.TB) virtualwebauthn.Credential {
	t.Helper()
	for {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		if len(k.X.Bytes()) != 32 || len(k.Y.Bytes()) != 32 {
			continue
		}
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return virtualwebauthn.NewCredentialWithImportedKey(virtualwebauthn.KeyTypeEC2, der)
	}
}
