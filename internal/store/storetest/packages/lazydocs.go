package packages

import (
	"errors"
	"testing"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/storetest/suite"
)

// The lazily built documents: a change marks a document stale, a build
// stores over the generation it was made from only, and versions'
// fragments are stored and read per package.

// testStaleDocuments: MarkDocumentStale drops the bodies and increments
// the generation; PutBuiltDocument writes only over a stale document of
// the generation it names.
func testStaleDocuments(t *testing.T, s store.Store) {
	_, _, err := readErr2(t, s, func(tx store.Tx) (int64, bool, error) { return tx.DocumentGen("left-pad") })
	suite.WantErr(t, err, core.ErrNotFound, "DocumentGen of an unknown name")

	suite.Write(t, s, func(tx store.Tx) error { return tx.MarkDocumentStale("left-pad") })
	checkStale(t, s, "left-pad", 1)

	d1 := &core.Document{Name: "left-pad", ETag: "etag-1", Full: []byte(`{"v":1}`), FullGz: []byte{1}, Abbrev: []byte(`{"a":1}`), AbbrevGz: []byte{2}}
	if ok := read2(t, s, func(tx store.Tx) (bool, error) { return tx.PutBuiltDocument(d1, 1) }); !ok {
		t.Fatal("PutBuiltDocument over the stale generation 1 = false, want true")
	}
	d1.Gen = 1
	suite.CheckDocument(t, s, d1)
	if gen, stale := gen(t, s, "left-pad"); gen != 1 || stale {
		t.Fatalf("DocumentGen after a build = %d, stale %v; want 1, not stale", gen, stale)
	}
	other := &core.Document{Name: "left-pad", ETag: "etag-x", Full: []byte(`{}`), FullGz: []byte{0}, Abbrev: []byte(`{}`), AbbrevGz: []byte{0}}
	if ok := read2(t, s, func(tx store.Tx) (bool, error) { return tx.PutBuiltDocument(other, 1) }); ok {
		t.Fatal("a second PutBuiltDocument over a document already built = true, want false")
	}
	suite.CheckDocument(t, s, d1)

	suite.Write(t, s, func(tx store.Tx) error { return tx.MarkDocumentStale("left-pad") })
	checkStale(t, s, "left-pad", 2)
	if ok := read2(t, s, func(tx store.Tx) (bool, error) { return tx.PutBuiltDocument(other, 1) }); ok {
		t.Fatal("PutBuiltDocument from generation 1 over generation 2 = true, want false")
	}
	checkStale(t, s, "left-pad", 2)

	// A rolled-back mark leaves the document as it was.
	d2 := &core.Document{Name: "left-pad", ETag: "etag-2", Restricted: true, Full: []byte(`{"v":2}`), FullGz: []byte{3}, Abbrev: []byte(`{"a":2}`), AbbrevGz: []byte{4}, Gen: 2}
	if ok := read2(t, s, func(tx store.Tx) (bool, error) { return tx.PutBuiltDocument(d2, 2) }); !ok {
		t.Fatal("PutBuiltDocument over the stale generation 2 = false, want true")
	}
	errRollback := errors.New("roll back")
	err = s.Update(t.Context(), func(tx store.Tx) error {
		if err := tx.MarkDocumentStale("left-pad"); err != nil {
			return err
		}
		return errRollback
	})
	suite.WantErr(t, err, errRollback, "Update that marks and fails")
	suite.CheckDocument(t, s, d2)

	// PutDocument stores a complete document: not stale.
	suite.Write(t, s, func(tx store.Tx) error { return tx.PutDocument(d1) })
	if _, stale := gen(t, s, "left-pad"); stale {
		t.Fatal("a document stored with PutDocument is stale")
	}
	suite.Write(t, s, func(tx store.Tx) error { return tx.DeleteDocument("left-pad") })
	_, _, err = readErr2(t, s, func(tx store.Tx) (int64, bool, error) { return tx.DocumentGen("left-pad") })
	suite.WantErr(t, err, core.ErrNotFound, "DocumentGen after DeleteDocument")
}

// checkStale checks that every part of name's document reads as stale at
// generation want, with no ETag and no bodies.
func checkStale(t *testing.T, s store.Store, name string, want int64) {
	t.Helper()
	for _, part := range []store.DocPart{store.DocMeta, store.DocFull, store.DocFullGz, store.DocAbbrev, store.DocAbbrevGz, store.DocAll} {
		d, err := s.Document(t.Context(), name, part)
		if err != nil {
			t.Fatalf("Document(%s, part %d) of a stale document: %v", name, part, err)
		}
		if !d.Stale || d.Gen != want || d.ETag != "" || len(d.Full)+len(d.FullGz)+len(d.Abbrev)+len(d.AbbrevGz) != 0 {
			t.Fatalf("Document(%s, part %d) = stale %v gen %d etag %q with %d body bytes; want stale at generation %d, no ETag, no bodies",
				name, part, d.Stale, d.Gen, d.ETag, len(d.Full)+len(d.FullGz)+len(d.Abbrev)+len(d.AbbrevGz), want)
		}
	}
	if g, stale := gen(t, s, name); g != want || !stale {
		t.Fatalf("DocumentGen(%s) = %d, stale %v; want %d, stale", name, g, stale, want)
	}
}

