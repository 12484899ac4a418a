package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/rampart/rampart/internal/deptree"
	osv "github.com/rampart/rampart/internal/osvclient"
)

// BenchmarkAudit1000 audits a 1,000-package lockfile (each package with
// two dependencies) against an offline export of 2,000 advisories, 50 of
// which affect installed versions: lockfile parse, match, paths. Without
// reachability (the import graph has its own benchmark, jsreach).
func BenchmarkAudit1000(b *testing.B) {
	dir := b.TempDir()
	pkgs := map[string]any{"": map[string]any{"name": "app", "version": "1.0.0", "dependencies": map[string]string{"p0": "^1.0.0", "p1": "^1.0.0"}}}
	for i := 0; i < 1000; i++ {
		deps := map[string]string{}
		for _, d := range []int{2*i + 2, 2*i + 3} {
			if d < 1000 {
				deps[fmt.Sprintf("p%d", d)] = "^1.0.0"
			}
		}
		pkgs[fmt.Sprintf("node_modules/p%d", i)] = map[string]any{"version": "1.0.0", "integrity": "sha512-AAAA", "license": "MIT", "dependencies": deps}
	}
	lock, _ := json.Marshal(map[string]any{"name": "app", "lockfileVersion": 3, "packages": pkgs})
	os.WriteFile(filepath.Join(dir, "package-lock.json"), lock, 0o644)
	osvDir := filepath.Join(dir, "osv")
	os.MkdirAll(osvDir, 0o755)
	for i := 0; i < 2000; i++ {
		fixed := "0.9.0" // not affecting 1.0.0
		if i%40 == 0 {
			fixed = "1.0.1"
		}
		v := osv.Vuln{ID: fmt.Sprintf("GHSA-bench-%d", i), Affected: []osv.Affected{{
			Package: osv.Package{Ecosystem: "npm", Name: fmt.Sprintf("p%d", i%1000)},
			Ranges:  []osv.Range{{Type: "SEMVER", Events: []osv.Event{{Introduced: "0"}, {Fixed: fixed}}}},
		}}}
		b2, _ := json.Marshal(v)
		os.WriteFile(filepath.Join(osvDir, v.ID+".json"), b2, 0o644)
	}
	src, err := osv.LoadDir(osvDir)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		t, err := deptree.ReadNPM(dir)
		if err != nil {
			b.Fatal(err)
		}
		r, err := Run(context.Background(), t, src, Options{})
		if err != nil || len(r.Findings) != 50 {
			b.Fatalf("%v, %d findings", err, len(r.Findings))
		}
	}
}
