// Package audit matches a resolved dependency tree (deptree) against OSV
// advisories (osv.Source) and says, for each finding, its severity, the
// path from the root to the vulnerable package, the lowest fixed version
// and whether the project's code reaches it: for npm through the import
// graph from the entry points (reach/jsreach), symbol by symbol where the
// advisory names exports; for Go through govulncheck's call graph
// (reach/goreach). A malicious package (OSV MAL-) is always critical and
// always counts: its install scripts run whether or not code imports it.
package audit

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/rampart/rampart/internal/deptree"
	osv "github.com/rampart/rampart/internal/osvclient"
)

// Reachability states.
const (
	Reachable    = "reachable"
	NotReachable = "not reachable"
	Unknown      = "unknown" // not analysed (--no-reach, or the analysis failed)
)

// Finding is one advisory on one name@version (installed at one or more
// places in the tree).
type Finding struct {
	ID        string   `json:"id"`
	Aliases   []string `json:"aliases,omitempty"`
	Summary   string   `json:"summary,omitempty"`
	Severity  string   `json:"severity"`
	Score     float64  `json:"cvss_score,omitempty"`
	Malicious bool     `json:"malicious,omitempty"`
	Ecosystem string   `json:"ecosystem"`
	Package   string   `json:"package"`
	Version   string   `json:"version"`
	// Fixed is the lowest version that fixes it, "" when none is known.
	Fixed string `json:"fixed_version,omitempty"`
	// Installed are the package's IDs in the tree (lockfile paths).
	Installed []string `json:"installed"`
	// Paths are, per installed copy, the chain from the root:
	// "a@1.0.0 > b@2.0.0".
	Paths []string `json:"paths"`
	Dev   bool     `json:"dev,omitempty"`
	// Direct is true when the root depends on it itself.
	Direct       bool   `json:"direct,omitempty"`
	Reachability string `json:"reachability"`
	// Level says how far the analysis looked (jsreach and goreach levels).
	Level string `json:"reach_level,omitempty"`
	// Detail says why, for people.
	Detail string `json:"reach_detail,omitempty"`
	// Counts is true when the finding fails the audit (reachable,
	// malicious, or not analysed).
	Counts bool `json:"counts"`
	// Vuln is the advisory itself, for fix and SARIF.
	Vuln *osv.Vuln `json:"-"`
}

// Report is an audit's result.
type Report struct {
	Project   string    `json:"project"`
	Ecosystem string    `json:"ecosystem"`
	Packages  int       `json:"packages"`
	Analysis  string    `json:"reachability_analysis"`
	Findings  []Finding `json:"findings"`
}

// Reacher decides reachability for a tree's findings, setting
// Reachability, Level and Detail on each.
type Reacher interface {
	Reach(ctx context.Context, t *deptree.Tree, fs []Finding) error
	// Name says what the analysis is, for the report.
	Name() string
}

// Match finds every advisory affecting a package of the tree.
func Match(ctx context.Context, t *deptree.Tree, src osv.Source) ([]Finding, error) {
	type key struct{ name, version string }
	var qs []osv.Query
	idx := map[key][]*deptree.Package{}
	for _, p := range t.Packages {
		k := key{p.Name, p.Version}
		if idx[k] == nil {
			qs = append(qs, osv.Query{Ecosystem: t.Ecosystem, Name: p.Name, Version: p.Version})
		}
		idx[k] = append(idx[k], p)
	}
	res, err := src.Vulns(ctx, qs)
	if err != nil {
		return nil, err
	}
	paths := t.Paths()
	var out []Finding
	for i, q := range qs {
		seen := map[string]bool{}
		for _, v := range res[i] {
			if seen[v.ID] {
				continue
			}
			seen[v.ID] = true
			v := v
			level, score := v.Level()
			f := Finding{
				ID: v.ID, Aliases: v.Aliases, Summary: v.Summary, Severity: level, Score: score,
				Malicious: v.Malicious(), Ecosystem: t.Ecosystem, Package: q.Name, Version: q.Version,
				Fixed: v.Fixed(t.Ecosystem, q.Name, q.Version), Reachability: Unknown, Counts: true, Vuln: &v, Dev: true,
			}
			for _, p := range idx[key{q.Name, q.Version}] {
				f.Installed = append(f.Installed, p.ID)
				f.Paths = append(f.Paths, describePath(t, paths[p.ID]))
				f.Dev = f.Dev && p.Dev
				f.Direct = f.Direct || p.Direct
			}
			out = append(out, f)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if a, b := osv.Rank(out[i].Severity), osv.Rank(out[j].Severity); a != b {
			return a > b
		}
		if out[i].Package != out[j].Package {
			return out[i].Package < out[j].Package
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

func describePath(t *deptree.Tree, ids []string) string {
	parts := make([]string, 0, len(ids))
	for _, id := range ids {
		if p := t.Get(id); p != nil {
			parts = append(parts, p.Name+"@"+p.Version)
		}
	}
	if len(parts) == 0 {
		return "(not reached from the root's dependencies)"
	}
	return strings.Join(parts, " > ")
}

// Options are how Run analyses.
type Options struct {
	// Reacher is the reachability analysis; nil leaves every finding
	// Unknown (and counting).
	Reacher Reacher
	// All makes unreachable findings count too.
	All bool
}

// Run matches and analyses.
func Run(ctx context.Context, t *deptree.Tree, src osv.Source, o Options) (*Report, error) {
	fs, err := Match(ctx, t, src)
	if err != nil {
		return nil, err
	}
	r := &Report{Project: t.Dir, Ecosystem: t.Ecosystem, Packages: len(t.Packages), Analysis: "off", Findings: fs}
	if o.Reacher != nil && len(fs) > 0 {
		r.Analysis = o.Reacher.Name()
		if err := o.Reacher.Reach(ctx, t, fs); err != nil {
			return nil, fmt.Errorf("reachability analysis (%s): %w (run with --no-reach to audit without it)", o.Reacher.Name(), err)
		}
	} else if o.Reacher != nil {
		r.Analysis = o.Reacher.Name()
	}
	for i := range fs {
		f := &fs[i]
		if f.Malicious {
			// Install scripts run whether or not code imports it.
			f.Reachability, f.Counts, f.Level = Reachable, true, "installed"
			f.Detail = "a malicious package can act at install time, whether or not code imports it"
			continue
		}
		f.Counts = f.Reachability != NotReachable || o.All
	}
	return r, nil
}

// Counting is how many findings fail the audit.
func (r *Report) Counting() int {
	n := 0
	for _, f := range r.Findings {
		if f.Counts {
			n++
		}
	}
	return n
}
