package archtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// testClockPkg is the settable clock of test builds (internal/clockctl).
const testClockPkg = "internal/clockctl"

// TestTestClockOnlyInTestBuilds fails when a release build of a command
// could reach the settable clock or its control endpoint: no package a
// command is built from (default build tags) imports internal/clockctl,
// and none of their files names the package or the endpoint's path. Only
// files built with -tags rampart_testclock (what internal/testserver
// builds) may. It also checks that a test build does have the clock, so
// that the check cannot pass by having nothing to find.
func TestTestClockOnlyInTestBuilds(t *testing.T) {
	module, release := listDeps(t)
	for _, p := range release {
		if p.ImportPath == module+"/"+testClockPkg {
			t.Errorf("a release build of ./cmd/... includes %s; only files with //go:build rampart_testclock may import it", testClockPkg)
		}
		if p.Module == nil || p.Module.Path != module {
			continue
		}
		for _, f := range p.GoFiles {
			b, err := os.ReadFile(filepath.Join(p.Dir, f))
			if err != nil {
				t.Fatal(err)
			}
			for _, bad := range []string{testClockPkg, "/-/test/clock"} {
				if bytes.Contains(b, []byte(bad)) {
					t.Errorf("%s/%s (in a release build) names %q: move it to a file with //go:build rampart_testclock", p.ImportPath, f, bad)
				}
			}
		}
	}
	_, test := listDeps(t, "-tags", "rampart_testclock")
	found := false
	for _, p := range test {
		found = found || p.ImportPath == module+"/"+testClockPkg
	}
	if !found {
		t.Errorf("a build with -tags rampart_testclock does not include %s: the test clock is not wired in", testClockPkg)
	}
}

// depPkg is what `go list -deps -json` says of one package here.
type depPkg struct {
	ImportPath string
	Dir        string
	GoFiles    []string
	Module     *struct{ Path string }
}

// listDeps lists the packages the commands under ./cmd are built from.
func listDeps(t *testing.T, flags ...string) (string, []depPkg) {
	t.Helper()
	module := modulePath(t)
	args := append([]string{"list", "-deps", "-json=ImportPath,Dir,GoFiles,Module"}, flags...)
	cmd := exec.Command("go", append(args, module+"/cmd/...")...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	var pkgs []depPkg
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p depPkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("decoding go list: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	return module, pkgs
}
