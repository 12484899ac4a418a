package packages

import (
	"errors"
	"testing"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/storetest/suite"
)

// RunDocuments runs the cases of store.Documents and Store.Document:
// precomputed packuments, read part by part.
func RunDocuments(t *testing.T, open func(t *testing.T) store.Store) {
	run(t, open, []test{
		{"RoundTrip", testDocuments},
		{"LazyStale", testStaleDocuments},
		{"LazyVersionDocs", testVersionDocs},
	})
}

func testDocuments(t *testing.T, s store.Store) {
	if _, err := s.Document(t.Context(), "left-pad", store.DocMeta); !errors.Is(err, core.ErrNotFound) {
		t.Fatalf("Document of an unknown name: got error %v, want ErrNotFound", err)
	}
	d1 := &core.Document{Name: "left-pad", ETag: `"rev-1"`, Full: []byte(`{"name":"left-pad"}`), FullGz: []byte{0x1f, 0x8b, 0, 1}, Abbrev: []byte(`{"name":"left-pad","a":1}`), AbbrevGz: []byte{0x1f, 0x8b, 0, 2}}
	other := &core.Document{Name: "@acme/util", ETag: `"rev-9"`, Restricted: true, Full: []byte(`{}`), FullGz: []byte{0}, Abbrev: []byte(`{}`), AbbrevGz: []byte{0}}
	suite.Write(t, s, func(tx store.Tx) error {
		if err := tx.PutDocument(d1); err != nil {
			return err
		}
		return tx.PutDocument(other)
	})
	suite.CheckDocument(t, s, d1)
	suite.CheckDocument(t, s, other)

	d2 := &core.Document{Name: "left-pad", ETag: `"rev-2"`, Full: []byte(`{"name":"left-pad","v":2}`), FullGz: []byte{0x1f, 0x8b, 9, 9}, Abbrev: []byte(`{"v":2}`), AbbrevGz: []byte{0x1f, 0x8b, 8, 8}}
	suite.Write(t, s, func(tx store.Tx) error { return tx.PutDocument(d2) })
	suite.CheckDocument(t, s, d2)

	suite.Write(t, s, func(tx store.Tx) error { return tx.DeleteDocument("left-pad") })
	if _, err := s.Document(t.Context(), "left-pad", store.DocMeta); !errors.Is(err, core.ErrNotFound) {
		t.Fatalf("Document after DeleteDocument: got error %v, want ErrNotFound", err)
	}
	suite.CheckDocument(t, s, other)
	suite.Write(t, s, func(tx store.Tx) error { return tx.DeleteDocument(other.Name) })
	if _, err := s.Document(t.Context(), other.Name, store.DocAll); !errors.Is(err, core.ErrNotFound) {
		t.Fatalf("Document after DeleteDocument: got error %v, want ErrNotFound", err)
	}
}
