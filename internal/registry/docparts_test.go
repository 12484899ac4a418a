package registry_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/config"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/server"
	"github.com/rampart/rampart/internal/store"
)

// docWrites counts what a service writes of package documents through
// the store: whole documents and version fragments, in bytes, and the
// calls that store a built document.
type docWrites struct {
	bytes  atomic.Int64
	builds atomic.Int64
}

type countingStore struct {
	store.Store
	w *docWrites
}

func (c countingStore) Update(ctx context.Context, f func(tx store.Tx) error) error {
	return c.Store.Update(ctx, func(tx store.Tx) error { return f(countingTx{tx, c.w}) })
}

type countingTx struct {
	store.Tx
	w *docWrites
}

func docBytes(d *core.Document) int64 {
	return int64(len(d.Full) + len(d.FullGz) + len(d.Abbrev) + len(d.AbbrevGz))
}

func (t countingTx) PutDocument(d *core.Document) error {
	t.w.bytes.Add(docBytes(d))
	return t.Tx.PutDocument(d)
}

func (t countingTx) PutBuiltDocument(d *core.Document, gen int64) (bool, error) {
	t.w.bytes.Add(docBytes(d))
	t.w.builds.Add(1)
	return t.Tx.PutBuiltDocument(d, gen)
}

func (t countingTx) PutVersionDoc(packageID int64, vd *core.VersionDoc) error {
	t.w.bytes.Add(int64(len(vd.Full) + len(vd.Abbrev)))
	return t.Tx.PutVersionDoc(packageID, vd)
}

func (e *policyEnv) countDocWrites() *docWrites {
	w := &docWrites{}
	e.svc.Registry.WrapStore(func(s store.Store) store.Store { return countingStore{s, w} })
	return w
}

// TestPublishWritesAreFlat: what a publish writes of the package's
// document does not grow with the package's history, read or not between
// publishes: its own version's fragments and a stale mark, never the
// whole document (which the first read builds once).
func TestPublishWritesAreFlat(t *testing.T) {
	e := newPolicyEnv(t)
	w := e.countDocWrites()
	publishCost := func(version string) int64 {
		before := w.bytes.Load()
		e.publish(e.alice, "history", version, "latest", map[string]string{"left-pad": "^1.0.0"})
		return w.bytes.Load() - before
	}
	const versions = 40
	var early, late int64
	for i := range versions {
		n := publishCost(fmt.Sprintf("1.%d.0", i))
		if i == 2 {
			early = n
		}
		if i == versions-1 {
			late = n
		}
		if i%3 == 0 {
			e.mustServe("history", versionList(i+1)...) // a read builds the document in between
		}
	}
	doc, err := e.svc.Registry.Document(e.ctx, authz.Principal{}, "history", store.DocAll)
	if err != nil {
		t.Fatal(err)
	}
	if early <= 0 || late > early+64 {
		t.Fatalf("a publish wrote %d document bytes at 3 versions and %d at %d versions: the cost grows with history", early, late, versions)
	}
	if whole := docBytes(doc); late*10 > whole {
		t.Fatalf("a publish wrote %d bytes, not much less than the whole document's %d: is it rewritten?", late, whole)
	}
}

func versionList(n int) []string {
	var out []string
	for i := range n {
		out = append(out, fmt.Sprintf("1.%d.0", i))
	}
	return out
}

