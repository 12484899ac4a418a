// Package signatures is the conformance cases of store.Signatures: one
// version's signature as its document shows it.
package signatures

import (
	"testing"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/storetest/suite"
)

// RunSignatures runs the cases of store.Signatures.
func RunSignatures(t *testing.T, open func(t *testing.T) store.Store) {
	suite.Cases(t, open, []suite.Test{
		{Name: "ShownSignature", F: testShownSignature},
	})
}

// testShownSignature: a signed version's key id and signature, as
// PutVersionSignature stored them; not found for a version not signed,
// or of another package.
func testShownSignature(t *testing.T, s store.Store) {
	u := suite.CreateUser(t, s, "alice")
	p := suite.CreatePackage(t, s, suite.NewPackage("left-pad"))
	q := suite.CreatePackage(t, s, suite.NewPackage("right-pad"))
	for _, v := range []*core.Version{suite.NewVersion(p, "1.0.0", u.ID, suite.At(0)), suite.NewVersion(p, "1.0.1", u.ID, suite.At(0)), suite.NewVersion(q, "1.0.0", u.ID, suite.At(0))} {
		suite.InsertVersion(t, s, v)
	}
	suite.Write(t, s, func(tx store.Tx) error {
		if err := tx.InsertSigningKey(&core.SigningKey{KeyID: "SHA256:k", Public: []byte("spki"), Created: suite.At(0)}); err != nil {
			return err
		}
		return tx.PutVersionSignature(&core.VersionSignature{PackageID: p.ID, Version: "1.0.0", KeyID: "SHA256:k", Sig: "MEUCIQ==",
			Attestation: []byte(`{"a large":"attestation"}`), SignedAt: suite.At(0)})
	})
	got := suite.Read(t, s, func(tx store.Tx) (core.Signature, error) { return tx.ShownSignature(p.ID, "1.0.0") })
	if got != (core.Signature{KeyID: "SHA256:k", Sig: "MEUCIQ=="}) {
		t.Errorf("ShownSignature = %+v, want the key id and signature stored", got)
	}
	suite.WantNotFound(t, s, "ShownSignature of a version not signed", func(tx store.Tx) (core.Signature, error) { return tx.ShownSignature(p.ID, "1.0.1") })
	suite.WantNotFound(t, s, "ShownSignature of another package's version", func(tx store.Tx) (core.Signature, error) { return tx.ShownSignature(q.ID, "1.0.0") })
}
