package registry_test

import (
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
)

// The read caches (internal/readcache) answer tarball and packument GETs from
// memory. These tests read once so that the cache holds the package,
// change it through the service, and check that the very next read sees
// the change: no state change may be served stale.

var anonymous = authz.Principal{}

func (e *policyEnv) openTarball(p authz.Principal, name, version string) error {
	e.t.Helper()
	bare := name[strings.LastIndex(name, "/")+1:]
	tb, err := e.svc.Registry.OpenTarball(e.ctx, p, name, bare+"-"+version+".tgz")
	if err == nil {
		tb.Close()
	}
	return err
}

func (e *policyEnv) document(p authz.Principal, name string, part store.DocPart) (*core.Document, error) {
	e.t.Helper()
	return e.svc.Registry.Document(e.ctx, p, name, part)
}

// readAll reads name's tarball and every form of its document as p, so
// that whatever the caches keep of it, they now hold.
func (e *policyEnv) readAll(p authz.Principal, name, version string) {
	e.t.Helper()
	if err := e.openTarball(p, name, version); err != nil {
		e.t.Fatalf("%s@%s: %v", name, version, err)
	}
	for _, part := range []store.DocPart{store.DocMeta, store.DocFull, store.DocFullGz, store.DocAbbrev, store.DocAbbrevGz} {
		if _, err := e.document(p, name, part); err != nil {
			e.t.Fatalf("document of %s (part %d): %v", name, part, err)
		}
	}
}

func TestReadCacheUnpublishVersion(t *testing.T) {
	e := newPolicyEnv(t)
	e.publish(e.alice, "pad", "1.0.0", "latest", nil)
	e.publish(e.alice, "pad", "1.1.0", "latest", nil)
	e.readAll(anonymous, "pad", "1.0.0")
	if err := e.unpublish(e.alice, "pad", "1.0.0"); err != nil {
		t.Fatal(err)
	}
	if err := e.openTarball(anonymous, "pad", "1.0.0"); core.KindOf(err) != core.KindNotFound {
		t.Fatalf("the unpublished version's file after unpublish: %v, want not found", err)
	}
	d, err := e.document(anonymous, "pad", store.DocFull)
	if err != nil || strings.Contains(string(d.Full), `"1.0.0"`) {
		t.Fatalf("the document after unpublishing 1.0.0 still lists it (err %v)", err)
	}
	if err := e.openTarball(anonymous, "pad", "1.1.0"); err != nil {
		t.Fatalf("the version left: %v", err)
	}
}

func TestReadCacheUnpublishPackage(t *testing.T) {
	e := newPolicyEnv(t)
	e.publish(e.alice, "gone", "1.0.0", "latest", nil)
	e.readAll(anonymous, "gone", "1.0.0")
	if err := e.svc.Registry.UnpublishPackage(e.ctx, e.alice, "gone"); err != nil {
		t.Fatal(err)
	}
	if err := e.openTarball(anonymous, "gone", "1.0.0"); core.KindOf(err) != core.KindNotFound {
		t.Fatalf("a file of an unpublished package: %v, want not found", err)
	}
	for _, part := range []store.DocPart{store.DocMeta, store.DocFullGz, store.DocAbbrevGz} {
		if _, err := e.document(anonymous, "gone", part); core.KindOf(err) != core.KindNotFound {
			t.Fatalf("the document (part %d) of an unpublished package: %v, want not found", part, err)
		}
	}
}

func TestReadCacheDeprecate(t *testing.T) {
	e := newPolicyEnv(t)
	e.publish(e.alice, "old", "1.0.0", "latest", nil)
	e.readAll(anonymous, "old", "1.0.0")
	before, err := e.document(anonymous, "old", store.DocMeta)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Registry.Deprecate(e.ctx, e.alice, "old", map[string]string{"1.0.0": "use new"}); err != nil {
		t.Fatal(err)
	}
	after, err := e.document(anonymous, "old", store.DocMeta)
	if err != nil || after.ETag == before.ETag {
		t.Fatalf("the ETag did not change with a deprecation (err %v): a client would keep its stale copy", err)
	}
	for _, part := range []store.DocPart{store.DocFull, store.DocAbbrev} {
		d, err := e.document(anonymous, "old", part)
		if err != nil || !strings.Contains(string(*part.In(d)), `"deprecated":"use new"`) {
			t.Fatalf("the document (part %d) after a deprecation lacks it (err %v)", part, err)
		}
	}
	if err := e.openTarball(anonymous, "old", "1.0.0"); err != nil {
		t.Fatalf("a deprecated version is still served: %v", err)
	}
}

func TestReadCacheNewVersion(t *testing.T) {
	e := newPolicyEnv(t)
	e.publish(e.alice, "grows", "1.0.0", "latest", nil)
	e.readAll(anonymous, "grows", "1.0.0")
	e.publish(e.alice, "grows", "1.1.0", "latest", nil)
	for _, part := range []store.DocPart{store.DocFull, store.DocAbbrev} {
		d, err := e.document(anonymous, "grows", part)
		if err != nil || !strings.Contains(string(*part.In(d)), `"1.1.0"`) {
			t.Fatalf("the document (part %d) after a publish lacks the new version (err %v)", part, err)
		}
	}
	if err := e.openTarball(anonymous, "grows", "1.1.0"); err != nil {
		t.Fatalf("the new version's file: %v", err)
	}
}

