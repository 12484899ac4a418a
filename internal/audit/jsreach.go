package audit

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"

	"github.com/rampart/rampart/internal/deptree"
	"github.com/rampart/rampart/internal/reach/jsreach"
)

// JS is npm reachability through the import graph.
type JS struct {
	// Entries are extra entry points (--entry), beside package.json's.
	Entries []string
}

// Name implements Reacher.
func (JS) Name() string { return "import graph (esbuild)" }

// Reach implements Reacher.
func (j JS) Reach(_ context.Context, t *deptree.Tree, fs []Finding) error {
	entries, err := jsreach.Entries(t.Dir, j.Entries)
	if err != nil {
		return err
	}
	g, err := jsreach.Build(t.Dir, entries)
	if err != nil {
		return err
	}
	for i := range fs {
		f := &fs[i]
		specs := specsOf(f)
		var best *jsreach.Result
		missing := ""
		for _, id := range f.Installed {
			// A package not on disk cannot be in the graph: saying "not
			// reachable" would hide it. Unknown counts.
			if _, err := os.Stat(filepath.Join(t.Dir, filepath.FromSlash(id))); err != nil {
				missing = id
				break
			}
			r := g.Reach(id, f.Package, specs)
			if best == nil || (r.Reachable && !best.Reachable) {
				best = &r
			}
		}
		if missing != "" {
			f.Reachability, f.Level = Unknown, ""
			f.Detail = missing + " is not installed: run npm ci (or npm install) so that the import graph can be read"
			continue
		}
		if best == nil {
			continue
		}
		f.Level, f.Detail = best.Level, best.Detail
		f.Reachability = NotReachable
		if best.Reachable {
			f.Reachability = Reachable
		}
	}
	return nil
}

// specsOf reads the affected import paths and exports from the
// advisory's affected[].ecosystem_specific.imports.
func specsOf(f *Finding) []jsreach.Spec {
	var out []jsreach.Spec
	for _, a := range f.Vuln.For(f.Ecosystem, f.Package) {
		raw, ok := a.EcosystemSpecific["imports"]
		if !ok {
			continue
		}
		b, _ := json.Marshal(raw)
		var specs []jsreach.Spec
		if json.Unmarshal(b, &specs) == nil {
			out = append(out, specs...)
		}
	}
	return out
}
