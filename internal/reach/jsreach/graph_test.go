package jsreach

import (
	"os"
	"path/filepath"
	"testing"
)

// TestBuildFollowsImports: a project whose entry requires an installed
// package (which requires another), uses one export of a third through
// ESM, and requires a package that is not installed; a fourth installed
// package is imported by nothing.
func TestBuildFollowsImports(t *testing.T) {
	dir := t.TempDir()
	w := func(p, s string) {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, p), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	w("package.json", `{"name":"app","bin":{"app":"bin/cli.mjs"}}`)
	w("bin/cli.mjs", "import { safe } from 'sym'\nimport a from 'a'\ntry { require('not-installed') } catch {}\nconsole.log(safe(), a)\n")
	w("node_modules/a/package.json", `{"name":"a","main":"lib/index.js"}`)
	w("node_modules/a/lib/index.js", "module.exports = require('b')\n")
	w("node_modules/b/package.json", `{"name":"b"}`)
	w("node_modules/b/index.js", "module.exports = 1\n")
	w("node_modules/sym/package.json", `{"name":"sym","module":"index.mjs"}`)
	w("node_modules/sym/index.mjs", "export const safe = () => 1\nexport const parse = () => 2\n")
	w("node_modules/idle/package.json", `{"name":"idle"}`)
	w("node_modules/idle/index.js", "module.exports = 1\n")
	entries, err := Entries(dir, nil)
	if err != nil || len(entries) != 1 || entries[0] != "./bin/cli.mjs" {
		t.Fatalf("entries %v %v", entries, err)
	}
	g, err := Build(dir, entries)
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]bool{"node_modules/a": true, "node_modules/b": true, "node_modules/sym": true, "node_modules/idle": false} {
		if g.Packages()[id] != want {
			t.Errorf("%s reached: %v", id, !want)
		}
	}
	if r := g.Reach("node_modules/b", "b", nil); !r.Reachable || r.Level != Imported {
		t.Errorf("b: %+v", r)
	}
	if r := g.Reach("node_modules/idle", "idle", nil); r.Reachable || r.Level != NotImported {
		t.Errorf("idle: %+v", r)
	}
	if r := g.Reach("node_modules/sym", "sym", []Spec{{Path: "sym", Symbols: []string{"parse"}}}); r.Reachable || r.Level != SymbolsUnused {
		t.Errorf("sym parse: %+v", r)
	}
	if r := g.Reach("node_modules/sym", "sym", []Spec{{Path: "sym", Symbols: []string{"safe"}}}); !r.Reachable || r.Level != Used {
		t.Errorf("sym safe: %+v", r)
	}
	if _, err := Entries(dir, []string{"missing.js"}); err == nil {
		t.Error("a missing --entry accepted")
	}
}
