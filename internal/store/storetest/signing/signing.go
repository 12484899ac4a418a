// Package signing is the conformance cases of store.Signing: the
// registry's signing keys and what it signed of each version.
package signing

import (
	"errors"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/storetest/suite"
)

// RunSigning runs the cases of store.Signing.
func RunSigning(t *testing.T, open func(t *testing.T) store.Store) {
	suite.Cases(t, open, []suite.Test{
		{Name: "Keys", F: testKeys},
		{Name: "VersionSignatures", F: testVersionSignatures},
	})
}

func key(id string, created time.Time) *core.SigningKey {
	return &core.SigningKey{KeyID: id, Public: []byte("spki of " + id), Created: created}
}

// testKeys: keys are listed oldest first; one is current at a time; a
// retired key stays listed with its expiry; a key id is never listed
// twice, current or retired.
func testKeys(t *testing.T, s store.Store) {
	if keys := suite.Read(t, s, func(tx store.Tx) ([]core.SigningKey, error) { return tx.SigningKeys() }); len(keys) != 0 {
		t.Fatalf("SigningKeys of a new store = %v, want none", keys)
	}
	suite.Write(t, s, func(tx store.Tx) error { return tx.InsertSigningKey(key("SHA256:one", suite.At(0))) })
	err := s.Update(t.Context(), func(tx store.Tx) error { return tx.InsertSigningKey(key("SHA256:two", suite.At(time.Hour))) })
	suite.WantErr(t, err, core.ErrConflict, "InsertSigningKey of a second current key")
	err = s.Update(t.Context(), func(tx store.Tx) error { return tx.RetireSigningKey("SHA256:nope", suite.At(time.Hour)) })
	suite.WantErr(t, err, core.ErrNotFound, "RetireSigningKey of a key that is not current")
	suite.Write(t, s, func(tx store.Tx) error {
		if err := tx.RetireSigningKey("SHA256:one", suite.At(time.Hour)); err != nil {
			return err
		}
		return tx.InsertSigningKey(key("SHA256:two", suite.At(time.Hour)))
	})
	err = s.Update(t.Context(), func(tx store.Tx) error { return tx.RetireSigningKey("SHA256:one", suite.At(2*time.Hour)) })
	suite.WantErr(t, err, core.ErrNotFound, "RetireSigningKey of a retired key")
	suite.Write(t, s, func(tx store.Tx) error { return tx.RetireSigningKey("SHA256:two", suite.At(2*time.Hour)) })
	err = s.Update(t.Context(), func(tx store.Tx) error { return tx.InsertSigningKey(key("SHA256:one", suite.At(3*time.Hour))) })
	suite.WantErr(t, err, core.ErrConflict, "InsertSigningKey of a retired key's id")
	keys := suite.Read(t, s, func(tx store.Tx) ([]core.SigningKey, error) { return tx.SigningKeys() })
	if len(keys) != 2 || keys[0].KeyID != "SHA256:one" || keys[1].KeyID != "SHA256:two" {
		t.Fatalf("SigningKeys = %v, want one then two", keys)
	}
	var d suite.Diffs
	d.Eq("Public", string(keys[0].Public), "spki of SHA256:one")
	d.Time("Created", keys[0].Created, suite.At(0))
	d.Time("Expires", keys[0].Expires, suite.At(time.Hour))
	d.Time("two's Expires", keys[1].Expires, suite.At(2*time.Hour))
	d.Check(t, "SigningKeys")
}

