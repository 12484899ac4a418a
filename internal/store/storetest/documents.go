package storetest

import (
	"errors"
	"testing"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
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

func checkDocument(t *testing.T, s store.Store, want *core.Document) {
	t.Helper()
	got, err := s.Document(t.Context(), want.Name, store.DocAll)
	if err != nil {
		t.Fatalf("Document(%s): %v", want.Name, err)
	}
	var d diffs
	d.eq("Name", got.Name, want.Name)
	d.eq("ETag", got.ETag, want.ETag)
	d.eq("Restricted", got.Restricted, want.Restricted)
	d.eq("Full", string(got.Full), string(want.Full))
	d.eq("FullGz", string(got.FullGz), string(want.FullGz))
	d.eq("Abbrev", string(got.Abbrev), string(want.Abbrev))
	d.eq("AbbrevGz", string(got.AbbrevGz), string(want.AbbrevGz))
	d.check(t, "Document("+want.Name+")")
	// Each part reads its own form and nothing else.
	parts := []struct {
		part store.DocPart
		want []byte
		got  func(*core.Document) []byte
	}{
		{store.DocMeta, nil, func(*core.Document) []byte { return nil }},
		{store.DocFull, want.Full, func(d *core.Document) []byte { return d.Full }},
		{store.DocFullGz, want.FullGz, func(d *core.Document) []byte { return d.FullGz }},
		{store.DocAbbrev, want.Abbrev, func(d *core.Document) []byte { return d.Abbrev }},
		{store.DocAbbrevGz, want.AbbrevGz, func(d *core.Document) []byte { return d.AbbrevGz }},
	}
	for _, pt := range parts {
		got, err := s.Document(t.Context(), want.Name, pt.part)
		if err != nil {
			t.Fatalf("Document(%s, part %d): %v", want.Name, pt.part, err)
		}
		total := len(got.Full) + len(got.FullGz) + len(got.Abbrev) + len(got.AbbrevGz)
		if got.ETag != want.ETag || got.Restricted != want.Restricted || string(pt.got(got)) != string(pt.want) || total != len(pt.want) {
			t.Fatalf("Document(%s, part %d) = etag %q restricted %v, %d bytes in all; want etag %q restricted %v and only %d bytes of that part",
				want.Name, pt.part, got.ETag, got.Restricted, total, want.ETag, want.Restricted, len(pt.want))
		}
	}
}

func testDocuments(t *testing.T, s store.Store) {
	if _, err := s.Document(t.Context(), "left-pad", store.DocMeta); !errors.Is(err, core.ErrNotFound) {
		t.Fatalf("Document of an unknown name: got error %v, want ErrNotFound", err)
	}
	d1 := &core.Document{Name: "left-pad", ETag: `"rev-1"`, Full: []byte(`{"name":"left-pad"}`), FullGz: []byte{0x1f, 0x8b, 0, 1}, Abbrev: []byte(`{"name":"left-pad","a":1}`), AbbrevGz: []byte{0x1f, 0x8b, 0, 2}}
	other := &core.Document{Name: "@acme/util", ETag: `"rev-9"`, Restricted: true, Full: []byte(`{}`), FullGz: []byte{0}, Abbrev: []byte(`{}`), AbbrevGz: []byte{0}}
	write(t, s, func(tx store.Tx) error {
		if err := tx.PutDocument(d1); err != nil {
			return err
		}
		return tx.PutDocument(other)
	})
	checkDocument(t, s, d1)
	checkDocument(t, s, other)

	d2 := &core.Document{Name: "left-pad", ETag: `"rev-2"`, Full: []byte(`{"name":"left-pad","v":2}`), FullGz: []byte{0x1f, 0x8b, 9, 9}, Abbrev: []byte(`{"v":2}`), AbbrevGz: []byte{0x1f, 0x8b, 8, 8}}
	write(t, s, func(tx store.Tx) error { return tx.PutDocument(d2) })
	checkDocument(t, s, d2)

	write(t, s, func(tx store.Tx) error { return tx.DeleteDocument("left-pad") })
	if _, err := s.Document(t.Context(), "left-pad", store.DocMeta); !errors.Is(err, core.ErrNotFound) {
		t.Fatalf("Document after DeleteDocument: got error %v, want ErrNotFound", err)
	}
	checkDocument(t, s, other)
	write(t, s, func(tx store.Tx) error { return tx.DeleteDocument(other.Name) })
	if _, err := s.Document(t.Context(), other.Name, store.DocAll); !errors.Is(err, core.ErrNotFound) {
		t.Fatalf("Document after DeleteDocument: got error %v, want ErrNotFound", err)
	}
}
