package provenance_test

import (
	"testing"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/testpeers/sigstore"
)

// FuzzVerify feeds arbitrary bundles to the verifier: it must refuse
// them with a client error, never panic or answer an internal fault.
func FuzzVerify(f *testing.F) {
	ss, v := newSigstore(f)
	tgz := []byte("the tarball")
	b, err := ss.Bundle("@acme/widget", "1.0.0", tgz, sigstore.DefaultBuild(repo), sigstore.Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte(`{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json"}`))
	f.Add([]byte(`{}`))
	sub := subject("@acme/widget", "1.0.0", tgz)
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := v.Verify(data, sub)
		if err != nil && core.KindOf(err) != core.KindInvalid {
			t.Fatalf("kind %v: %v", core.KindOf(err), err)
		}
	})
}