// testVersionSignatures: a version is signed once; its signature and
// attestation read back; unsigned versions are listed in publish order
// until signed.
func testVersionSignatures(t *testing.T, s store.Store) {
	u := suite.CreateUser(t, s, "alice")
	p := suite.CreatePackage(t, s, suite.NewPackage("left-pad"))
	v1 := suite.NewVersion(p, "1.0.0", u.ID, suite.At(time.Minute))
	v2 := suite.NewVersion(p, "2.0.0", u.ID, suite.At(2*time.Minute))
	suite.InsertVersion(t, s, v1)
	suite.InsertVersion(t, s, v2)
	suite.Write(t, s, func(tx store.Tx) error { return tx.InsertSigningKey(key("SHA256:one", suite.At(0))) })

	unsigned := suite.Read(t, s, func(tx store.Tx) ([]core.UnsignedVersion, error) { return tx.UnsignedVersions(10) })
	want := []core.UnsignedVersion{
		{Package: p.PackageRef, PackageID: p.ID, Version: "1.0.0", Integrity: v1.Integrity, Digest: v1.Digest},
		{Package: p.PackageRef, PackageID: p.ID, Version: "2.0.0", Integrity: v2.Integrity, Digest: v2.Digest},
	}
	if len(unsigned) != 2 || unsigned[0] != want[0] || unsigned[1] != want[1] {
		t.Fatalf("UnsignedVersions = %v, want %v", unsigned, want)
	}
	if got := suite.Read(t, s, func(tx store.Tx) ([]core.UnsignedVersion, error) { return tx.UnsignedVersions(1) }); len(got) != 1 || got[0] != want[0] {
		t.Fatalf("UnsignedVersions(1) = %v, want %v", got, want[:1])
	}
	suite.WantNotFound(t, s, "VersionSignature", func(tx store.Tx) (*core.VersionSignature, error) { return tx.VersionSignature(p.ID, "1.0.0") })
	if last := suite.Read(t, s, func(tx store.Tx) (time.Time, error) { return tx.LastSignedWith("SHA256:one") }); !last.IsZero() {
		t.Fatalf("LastSignedWith a key that signed nothing = %v, want zero", last)
	}

	sig := &core.VersionSignature{PackageID: p.ID, Version: "1.0.0", KeyID: "SHA256:one", Sig: "c2ln", Attestation: []byte(`{"bundle":1}`), SignedAt: suite.At(3 * time.Minute)}
	suite.Write(t, s, func(tx store.Tx) error { return tx.PutVersionSignature(sig) })
	again := *sig
	again.Sig = "b3RoZXI="
	err := s.Update(t.Context(), func(tx store.Tx) error { return tx.PutVersionSignature(&again) })
	suite.WantErr(t, err, core.ErrConflict, "PutVersionSignature of a signed version")

	got := suite.Read(t, s, func(tx store.Tx) (*core.VersionSignature, error) { return tx.VersionSignature(p.ID, "1.0.0") })
	var d suite.Diffs
	d.Eq("KeyID", got.KeyID, "SHA256:one")
	d.Eq("Sig", got.Sig, "c2ln")
	d.Eq("Attestation", string(got.Attestation), `{"bundle":1}`)
	d.Time("SignedAt", got.SignedAt, suite.At(3*time.Minute))
	d.Check(t, "VersionSignature")
	all := suite.Read(t, s, func(tx store.Tx) (map[string]core.Signature, error) { return tx.VersionSignatures(p.ID) })
	if len(all) != 1 || all["1.0.0"] != (core.Signature{KeyID: "SHA256:one", Sig: "c2ln"}) {
		t.Fatalf("VersionSignatures = %v, want 1.0.0 only", all)
	}
	if got := suite.Read(t, s, func(tx store.Tx) ([]core.UnsignedVersion, error) { return tx.UnsignedVersions(10) }); len(got) != 1 || got[0] != want[1] {
		t.Fatalf("UnsignedVersions after signing 1.0.0 = %v, want %v", got, want[1:])
	}
	if last := suite.Read(t, s, func(tx store.Tx) (time.Time, error) { return tx.LastSignedWith("SHA256:one") }); !suite.SameTime(last, v1.PublishedAt) {
		t.Fatalf("LastSignedWith = %v, want 1.0.0's publish time %v", last, v1.PublishedAt)
	}
	// A signature names a listed key.
	err = s.Update(t.Context(), func(tx store.Tx) error {
		return tx.PutVersionSignature(&core.VersionSignature{PackageID: p.ID, Version: "2.0.0", KeyID: "SHA256:unknown", Sig: "c2ln", Attestation: []byte("{}"), SignedAt: suite.At(0)})
	})
	if err == nil || errors.Is(err, core.ErrConflict) {
		t.Fatalf("PutVersionSignature with an unlisted key: %v, want a refusal that is not a conflict", err)
	}
}
