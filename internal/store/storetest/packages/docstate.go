package packages

import (
	"errors"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/storetest/suite"
)

// RunDocumentState runs the cases of store.DocumentState: the sums a
// change checks the document's growth against, kept with every version
// and fragment write, and the stored full document.
func RunDocumentState(t *testing.T, open func(t *testing.T) store.Store) {
	run(t, open, []test{
		{"Sums", testDocumentSums},
		{"SumsInTransaction", testDocumentSumsInTransaction},
		{"StoredFull", testStoredFullDocument},
	})
}

func docSize(t *testing.T, s store.Store, pkgID int64) core.DocSize {
	t.Helper()
	return suite.Read(t, s, func(tx store.Tx) (core.DocSize, error) { return tx.DocumentSize(pkgID) })
}

func wantDocSize(t *testing.T, s store.Store, pkgID int64, what string, want core.DocSize) {
	t.Helper()
	if got := docSize(t, s, pkgID); got != want {
		t.Fatalf("DocumentSize after %s = %+v, want %+v", what, got, want)
	}
}

func putFrag(t *testing.T, s store.Store, pkgID int64, version string, bytes int64) {
	t.Helper()
	suite.Write(t, s, func(tx store.Tx) error {
		return tx.PutVersionDoc(pkgID, &core.VersionDoc{Version: version, Stamp: "s", Full: []byte(`{}`), Abbrev: []byte(`{}`), Bytes: bytes})
	})
}

// testDocumentSums follows the sums through every write that moves
// them: versions published, deprecated, unpublished and held; fragments
// stored, replaced, stored before their version and of unknown size.
func testDocumentSums(t *testing.T, s store.Store) {
	alice := suite.CreateUser(t, s, "alice")
	p := suite.CreatePackage(t, s, suite.NewPackage("left-pad"))
	q := suite.CreatePackage(t, s, suite.NewPackage("right-pad"))
	wantDocSize(t, s, p.ID, "nothing", core.DocSize{})

	v1 := suite.NewVersion(p, "1.0.0", alice.ID, suite.At(time.Hour))
	v2 := suite.NewVersion(p, "2.0.0", alice.ID, suite.At(2*time.Hour))
	suite.InsertVersion(t, s, v1)
	suite.InsertVersion(t, s, v2)
	wantDocSize(t, s, p.ID, "two versions without fragments", core.DocSize{Live: 2})

	putFrag(t, s, p.ID, "1.0.0", 100)
	putFrag(t, s, p.ID, "2.0.0", 50)
	wantDocSize(t, s, p.ID, "their fragments", core.DocSize{Live: 2, Counted: 2, Bytes: 150})
	putFrag(t, s, p.ID, "1.0.0", 120)
	wantDocSize(t, s, p.ID, "a fragment replaced", core.DocSize{Live: 2, Counted: 2, Bytes: 170})
	putFrag(t, s, p.ID, "2.0.0", -1)
	wantDocSize(t, s, p.ID, "a fragment of unknown size", core.DocSize{Live: 2, Counted: 1, Bytes: 120})
	putFrag(t, s, p.ID, "2.0.0", 50)

	// Another package's versions and fragments are its own.
	qv := suite.NewVersion(q, "1.0.0", alice.ID, suite.At(time.Hour))
	suite.InsertVersion(t, s, qv)
	putFrag(t, s, q.ID, "1.0.0", 7)
	wantDocSize(t, s, q.ID, "another package's version", core.DocSize{Live: 1, Counted: 1, Bytes: 7})
	wantDocSize(t, s, p.ID, "another package's version", core.DocSize{Live: 2, Counted: 2, Bytes: 170})

	// A deprecated version is still served; an unpublished one is not.
	dep := *v1
	dep.Deprecated = "use 2.0.0"
	suite.Write(t, s, func(tx store.Tx) error { return tx.UpdateVersion(&dep) })
	wantDocSize(t, s, p.ID, "a deprecation", core.DocSize{Live: 2, Counted: 2, Bytes: 170})
	gone := *v2
	gone.UnpublishedAt = suite.At(3 * time.Hour)
	suite.Write(t, s, func(tx store.Tx) error { return tx.UpdateVersion(&gone) })
	wantDocSize(t, s, p.ID, "an unpublish", core.DocSize{Live: 1, Counted: 1, Bytes: 120})
	putFrag(t, s, p.ID, "2.0.0", 60)
	wantDocSize(t, s, p.ID, "a fragment of an unpublished version", core.DocSize{Live: 1, Counted: 1, Bytes: 120})

	// A fragment stored before its version counts once the version is.
	putFrag(t, s, p.ID, "3.0.0", 999)
	wantDocSize(t, s, p.ID, "a fragment without a version", core.DocSize{Live: 1, Counted: 1, Bytes: 120})
	suite.InsertVersion(t, s, suite.NewVersion(p, "3.0.0", alice.ID, suite.At(4*time.Hour)))
	wantDocSize(t, s, p.ID, "its version", core.DocSize{Live: 2, Counted: 2, Bytes: 1119})

	// A held version is served to no one but its maintainers (pending)
	// or no one (quarantined): not in the sums until released.
	want := core.DocSize{Live: 2, Counted: 2, Bytes: 1119}
	for i, held := range []core.VersionState{core.StatePending, core.StateQuarantined} {
		v := suite.NewVersion(p, []string{"4.0.0", "5.0.0"}[i], alice.ID, suite.At(5*time.Hour))
		v.Held = held
		suite.InsertVersion(t, s, v)
		putFrag(t, s, p.ID, v.Version, 10)
		wantDocSize(t, s, p.ID, "a "+string(held)+" version", want)
		released := *v
		released.Held = ""
		suite.Write(t, s, func(tx store.Tx) error { return tx.UpdateVersion(&released) })
		want = core.DocSize{Live: want.Live + 1, Counted: want.Counted + 1, Bytes: want.Bytes + 10}
		wantDocSize(t, s, p.ID, "releasing a "+string(held)+" version", want)
	}
	wantDocSize(t, s, q.ID, "the other package's changes", core.DocSize{Live: 1, Counted: 1, Bytes: 7})
}

