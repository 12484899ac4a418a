package storetest

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
)

// The publish pipeline's cases: a version keeps the provenance bundle
// its publish carried, by digest, and that blob is a file the blob
// store must hold.

// testVersionProvenance: Version and Versions return the provenance
// digest InsertVersion stored, "" for a version published without one.
func testVersionProvenance(t *testing.T, s store.Store) {
	alice := createUser(t, s, "alice")
	p := createPackage(t, s, newPackage("left-pad"))
	with := newVersion(p, "1.0.0", alice.ID, at(time.Hour))
	with.Provenance = strings.Repeat("ab", 64)
	without := newVersion(p, "1.0.1", alice.ID, at(2*time.Hour))
	insertVersion(t, s, with)
	insertVersion(t, s, without)

	got := read(t, s, func(tx store.Tx) (*core.Version, error) { return tx.Version(p.ID, "1.0.0") })
	if got.Provenance != with.Provenance {
		t.Fatalf("Version(1.0.0).Provenance = %q, want %q", got.Provenance, with.Provenance)
	}
	vs := read(t, s, func(tx store.Tx) ([]core.Version, error) { return tx.Versions(p.ID) })
	if len(vs) != 2 || vs[0].Provenance != with.Provenance || vs[1].Provenance != "" {
		t.Fatalf("Versions = %+v, want 1.0.0 with provenance %q and 1.0.1 without", vs, with.Provenance)
	}
}

// testProvenanceRefs: a version's provenance bundle is a file ref right
// after its artifact's, unpublished versions' included, so that no
// collection of orphans removes it.
func testProvenanceRefs(t *testing.T, s store.Store) {
	alice := createUser(t, s, "alice")
	p := createPackage(t, s, newPackage("left-pad"))
	v1 := newVersion(p, "1.0.0", alice.ID, at(time.Hour))
	v1.Provenance = strings.Repeat("cd", 64)
	v2 := newVersion(p, "2.0.0", alice.ID, at(2*time.Hour))
	insertVersion(t, s, v1)
	insertVersion(t, s, v2)
	v1.UnpublishedAt = at(3 * time.Hour)
	write(t, s, func(tx store.Tx) error { return tx.UpdateVersion(v1) })

	got := read(t, s, func(tx store.Tx) ([]core.FileRef, error) { return tx.FileRefs() })
	want := []core.FileRef{
		{Package: "left-pad", Version: "1.0.0", Digest: v1.Digest, Integrity: v1.Integrity, Live: false},
		{Package: "left-pad", Version: "1.0.0", Digest: v1.Provenance, Live: false, Provenance: true},
		{Package: "left-pad", Version: "2.0.0", Digest: v2.Digest, Integrity: v2.Integrity, Live: true},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("FileRefs =\n%+v\nwant\n%+v", got, want)
	}
}
