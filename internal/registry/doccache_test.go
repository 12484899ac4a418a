package registry_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/npmfixture"
	"github.com/rampart/rampart/internal/store"
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