// TestLazyDocumentMatchesFullRebuild: after every kind of change, the
// document served (assembled from stored fragments on the first read) is
// byte for byte the document the old full rebuild made, in all four forms
// and the ETag.
func TestLazyDocumentMatchesFullRebuild(t *testing.T) {
	e := newPolicyEnv(t)
	reg := e.svc.Registry
	check := func(step string) {
		t.Helper()
		want, err := reg.FullRebuild(e.ctx, "@alice/oracle")
		if err != nil {
			t.Fatalf("%s: full rebuild: %v", step, err)
		}
		// What the limits are checked against, measured before a read
		// builds the document: from the store's sums, not the document.
		_, size, err := reg.MeasuredSize(e.ctx, "@alice/oracle")
		if err != nil {
			t.Fatalf("%s: measuring: %v", step, err)
		}
		if size != int64(len(want.Full)) {
			t.Fatalf("%s: the document measures %d bytes, but is %d", step, size, len(want.Full))
		}
		got, err := reg.Document(e.ctx, e.alice, "@alice/oracle", store.DocAll)
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		if string(got.Full) != string(want.Full) {
			t.Fatalf("%s: full document differs from the full rebuild:\n got %s\nwant %s", step, got.Full, want.Full)
		}
		if string(got.Abbrev) != string(want.Abbrev) {
			t.Fatalf("%s: abbreviated document differs from the full rebuild:\n got %s\nwant %s", step, got.Abbrev, want.Abbrev)
		}
		if string(got.FullGz) != string(want.FullGz) || string(got.AbbrevGz) != string(want.AbbrevGz) {
			t.Fatalf("%s: a gzip form differs from the full rebuild", step)
		}
		if got.ETag == "" || got.ETag != want.ETag || got.Restricted != want.Restricted {
			t.Fatalf("%s: ETag %q restricted %v, want %q %v", step, got.ETag, got.Restricted, want.ETag, want.Restricted)
		}
		for _, part := range []store.DocPart{store.DocMeta, store.DocFull, store.DocFullGz, store.DocAbbrev, store.DocAbbrevGz} {
			d, err := reg.Document(e.ctx, e.alice, "@alice/oracle", part)
			if err != nil || d.ETag != want.ETag {
				t.Fatalf("%s: part %d: ETag %v, err %v", step, part, d, err)
			}
			if part != store.DocMeta && string(*part.In(d)) != string(*part.In(want)) {
				t.Fatalf("%s: part %d differs", step, part)
			}
		}
	}
	e.publish(e.alice, "@alice/oracle", "1.0.0", "latest", map[string]string{"dep": "^1.0.0"})
	check("first publish")
	e.publish(e.alice, "@alice/oracle", "1.1.0", "latest", nil)
	e.publish(e.alice, "@alice/oracle", "2.0.0-beta.1", "next", nil)
	check("publishes with two tags")
	if err := reg.Deprecate(e.ctx, e.alice, "@alice/oracle", map[string]string{"1.0.0": "use 1.1 <now> & \"later\""}); err != nil {
		t.Fatal(err)
	}
	check("deprecate")
	if err := reg.Deprecate(e.ctx, e.alice, "@alice/oracle", map[string]string{"1.0.0": ""}); err != nil {
		t.Fatal(err)
	}
	check("undeprecate")
	if err := reg.SetDistTag(e.ctx, e.alice, "@alice/oracle", "latest", "1.0.0"); err != nil {
		t.Fatal(err)
	}
	check("dist-tag moves latest")
	if err := reg.RemoveDistTag(e.ctx, e.alice, "@alice/oracle", "next"); err != nil {
		t.Fatal(err)
	}
	check("dist-tag removed")
	if err := reg.SetMaintainers(e.ctx, e.alice, "@alice/oracle", []string{"alice", "bob"}); err != nil {
		t.Fatal(err)
	}
	check("owner added")
	e.publish(e.bob, "@alice/oracle", "1.2.0", "latest", nil)
	check("publish by a second maintainer")
	if err := reg.SetAccess(e.ctx, e.alice, "@alice/oracle", "restricted"); err != nil {
		t.Fatal(err)
	}
	check("access restricted")
	if err := reg.SetAccess(e.ctx, e.alice, "@alice/oracle", "public"); err != nil {
		t.Fatal(err)
	}
	check("access public")
	if err := e.unpublish(e.alice, "@alice/oracle", "1.2.0"); err != nil {
		t.Fatal(err)
	}
	check("version unpublished: latest falls back")
	if err := reg.SetMaintainers(e.ctx, e.alice, "@alice/oracle", []string{"alice"}); err != nil {
		t.Fatal(err)
	}
	check("owner removed")
	if err := reg.UnpublishPackage(e.ctx, e.alice, "@alice/oracle"); err != nil {
		t.Fatal(err)
	}
	if _, err := reg.Document(e.ctx, e.alice, "@alice/oracle", store.DocAll); core.KindOf(err) != core.KindNotFound {
		t.Fatalf("document of an unpublished package: %v, want not found", err)
	}
}

