package archtest

import (
	"strings"
	"testing"
)

// TestEventPackagesStayInTheirPlace: internal/event, whose bytes a
// transparency log hashes, depends on nothing of this module but
// internal/core, so that no other package's change can move its
// encoding; and internal/store/eventcheck is test support, which no
// package's non-test code imports.
func TestEventPackagesStayInTheirPlace(t *testing.T) {
	module := modulePath(t)
	seen := false
	for _, p := range goList(t, "-json=ImportPath,Imports", module+"/...") {
		from := strings.TrimPrefix(p.ImportPath, module+"/")
		for _, imp := range p.Imports {
			to, own := strings.CutPrefix(imp, module+"/")
			if to == "internal/store/eventcheck" {
				t.Errorf("%s imports internal/store/eventcheck, which is for tests only", from)
			}
			if from == "internal/event" && own && to != "internal/core" {
				t.Errorf("internal/event imports %s; it may import only internal/core of this module", to)
			}
		}
		seen = seen || from == "internal/event"
	}
	if !seen {
		t.Fatal("go list did not describe internal/event")
	}
}
