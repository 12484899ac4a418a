package registry_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/npmfixture"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/testserver"
)

// TestLargeDocumentIsSharedNotCopied: requests for a large packument are
// answered from one copy of its bytes (a slow reader pins no copy of its
// own), and a change is served at once, never a stale copy.
func TestLargeDocumentIsSharedNotCopied(t *testing.T) {
	e := newPolicyEnv(t)
	big := strings.Repeat("a big description ", 20000) // 360 KB
	publishBig := func(version string) {
		pj := map[string]any{"name": "big", "version": version, "description": big}
		tgz := npmfixture.Package(pj, map[string]string{"index.js": fmt.Sprintf("module.exports = %q\n", version)})
		if _, err := e.svc.Registry.Publish(e.ctx, e.alice, "big", npmfixture.Publish{Manifest: pj, Tarball: tgz}.Body()); err != nil {
			t.Fatalf("publishing big@%s: %v", version, err)
		}
	}
	publishBig("1.0.0")
	get := func() []byte {
		d, err := e.svc.Registry.Document(e.ctx, authz.Principal{}, "big", store.DocFull)
		if err != nil {
			t.Fatal(err)
		}
		return d.Full
	}
	a, b := get(), get()
	if len(a) < 256*1024 || &a[0] != &b[0] {
		t.Fatalf("two reads of a %d-byte document got separate copies", len(a))
	}
	if err := e.svc.Registry.Deprecate(e.ctx, e.alice, "big", map[string]string{"1.0.0": "use 2"}); err != nil {
		t.Fatal(err)
	}
	c := get()
	if !strings.Contains(string(c), `"deprecated":"use 2"`) {
		t.Fatal("the document read after a deprecation is the stale shared copy")
	}
	if d := get(); &c[0] != &d[0] {
		t.Fatal("the changed document is not shared either")
	}
}

// TestDistTagsAreBounded: dist-tags are in every copy of the document, so
// a package keeps at most limits.MaxDistTags of them, whether added by
// `npm dist-tag add` or by a publish with a new --tag; moving an existing
// tag is still allowed at the limit.
func TestDistTagsAreBounded(t *testing.T) {
	testserver.Slow(t, "sets 1000 dist-tags, one transaction each")
	e := newPolicyEnv(t)
	e.publish(e.alice, "tagged", "1.0.0", "latest", nil)
	for i := 1; i < limits.MaxDistTags; i++ { // "latest" is the first
		if err := e.svc.Registry.SetDistTag(e.ctx, e.alice, "tagged", fmt.Sprintf("t%d", i), "1.0.0"); err != nil {
			t.Fatalf("tag %d: %v", i, err)
		}
	}
	err := e.svc.Registry.SetDistTag(e.ctx, e.alice, "tagged", "one-too-many", "1.0.0")
	if core.KindOf(err) != core.KindTooLarge || !strings.Contains(err.Error(), "already has 1000 dist-tags") {
		t.Fatalf("tag past the limit: %v", err)
	}
	if err := e.tryPublish(e.alice, "tagged", "1.1.0", "next", nil); core.KindOf(err) != core.KindTooLarge || !strings.Contains(err.Error(), "publish with an existing tag (--tag)") {
		t.Fatalf("publishing with a new tag past the limit: %v", err)
	}
	e.publish(e.alice, "tagged", "1.1.0", "t2", nil)
	if err := e.svc.Registry.SetDistTag(e.ctx, e.alice, "tagged", "t1", "1.1.0"); err != nil {
		t.Fatalf("moving a tag at the limit: %v", err)
	}
}
