package signing_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"testing"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/signing"
)

// FuzzVerifyAttestation: a bundle from a registry (untrusted to the
// verifier) never panics the verifier, and nothing but a signature by
// the listed key verifies.
func FuzzVerifyAttestation(f *testing.F) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		f.Fatal(err)
	}
	spki, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
	keys := []core.SigningKey{{KeyID: signing.KeyID(spki), Public: spki}}
	f.Add([]byte(`{"dsseEnvelope":{"payloadType":"application/vnd.in-toto+json","payload":"e30=","signatures":[{"keyid":"` + keys[0].KeyID + `","sig":"MEQCIA=="}]}}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, bundle []byte) {
		if _, err := signing.VerifyAttestation(keys, "a", "1.0.0", "00", bundle); err == nil {
			t.Fatalf("a bundle not signed by the key verified: %q", bundle)
		}
	})
}

// FuzzVerify: any signature string never panics Verify, and none made
// without the key verifies.
func FuzzVerify(f *testing.F) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		f.Fatal(err)
	}
	spki, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
	keys := []core.SigningKey{{KeyID: signing.KeyID(spki), Public: spki}}
	f.Add("MEQCIA==", "sha512-AA==")
	f.Add("", "")
	f.Fuzz(func(t *testing.T, sig, integrity string) {
		if err := signing.Verify(keys, "a", "1.0.0", integrity, core.Signature{KeyID: keys[0].KeyID, Sig: sig}); err == nil {
			t.Fatalf("a signature made without the key verified: %q", sig)
		}
	})
}