// TestReadCacheMadeRestricted: a package made restricted is refused to
// strangers at once, although they read it a moment before.
func TestReadCacheMadeRestricted(t *testing.T) {
	e := newPolicyEnv(t)
	e.publish(e.alice, "@alice/lib", "1.0.0", "latest", nil)
	e.readAll(anonymous, "@alice/lib", "1.0.0")
	e.readAll(e.bob, "@alice/lib", "1.0.0")
	if err := e.svc.Registry.SetAccess(e.ctx, e.alice, "@alice/lib", "restricted"); err != nil {
		t.Fatal(err)
	}
	for _, p := range []authz.Principal{anonymous, e.bob} {
		if err := e.openTarball(p, "@alice/lib", "1.0.0"); err == nil {
			t.Fatalf("%s got the file of a package just made restricted", p.Name())
		}
		for _, part := range []store.DocPart{store.DocMeta, store.DocFullGz, store.DocAbbrevGz} {
			if _, err := e.document(p, "@alice/lib", part); err == nil {
				t.Fatalf("%s got the document (part %d) of a package just made restricted", p.Name(), part)
			}
		}
	}
	e.readAll(e.alice, "@alice/lib", "1.0.0")
}

// TestReadCacheNeverServesRestricted: what a maintainer reads of a
// restricted package is never handed to anyone else from memory.
func TestReadCacheNeverServesRestricted(t *testing.T) {
	e := newPolicyEnv(t)
	e.publish(e.alice, "@alice/secret", "1.0.0", "latest", nil)
	if err := e.svc.Registry.SetAccess(e.ctx, e.alice, "@alice/secret", "restricted"); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		e.readAll(e.alice, "@alice/secret", "1.0.0")
	}
	for _, p := range []authz.Principal{anonymous, e.bob} {
		if err := e.openTarball(p, "@alice/secret", "1.0.0"); err == nil {
			t.Fatalf("%s got a restricted package's file after its maintainer read it", p.Name())
		}
		for _, part := range []store.DocPart{store.DocMeta, store.DocFull, store.DocFullGz, store.DocAbbrev, store.DocAbbrevGz} {
			if _, err := e.document(p, "@alice/secret", part); err == nil {
				t.Fatalf("%s got a restricted package's document (part %d) after its maintainer read it", p.Name(), part)
			}
		}
	}
	// Made public again: served to everyone at once.
	if err := e.svc.Registry.SetAccess(e.ctx, e.alice, "@alice/secret", "public"); err != nil {
		t.Fatal(err)
	}
	e.readAll(anonymous, "@alice/secret", "1.0.0")
}

// TestReadCacheOwnerRemoved: a maintainer removed from a restricted
// package can no longer read it.
func TestReadCacheOwnerRemoved(t *testing.T) {
	e := newPolicyEnv(t)
	e.publish(e.alice, "@alice/team", "1.0.0", "latest", nil)
	if err := e.svc.Registry.SetAccess(e.ctx, e.alice, "@alice/team", "restricted"); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Registry.SetMaintainers(e.ctx, e.alice, "@alice/team", []string{"alice", "bob"}); err != nil {
		t.Fatal(err)
	}
	e.readAll(e.bob, "@alice/team", "1.0.0")
	if err := e.svc.Registry.SetMaintainers(e.ctx, e.alice, "@alice/team", []string{"alice"}); err != nil {
		t.Fatal(err)
	}
	if err := e.openTarball(e.bob, "@alice/team", "1.0.0"); err == nil {
		t.Fatal("a removed maintainer still got a restricted package's file")
	}
	if _, err := e.document(e.bob, "@alice/team", store.DocFullGz); err == nil {
		t.Fatal("a removed maintainer still got a restricted package's document")
	}
}

// TestReadCacheTTL: a change this process did not make (another replica's,
// here a write straight to the store) is served at the latest once
// readcache.TTL (5 s) has passed.
func TestReadCacheTTL(t *testing.T) {
	e := newPolicyEnv(t)
	e.publish(e.alice, "elsewhere", "1.0.0", "latest", nil)
	e.readAll(anonymous, "elsewhere", "1.0.0")
	err := e.svc.Store.Update(e.ctx, func(tx store.Tx) error {
		p, err := tx.PackageByRef(core.NPM("elsewhere"))
		if err != nil {
			return err
		}
		v, err := tx.Version(p.ID, "1.0.0")
		if err != nil {
			return err
		}
		v.UnpublishedAt = policyT0
		if err := tx.UpdateVersion(v); err != nil {
			return err
		}
		return tx.AppendEvent(&core.Event{At: policyT0, Type: core.EventUnpublish, Package: "elsewhere", Version: "1.0.0"})
	})
	if err != nil {
		t.Fatal(err)
	}
	e.at(6 * time.Second)
	if err := e.openTarball(anonymous, "elsewhere", "1.0.0"); core.KindOf(err) != core.KindNotFound {
		t.Fatalf("a version unpublished behind the service's back is still served after the TTL: %v", err)
	}
}
