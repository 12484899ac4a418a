package jsreach

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkGraph500 builds the import graph of a project of 500 modules:
// 250 files of its own in a chain of requires and ESM imports, and 50
// installed packages of 5 files each.
func BenchmarkGraph500(b *testing.B) {
	dir := b.TempDir()
	w := func(p, s string) {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755)
		os.WriteFile(filepath.Join(dir, p), []byte(s), 0o644)
	}
	w("package.json", `{"name":"app","main":"src/m0.js"}`)
	for i := 0; i < 250; i++ {
		src := fmt.Sprintf("const lib = require('pkg%d')\nexports.f%d = () => lib.a()\n", i%50, i)
		for _, d := range []int{2*i + 1, 2*i + 2} {
			if d < 250 {
				src += fmt.Sprintf("require('./m%d.js')\n", d)
			}
		}
		w(fmt.Sprintf("src/m%d.js", i), src)
	}
	for p := 0; p < 50; p++ {
		w(fmt.Sprintf("node_modules/pkg%d/package.json", p), fmt.Sprintf(`{"name":"pkg%d","version":"1.0.0","main":"index.js"}`, p))
		w(fmt.Sprintf("node_modules/pkg%d/index.js", p), "exports.a = () => require('./f1') + require('./f2') + require('./f3') + require('./f4')\n")
		for f := 1; f <= 4; f++ {
			w(fmt.Sprintf("node_modules/pkg%d/f%d.js", p, f), fmt.Sprintf("module.exports = %d\n", f))
		}
	}
	entries, err := Entries(dir, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		g, err := Build(dir, entries)
		if err != nil {
			b.Fatal(err)
		}
		if len(g.Files) != 500 || len(g.Packages()) != 50 {
			b.Fatalf("%d files, %d packages", len(g.Files), len(g.Packages()))
		}
	}
}
