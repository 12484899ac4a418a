package archtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// maxPackageLines is issue 8's bound on a package: its non-test Go files
// (every build tag's) hold at most this many lines, so that a package
// stays one job a reader can hold in mind.
const maxPackageLines = 2500

// sizeExempt are the packages the bound does not apply to, each with why.
var sizeExempt = map[string]string{
	// docs/architecture.md: Go keeps a type's methods in one package, so
	// a store backend is one file per role, no file over about 800 lines.
	"internal/store/sqlite": "a store backend",
}

// oversize are packages over the bound today, each a debt with what is
// next to move out. The test fails once an entry is no longer needed, so
// the list only shrinks; nothing may be added.
var oversize = map[string]string{}

// layoutPkg is what `go list` says of a package's files.
type layoutPkg struct {
	ImportPath                        string
	Dir                               string
	GoFiles, IgnoredGoFiles, CgoFiles []string
	Module                            *struct{ Path string }
	Imports, Deps                     []string
}

// TestPackageSizes fails when a package of this module has more non-test
// lines than maxPackageLines, and names it with its count.
func TestPackageSizes(t *testing.T) {
	module := modulePath(t)
	over := map[string]bool{}
	for _, p := range listLayout(t, module+"/...") {
		rel := strings.TrimPrefix(p.ImportPath, module+"/")
		if _, ok := sizeExempt[rel]; ok {
			continue
		}
		lines := 0
		for _, f := range append(append(append([]string{}, p.GoFiles...), p.CgoFiles...), p.IgnoredGoFiles...) {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			b, err := os.ReadFile(filepath.Join(p.Dir, f))
			if err != nil {
				t.Fatal(err)
			}
			lines += bytes.Count(b, []byte("\n"))
		}
		if lines <= maxPackageLines {
			continue
		}
		over[rel] = true
		if _, ok := oversize[rel]; !ok {
			t.Errorf("%s has %d non-test lines, over %d: split it by job (docs/architecture.md, \"Where a new thing goes\")", rel, lines, maxPackageLines)
		}
	}
	for rel := range oversize {
		if !over[rel] {
			t.Errorf("%s is no longer over %d lines: remove it from oversize", rel, maxPackageLines)
		}
	}
}

// listLayout runs `go list -json` with every build tag's files counted
// (IgnoredGoFiles) over patterns.
func listLayout(t *testing.T, patterns ...string) []layoutPkg {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list", "-json=ImportPath,Dir,GoFiles,IgnoredGoFiles,CgoFiles,Module,Imports,Deps"}, patterns...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	var pkgs []layoutPkg
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p layoutPkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			return pkgs
		} else if err != nil {
			t.Fatalf("decoding go list: %v", err)
		}
		pkgs = append(pkgs, p)
	}
}
