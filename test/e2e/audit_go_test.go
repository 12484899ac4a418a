package e2e

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	osv "github.com/rampart/rampart/internal/osvclient"
	"github.com/rampart/rampart/internal/sbom/schemacheck"
	"github.com/rampart/rampart/internal/testserver"
)

// goModule writes a Go module that requires golang.org/x/text v0.43.0
// (resolved by the real go command from this machine's module proxy)
// with main.go as given, and tidies it.
func goModule(t *testing.T, main string) string {
	t.Helper()
	dir := t.TempDir()
	write(t, filepath.Join(dir, "go.mod"), []byte("module example.com/app\n\ngo 1.26\n\nrequire golang.org/x/text v0.43.0\n"))
	write(t, filepath.Join(dir, "main.go"), []byte(main))
	goRun(t, dir, "mod", "tidy")
	return dir
}

func goRun(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(cmd.Environ(), "GOTOOLCHAIN=local", "GOFLAGS=-mod=mod")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// goAdvisory is a Go vulnerability database entry, as OSV: language.Parse
// in golang.org/x/text before v0.44.0.
var goAdvisory = osv.Vuln{
	ID: "GO-2026-9001", Summary: "golang.org/x/text/language: Parse trusts its input", Modified: "2026-01-01T00:00:00Z",
	DatabaseSpecific: map[string]any{"severity": "HIGH"},
	Affected: []osv.Affected{{
		Package: osv.Package{Ecosystem: "Go", Name: "golang.org/x/text"},
		Ranges:  []osv.Range{{Type: "SEMVER", Events: []osv.Event{{Introduced: "0"}, {Fixed: "0.44.0"}}}},
		EcosystemSpecific: map[string]any{"imports": []any{map[string]any{
			"path": "golang.org/x/text/language", "symbols": []any{"Parse"},
		}}},
	}},
}

// TestAuditReachabilityGo: the same advisory on golang.org/x/text is
// reachable in a module that calls language.Parse and not reachable in
// one that uses only another package of the module (govulncheck's
// symbol analysis, offline against a database built from the record).
// The Go module's SBOM is valid too.
func TestAuditReachabilityGo(t *testing.T) {
	t.Parallel()
	testserver.Slow(t, "runs the real go command and govulncheck's analysis")
	n := testserver.NewNPM(t, "http://127.0.0.1:9/") // only its HOME is used
	osvDir := t.TempDir()
	b, _ := json.Marshal(goAdvisory)
	write(t, filepath.Join(osvDir, "GO-2026-9001.json"), b)

	used := goModule(t, "package main\n\nimport (\n\t\"fmt\"\n\n\t\"golang.org/x/text/language\"\n)\n\nfunc main() {\n\tt, _ := language.Parse(\"en-GB\")\n\tfmt.Println(t)\n}\n")
	unused := goModule(t, "package main\n\nimport (\n\t\"fmt\"\n\n\t\"golang.org/x/text/width\"\n)\n\nfunc main() {\n\tfmt.Println(width.Narrow.String(\"Ａ\"))\n}\n")

	for _, c := range []struct {
		dir, reach, level string
		code              int
	}{
		{used, "reachable", "symbol called", 1},
		{unused, "not reachable", "module required", 0},
	} {
		out, errOut, code := rampartClient(t, n, c.dir, []string{"GOFLAGS=-mod=mod", "GOTOOLCHAIN=local"}, "audit", "--json", "--osv-dir", osvDir)
		var rep auditJSON
		if code != c.code || json.Unmarshal([]byte(out), &rep) != nil || len(rep.Findings) != 1 {
			t.Fatalf("audit %s: exit %d (want %d)\n%s\n%s", c.dir, code, c.code, out, errOut)
		}
		f := rep.Findings[0]
		if f.ID != "GO-2026-9001" || f.Reachability != c.reach || f.Level != c.level || f.Fixed != "0.44.0" || f.Version != "v0.43.0" {
			t.Fatalf("%s: %+v", c.dir, f)
		}
		if c.reach == "reachable" && !strings.Contains(f.Detail, "language.Parse") {
			t.Fatalf("no call path: %q", f.Detail)
		}
	}

	out, errOut, code := rampartClient(t, n, used, []string{"GOFLAGS=-mod=mod", "GOTOOLCHAIN=local"}, "sbom", "--format", "spdx")
	if code != 0 {
		t.Fatalf("sbom: %d %s", code, errOut)
	}
	if err := schemacheck.Validate("spdx", []byte(out)); err != nil {
		t.Fatal(err)
	}
	mustContain(t, out, "pkg:golang/golang.org/x/text@v0.43.0", "go.sum h1:")

	// rampart fix: go get the lowest fixed version, go mod tidy; the
	// module then audits clean and still builds.
	out, errOut, code = rampartClient(t, n, used, []string{"GOFLAGS=-mod=mod", "GOTOOLCHAIN=local"}, "fix", "--osv-dir", osvDir)
	if code != 0 {
		t.Fatalf("fix: exit %d\n%s\n%s", code, out, errOut)
	}
	mustContain(t, out, "upgraded golang.org/x/text v0.43.0 → 0.44.0 (go get", "$ go get golang.org/x/text@v0.44.0", "$ go mod tidy")
	mustContain(t, string(read(t, filepath.Join(used, "go.mod"))), "golang.org/x/text v0.44.0")
	if out, errOut, code := rampartClient(t, n, used, []string{"GOFLAGS=-mod=mod", "GOTOOLCHAIN=local"}, "audit", "--osv-dir", osvDir); code != 0 || !strings.Contains(out, "clean") {
		t.Fatalf("audit after fix: exit %d\n%s\n%s", code, out, errOut)
	}
	goRun(t, used, "build", "./...")
}