// testDocumentSumsInTransaction: the sums include the transaction's own
// writes, and a rolled-back transaction leaves them as they were.
func testDocumentSumsInTransaction(t *testing.T, s store.Store) {
	alice := suite.CreateUser(t, s, "alice")
	p := suite.CreatePackage(t, s, suite.NewPackage("left-pad"))
	suite.InsertVersion(t, s, suite.NewVersion(p, "1.0.0", alice.ID, suite.At(time.Hour)))
	putFrag(t, s, p.ID, "1.0.0", 100)

	var inside core.DocSize
	err := s.Update(t.Context(), func(tx store.Tx) error {
		if err := tx.InsertVersion(suite.NewVersion(p, "2.0.0", alice.ID, suite.At(2*time.Hour))); err != nil {
			return err
		}
		if err := tx.PutVersionDoc(p.ID, &core.VersionDoc{Version: "2.0.0", Stamp: "s", Full: []byte(`{}`), Abbrev: []byte(`{}`), Bytes: 30}); err != nil {
			return err
		}
		var err error
		inside, err = tx.DocumentSize(p.ID)
		if err != nil {
			return err
		}
		return suite.ErrRollback
	})
	suite.WantErr(t, err, suite.ErrRollback, "Update that publishes and fails")
	if want := (core.DocSize{Live: 2, Counted: 2, Bytes: 130}); inside != want {
		t.Fatalf("DocumentSize inside the transaction = %+v, want %+v (its own writes included)", inside, want)
	}
	wantDocSize(t, s, p.ID, "a rolled-back publish", core.DocSize{Live: 1, Counted: 1, Bytes: 100})
}

// testStoredFullDocument: the full form of the stored document, and
// whether it is stale.
func testStoredFullDocument(t *testing.T, s store.Store) {
	_, err := suite.ReadErr(t, s, func(tx store.Tx) ([]byte, error) {
		full, _, err := tx.StoredFullDocument("left-pad")
		return full, err
	})
	if !errors.Is(err, core.ErrNotFound) {
		t.Fatalf("StoredFullDocument of an unknown name: got error %v, want ErrNotFound", err)
	}
	d := &core.Document{Name: "left-pad", ETag: "e1", Full: []byte(`{"name":"left-pad"}`), FullGz: []byte{1}, Abbrev: []byte(`{}`), AbbrevGz: []byte{2}}
	suite.Write(t, s, func(tx store.Tx) error { return tx.PutDocument(d) })
	type full struct {
		body  []byte
		stale bool
	}
	read := func() full {
		return suite.Read(t, s, func(tx store.Tx) (full, error) {
			b, stale, err := tx.StoredFullDocument("left-pad")
			return full{b, stale}, err
		})
	}
	if got := read(); string(got.body) != string(d.Full) || got.stale {
		t.Fatalf("StoredFullDocument = %s, stale %v; want %s, not stale", got.body, got.stale, d.Full)
	}
	suite.Write(t, s, func(tx store.Tx) error { return tx.MarkDocumentStale("left-pad") })
	if got := read(); len(got.body) != 0 || !got.stale {
		t.Fatalf("StoredFullDocument of a stale document = %q, stale %v; want nothing, stale", got.body, got.stale)
	}
}
