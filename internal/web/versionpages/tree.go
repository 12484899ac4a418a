package versionpages

import (
	"context"
	"encoding/json"
	"sort"
	"strings"

	"github.com/rampart/rampart/internal/advisory"
	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/limits"
)

// A version's dependency tree, as npm would install it from this
// registry today: each range resolved to the highest servable version
// that satisfies it (advisory.Resolve, the rule npm's audit answers use
// too), breadth first so that each package version is reached by its
// shortest path. Dev dependencies are listed but not followed (an
// install of the package does not fetch them).

// installed are the manifest's dependency kinds an install fetches.
var installed = []string{"dependencies", "optionalDependencies", "peerDependencies"}

// kinds are the lists the page shows, in order.
var kinds = []struct{ key, title string }{
	{"dependencies", "Dependencies"},
	{"devDependencies", "Dev dependencies"},
	{"peerDependencies", "Peer dependencies"},
	{"optionalDependencies", "Optional dependencies"},
}

// pathNode is one step of a path from the version down its tree.
type pathNode struct{ Name, Version string }

// node is one package version of the tree and the shortest path to it
// (the version itself first, the node last).
type node struct {
	Name, Version string
	Path          []pathNode
}

type tree struct {
	root  pathNode
	lists []depList
	nodes []node
	cut   bool // a bound stopped the walk
	err   error
}

// depsOf reads the dependency maps of a manifest, name to range; a range
// that is not a string (a malformed manifest) counts as "".
func depsOf(m map[string]any, key string) map[string]string {
	raw, _ := m[key].(map[string]any)
	out := make(map[string]string, len(raw))
	for n, r := range raw {
		s, _ := r.(string)
		out[n] = s
	}
	return out
}

func sortedNames(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for n := range m {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// absent reports whether err only says the package is not here for this
// reader (missing, restricted, not servable).
func absent(err error) bool {
	switch core.KindOf(err) {
	case core.KindNotFound, core.KindForbidden, core.KindUnauthenticated:
		return true
	}
	return false
}

func (g *Pages) resolveTree(ctx context.Context, p authz.Principal, name, version string, manifest map[string]any) tree {
	t := tree{root: pathNode{name, version}}
	versions := map[string][]string{}
	reads := 0
	versionsOf := func(n string) ([]string, error) {
		if vs, ok := versions[n]; ok {
			return vs, nil
		}
		reads++
		vs, err := g.views.ServableVersions(ctx, p, n)
		if err != nil && !absent(err) {
			return nil, err
		}
		versions[n] = vs
		return vs, nil
	}
	for _, k := range kinds {
		deps := depsOf(manifest, k.key)
		if len(deps) == 0 {
			continue
		}
		l := depList{Kind: k.key, Title: k.title}
		for _, n := range sortedNames(deps) {
			d := dep{Name: n, Range: deps[n]}
			if reads < limits.MaxVersionPageTree {
				vs, err := versionsOf(n)
				if err != nil {
					t.err = err
					return t
				}
				d.Resolved = advisory.Resolve(d.Range, vs)
			}
			l.Deps = append(l.Deps, d)
		}
		t.lists = append(t.lists, l)
	}

	type item struct {
		name, rng string
		path      []pathNode
		depth     int
	}
	var queue []item
	enqueue := func(m map[string]any, path []pathNode, depth int) {
		seen := map[string]bool{}
		for _, key := range installed {
			deps := depsOf(m, key)
			for _, n := range sortedNames(deps) {
				if !seen[n] {
					seen[n] = true
					queue = append(queue, item{n, deps[n], path, depth})
				}
			}
		}
	}
	enqueue(manifest, []pathNode{t.root}, 1)
	visited := map[pathNode]bool{t.root: true}
	for len(queue) > 0 {
		it := queue[0]
		queue = queue[1:]
		if len(t.nodes) >= limits.MaxVersionPageTree || reads >= 2*limits.MaxVersionPageTree {
			t.cut = true
			break
		}
		vs, err := versionsOf(it.name)
		if err != nil {
			t.err = err
			return t
		}
		v := advisory.Resolve(it.rng, vs)
		if v == "" || visited[pathNode{it.name, v}] {
			continue
		}
		pn := pathNode{it.name, v}
		visited[pn] = true
		path := append(append([]pathNode(nil), it.path...), pn)
		t.nodes = append(t.nodes, node{Name: it.name, Version: v, Path: path})
		reads++
		raw, err := g.views.ServableManifest(ctx, p, it.name, v)
		if err != nil {
			if absent(err) {
				continue
			}
			t.err = err
			return t
		}
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			continue // a manifest this registry stored always parses; say nothing of one that does not
		}
		if it.depth >= limits.MaxVersionPageDepth {
			for _, key := range installed {
				if len(depsOf(m, key)) > 0 {
					t.cut = true
				}
			}
			continue
		}
		enqueue(m, path, it.depth+1)
	}
	return t
}

// finding is one advisory affecting the version or a version of its tree.
type finding struct {
	ID, Summary, Severity string
	Malicious             bool
	Package, Version      string
	FixedIn               string
	Path                  []pathNode // from the version down to the affected one; nil for the version itself
}

func (f finding) pathKey() string {
	var b strings.Builder
	for _, n := range f.Path {
		b.WriteString(n.Name + "@" + n.Version + ">")
	}
	return b.String()
}

// findings are the advisories in force affecting the version (own) and
// the versions of its tree (deps), read in one go.
func (g *Pages) findings(ctx context.Context, t tree) (own, deps []finding, err error) {
	eco := core.EcosystemNPM
	refs := []core.PackageRef{{Ecosystem: eco, Name: t.root.Name}}
	index := map[string]int{t.root.Name: 0}
	for _, n := range t.nodes {
		if _, ok := index[n.Name]; !ok {
			index[n.Name] = len(refs)
			refs = append(refs, core.PackageRef{Ecosystem: eco, Name: n.Name})
		}
	}
	lists, err := g.adv.ForPackages(ctx, refs)
	if err != nil {
		return nil, nil, err
	}
	match := func(name, version string, path []pathNode) []finding {
		ref := core.PackageRef{Ecosystem: eco, Name: name}
		var out []finding
		for _, rec := range lists[index[name]] {
			if advisory.Affects(rec.Vuln, ref, version) {
				out = append(out, finding{ID: rec.ID, Summary: rec.Summary, Severity: rec.Rating(), Malicious: rec.IsMalicious(),
					Package: name, Version: version, FixedIn: advisory.FirstFixed(rec.Vuln, ref, version), Path: path})
			}
		}
		return out
	}
	own = match(t.root.Name, t.root.Version, nil)
	for _, n := range t.nodes {
		deps = append(deps, match(n.Name, n.Version, n.Path)...)
	}
	sortFindings(own)
	sortFindings(deps)
	return own, deps, nil
}