// TestReadYourWritesAcrossProcesses: two services over one data folder
// (a server and an admin command beside it; the folder's lock admits one
// server): a change made through one is served by the other once the
// read caches' lifetime (5 s) has passed, whatever either had built or
// shared before, and by the one that made it at once.
func TestReadYourWritesAcrossProcesses(t *testing.T) {
	e := newPolicyEnv(t)
	cfg := config.Default()
	cfg.Data = e.data
	cfg.InsecureFastPasswordHashing = true
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	other, err := server.Open(e.ctx, cfg, server.Options{Now: e.clock.Now, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close(e.ctx)
	big := strings.Repeat("x", 300*1024) // shared in memory by each reader
	for i := range 6 {
		version := fmt.Sprintf("1.%d.0", i)
		e.publish(e.alice, "ryw", version, "latest", map[string]string{"big": big[:i*60*1024]})
		for j, reg := range []*server.Services{e.svc, other} {
			if j == 1 {
				// The other process dropped nothing: its copies live
				// out their lifetime first.
				e.clock.Advance(6 * time.Second)
			}
			for _, part := range []store.DocPart{store.DocMeta, store.DocAbbrevGz, store.DocFull} {
				d, err := reg.Registry.Document(e.ctx, authz.Principal{}, "ryw", part)
				if err != nil {
					t.Fatal(err)
				}
				if part != store.DocFull {
					continue
				}
				var doc struct {
					DistTags map[string]string `json:"dist-tags"`
				}
				if err := json.Unmarshal(d.Full, &doc); err != nil {
					t.Fatal(err)
				}
				if doc.DistTags["latest"] != version {
					t.Fatalf("after publishing %s, a reader serves latest %q", version, doc.DistTags["latest"])
				}
			}
		}
	}
	if err := other.Registry.Deprecate(e.ctx, e.alice, "ryw", map[string]string{"1.5.0": "gone"}); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(6 * time.Second)
	d, err := e.svc.Registry.Document(e.ctx, authz.Principal{}, "ryw", store.DocFull)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(d.Full), `"deprecated":"gone"`) {
		t.Fatal("a deprecation made through the other service is not served")
	}
}

// TestStaleDocumentBuiltOnce: readers arriving together at a stale
// document share one build.
func TestStaleDocumentBuiltOnce(t *testing.T) {
	e := newPolicyEnv(t)
	w := e.countDocWrites()
	for i := range 20 {
		e.publish(e.alice, "burst", fmt.Sprintf("1.%d.0", i), "latest", nil)
	}
	var start, wg sync.WaitGroup
	start.Add(1)
	etags := make([]string, 16)
	for i := range etags {
		wg.Go(func() {
			start.Wait()
			d, err := e.svc.Registry.Document(e.ctx, authz.Principal{}, "burst", store.DocFullGz)
			if err != nil {
				t.Error(err)
				return
			}
			etags[i] = d.ETag
		})
	}
	start.Done()
	wg.Wait()
	if n := w.builds.Load(); n != 1 {
		t.Fatalf("%d readers of a stale document stored %d builds, want 1", len(etags), n)
	}
	for _, et := range etags {
		if et == "" || et != etags[0] {
			t.Fatalf("readers got ETags %q, want one non-empty ETag", etags)
		}
	}
}
