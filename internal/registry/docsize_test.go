package registry_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
)

// historyReads counts the store calls that read every version of a
// package or every fragment: what a change must not need.
type historyReads struct{ n atomic.Int64 }

type historyStore struct {
	store.Store
	r *historyReads
}

func (h historyStore) Update(ctx context.Context, f func(tx store.Tx) error) error {
	return h.Store.Update(ctx, func(tx store.Tx) error { return f(historyTx{tx, h.r}) })
}

func (h historyStore) View(ctx context.Context, f func(tx store.Tx) error) error {
	return h.Store.View(ctx, func(tx store.Tx) error { return f(historyTx{tx, h.r}) })
}

type historyTx struct {
	store.Tx
	r *historyReads
}

func (t historyTx) Versions(packageID int64) ([]core.Version, error) {
	t.r.n.Add(1)
	return t.Tx.Versions(packageID)
}

func (t historyTx) VersionDocs(packageID int64, bodies bool) (map[string]core.VersionDoc, error) {
	t.r.n.Add(1)
	return t.Tx.VersionDocs(packageID, bodies)
}

// TestChangesReadNoHistory: a publish and a revision update (npm
// deprecate: the document read with ?write=true and sent back) check
// the limits on the document's growth and compare the client's copy
// without reading every version or fragment of the package, so that
// their cost does not grow with its history. A read between them
// builds the document, which does read them all.
func TestChangesReadNoHistory(t *testing.T) {
	e := newPolicyEnv(t)
	reg := e.svc.Registry
	for i := range 5 {
		e.publish(e.alice, "history", fmt.Sprintf("1.%d.0", i), "latest", nil)
	}
	e.mustServe("history", versionList(5)...)
	r := &historyReads{}
	reg.WrapStore(func(s store.Store) store.Store { return historyStore{s, r} })

	e.publish(e.alice, "history", "1.5.0", "latest", nil)
	if n := r.n.Load(); n != 0 {
		t.Fatalf("a publish read every version or fragment %d times, want 0", n)
	}

	// npm deprecate: read the document for writing, set one version's
	// "deprecated", send it all back at its revision.
	d, err := reg.Document(e.ctx, e.alice, "history", store.DocFull)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(d.Full, &doc); err != nil {
		t.Fatal(err)
	}
	doc["versions"].(map[string]any)["1.2.0"].(map[string]any)["deprecated"] = "use 1.5.0"
	r.n.Store(0)
	if err := reg.UpdateMetadata(e.ctx, e.alice, "history", doc["_rev"].(string), doc); err != nil {
		t.Fatal(err)
	}
	if n := r.n.Load(); n != 0 {
		t.Fatalf("a revision update read every version or fragment %d times, want 0", n)
	}
	live, size, err := reg.MeasuredSize(e.ctx, "history")
	if err != nil {
		t.Fatal(err)
	}
	want, err := reg.FullRebuild(e.ctx, "history")
	if err != nil {
		t.Fatal(err)
	}
	if live != 6 || size != int64(len(want.Full)) {
		t.Fatalf("after the deprecation the document measures %d versions, %d bytes; want 6, %d", live, size, len(want.Full))
	}
	got, err := reg.Document(e.ctx, e.alice, "history", store.DocFull)
	if err != nil {
		t.Fatal(err)
	}
	if string(got.Full) != string(want.Full) {
		t.Fatalf("the document served after the deprecation differs from the full rebuild:\n got %s\nwant %s", got.Full, want.Full)
	}
}