func gen(t *testing.T, s store.Store, name string) (int64, bool) {
	t.Helper()
	g, stale, err := readErr2(t, s, func(tx store.Tx) (int64, bool, error) { return tx.DocumentGen(name) })
	if err != nil {
		t.Fatalf("DocumentGen(%s): %v", name, err)
	}
	return g, stale
}

// read2 runs f in Update (PutBuiltDocument writes) and returns its answer.
func read2(t *testing.T, s store.Store, f func(tx store.Tx) (bool, error)) bool {
	t.Helper()
	var ok bool
	suite.Write(t, s, func(tx store.Tx) error {
		var err error
		ok, err = f(tx)
		return err
	})
	return ok
}

func readErr2(t *testing.T, s store.Store, f func(tx store.Tx) (int64, bool, error)) (int64, bool, error) {
	t.Helper()
	var g int64
	var stale bool
	err := s.View(t.Context(), func(tx store.Tx) error {
		var err error
		g, stale, err = f(tx)
		return err
	})
	return g, stale, err
}

// testVersionDocs: fragments are stored per package and version, replaced
// by a second PutVersionDoc, rolled back with their transaction, and read
// with or without their bodies.
func testVersionDocs(t *testing.T, s store.Store) {
	a := suite.CreatePackage(t, s, suite.NewPackage("left-pad"))
	b := suite.CreatePackage(t, s, suite.NewPackage("right-pad"))
	if got := versionDocs(t, s, a.ID, true); len(got) != 0 {
		t.Fatalf("VersionDocs of a new package = %v, want none", got)
	}
	v1 := &core.VersionDoc{Version: "1.0.0", Stamp: "s1", Full: []byte(`{"version":"1.0.0"}`), Abbrev: []byte(`{"v":1}`)}
	v2 := &core.VersionDoc{Version: "2.0.0", Stamp: "s2", Full: []byte(`{"version":"2.0.0","x":1}`), Abbrev: []byte(`{"v":2}`)}
	vb := &core.VersionDoc{Version: "1.0.0", Stamp: "sb", Full: []byte(`{"b":1}`), Abbrev: []byte(`{}`)}
	suite.Write(t, s, func(tx store.Tx) error {
		for _, p := range []struct {
			id int64
			vd *core.VersionDoc
		}{{a.ID, v1}, {a.ID, v2}, {b.ID, vb}} {
			if err := tx.PutVersionDoc(p.id, p.vd); err != nil {
				return err
			}
		}
		return nil
	})
	checkVersionDocs(t, s, a.ID, v1, v2)
	checkVersionDocs(t, s, b.ID, vb)

	v1b := &core.VersionDoc{Version: "1.0.0", Stamp: "s1-deprecated", Full: []byte(`{"version":"1.0.0","deprecated":"no"}`), Abbrev: []byte(`{"v":1,"d":1}`)}
	suite.Write(t, s, func(tx store.Tx) error { return tx.PutVersionDoc(a.ID, v1b) })
	checkVersionDocs(t, s, a.ID, v1b, v2)

	errRollback := errors.New("roll back")
	err := s.Update(t.Context(), func(tx store.Tx) error {
		if err := tx.PutVersionDoc(a.ID, &core.VersionDoc{Version: "3.0.0", Stamp: "s3", Full: []byte(`{}`), Abbrev: []byte(`{}`)}); err != nil {
			return err
		}
		if err := tx.PutVersionDoc(a.ID, v1); err != nil {
			return err
		}
		return errRollback
	})
	suite.WantErr(t, err, errRollback, "Update that stores fragments and fails")
	checkVersionDocs(t, s, a.ID, v1b, v2)
}

func versionDocs(t *testing.T, s store.Store, pkgID int64, bodies bool) map[string]core.VersionDoc {
	t.Helper()
	return suite.Read(t, s, func(tx store.Tx) (map[string]core.VersionDoc, error) { return tx.VersionDocs(pkgID, bodies) })
}

// checkVersionDocs checks that the package's fragments are exactly want,
// read with their bodies and without.
func checkVersionDocs(t *testing.T, s store.Store, pkgID int64, want ...*core.VersionDoc) {
	t.Helper()
	for _, bodies := range []bool{true, false} {
		got := versionDocs(t, s, pkgID, bodies)
		if len(got) != len(want) {
			t.Fatalf("VersionDocs(%d, bodies %v) has %d versions, want %d", pkgID, bodies, len(got), len(want))
		}
		for _, w := range want {
			g, ok := got[w.Version]
			if !ok || g.Version != w.Version || g.Stamp != w.Stamp || g.FullLen != int64(len(w.Full)) {
				t.Fatalf("VersionDocs(%d, bodies %v)[%s] = %+v, want version, stamp %q and FullLen %d", pkgID, bodies, w.Version, g, w.Stamp, len(w.Full))
			}
			if bodies && (string(g.Full) != string(w.Full) || string(g.Abbrev) != string(w.Abbrev)) {
				t.Fatalf("VersionDocs(%d)[%s] bodies = %s, %s; want %s, %s", pkgID, w.Version, g.Full, g.Abbrev, w.Full, w.Abbrev)
			}
			if !bodies && (g.Full != nil || g.Abbrev != nil) {
				t.Fatalf("VersionDocs(%d, bodies false)[%s] read the bodies", pkgID, w.Version)
			}
		}
	}
}
