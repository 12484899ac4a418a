package packages

import (
	"reflect"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/storetest/suite"
)

// RunFiles runs the cases of store.Files: what the blob store must hold.
func RunFiles(t *testing.T, open func(t *testing.T) store.Store) {
	run(t, open, []test{
		{"Refs", testFileRefs},
		{"ProvenanceRefs", testProvenanceRefs},
	})
}

// testFileRefs: every version ever published is a ref, unpublished ones
// included (their files are kept), ordered by package and publication.
func testFileRefs(t *testing.T, s store.Store) {
	if got := suite.Read(t, s, func(tx store.Tx) ([]core.FileRef, error) { return tx.FileRefs() }); len(got) != 0 {
		t.Fatalf("FileRefs of an empty store = %v", got)
	}
	alice := suite.CreateUser(t, s, "alice")
	p := suite.CreatePackage(t, s, suite.NewPackage("left-pad"))
	q := suite.CreatePackage(t, s, suite.NewPackage("@acme/util"))
	v2 := suite.NewVersion(p, "2.0.0", alice.ID, suite.At(time.Hour))
	v10 := suite.NewVersion(p, "10.0.0", alice.ID, suite.At(2*time.Hour))
	qv := suite.NewVersion(q, "1.0.0", alice.ID, suite.At(3*time.Hour))
	qv.Digest = v2.Digest // the same bytes in two packages: one blob, two refs
	for _, v := range []*core.Version{v2, v10, qv} {
		suite.InsertVersion(t, s, v)
	}
	v10.UnpublishedAt = suite.At(4 * time.Hour)
	suite.Write(t, s, func(tx store.Tx) error { return tx.UpdateVersion(v10) })

	got := suite.Read(t, s, func(tx store.Tx) ([]core.FileRef, error) { return tx.FileRefs() })
	want := []core.FileRef{
		{Package: "@acme/util", Version: "1.0.0", Digest: v2.Digest, Integrity: qv.Integrity, Live: true},
		{Package: "left-pad", Version: "2.0.0", Digest: v2.Digest, Integrity: v2.Integrity, Live: true},
		{Package: "left-pad", Version: "10.0.0", Digest: v10.Digest, Integrity: v10.Integrity, Live: false},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("FileRefs =\n%+v\nwant\n%+v", got, want)
	}
}
