package packages

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/storetest/suite"
)

// The publish pipeline's cases: a version keeps the provenance bundle
// its publish carried, by digest, and that blob is a file the blob
// store must hold.

// testVersionProvenance: Version and Versions return the provenance
// digest InsertVersion stored, "" for a version published without one.
func testVersionProvenance(t *testing.T, s store.Store) {
	alice := suite.CreateUser(t, s, "alice")
	p := suite.CreatePackage(t, s, suite.NewPackage("left-pad"))
	with := suite.NewVersion(p, "1.0.0", alice.ID, suite.At(time.Hour))
	with.Provenance = strings.Repeat("ab", 64)
	without := suite.NewVersion(p, "1.0.1", alice.ID, suite.At(2*time.Hour))
	suite.InsertVersion(t, s, with)
	suite.InsertVersion(t, s, without)

	got := suite.Read(t, s, func(tx store.Tx) (*core.Version, error) { return tx.Version(p.ID, "1.0.0") })
	if got.Provenance != with.Provenance {
		t.Fatalf("Version(1.0.0).Provenance = %q, want %q", got.Provenance, with.Provenance)
	}
	vs := suite.Read(t, s, func(tx store.Tx) ([]core.Version, error) { return tx.Versions(p.ID) })
	if len(vs) != 2 || vs[0].Provenance != with.Provenance || vs[1].Provenance != "" {
		t.Fatalf("Versions = %+v, want 1.0.0 with provenance %q and 1.0.1 without", vs, with.Provenance)
	}
}

// testProvenanceRefs: a version's provenance bundle is a file ref right
// after its artifact's, unpublished versions' included, so that no
// collection of orphans removes it.
func testProvenanceRefs(t *testing.T, s store.Store) {
	alice := suite.CreateUser(t, s, "alice")
	p := suite.CreatePackage(t, s, suite.NewPackage("left-pad"))
	v1 := suite.NewVersion(p, "1.0.0", alice.ID, suite.At(time.Hour))
	v1.Provenance = strings.Repeat("cd", 64)
	v2 := suite.NewVersion(p, "2.0.0", alice.ID, suite.At(2*time.Hour))
	suite.InsertVersion(t, s, v1)
	suite.InsertVersion(t, s, v2)
	v1.UnpublishedAt = suite.At(3 * time.Hour)
	suite.Write(t, s, func(tx store.Tx) error { return tx.UpdateVersion(v1) })

	got := suite.Read(t, s, func(tx store.Tx) ([]core.FileRef, error) { return tx.FileRefs() })
	want := []core.FileRef{
		{Package: "left-pad", Version: "1.0.0", Digest: v1.Digest, Integrity: v1.Integrity, Live: false},
		{Package: "left-pad", Version: "1.0.0", Digest: v1.Provenance, Live: false, Provenance: true},
		{Package: "left-pad", Version: "2.0.0", Digest: v2.Digest, Integrity: v2.Integrity, Live: true},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("FileRefs =\n%+v\nwant\n%+v", got, want)
	}
}
