package archtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"strings"
	"testing"
)

// TestEventPackagesStayInTheirPlace: internal/event, whose bytes a
// transparency log hashes, depends on nothing of this module but
// internal/core, so that no other package's change can move its
// encoding; and internal/store/eventcheck is test support, which no
// package's non-test code imports.
func TestEventPackagesStayInTheirPlace(t *testing.T) {
	modOut, err := exec.Command("go", "list", "-m").Output()
	if err != nil {
		t.Fatalf("go list -m: %v", err)
	}
	module := strings.TrimSpace(string(modOut))
	cmd := exec.Command("go", "list", "-json=ImportPath,Imports", module+"/...")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	seen := false
	for {
		var p pkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("decoding go list: %v", err)
		}
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
