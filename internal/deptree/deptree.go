// Package deptree is a project's resolved dependency tree, one neutral
// model for every ecosystem the client commands read: npm's
// package-lock.json (v2 and v3; npm.go) and a Go module's build list
// (go.go). sbom writes it out, audit matches advisories against it and
// shows the path to each finding, fix upgrades what it names.
package deptree

import (
	"sort"
)

// Ecosystem names, as OSV spells them.
const (
	NPM = "npm"
	Go  = "Go"
)

// Package is one resolved package in the tree.
type Package struct {
	// ID is unique in the tree: the lockfile path for npm
	// ("node_modules/a/node_modules/b"), the module path for Go. The root
	// project's ID is "".
	ID        string
	Ecosystem string
	Name      string
	Version   string
	// Resolved is where the artifact came from (npm's tarball URL).
	Resolved string
	// Integrity is npm's SRI string ("sha512-…", possibly several), empty
	// when unknown.
	Integrity string
	// GoSum is the module's go.sum hash ("h1:…"), Go only.
	GoSum   string
	License string
	// Author is the supplier where known: npm's package.json author.
	Author   string
	Dev      bool
	Optional bool
	// Direct is true for a dependency the root names itself.
	Direct bool
	// Deps are the IDs of the packages this one depends on, sorted.
	Deps []string
	// Wants are the ranges this package asks of its dependencies, by
	// name (npm: dependencies, optionalDependencies, peerDependencies,
	// and the root's devDependencies).
	Wants map[string]string
}

// Tree is a project's resolved dependencies.
type Tree struct {
	Ecosystem string
	Dir       string
	Root      *Package
	// Packages are every dependency (not the root), sorted by ID.
	Packages []*Package
	byID     map[string]*Package
}

func newTree(eco, dir string, root *Package, pkgs []*Package) *Tree {
	sort.Slice(pkgs, func(i, j int) bool { return pkgs[i].ID < pkgs[j].ID })
	t := &Tree{Ecosystem: eco, Dir: dir, Root: root, Packages: pkgs, byID: map[string]*Package{"": root}}
	for _, p := range pkgs {
		t.byID[p.ID] = p
	}
	for _, id := range root.Deps {
		if p := t.byID[id]; p != nil {
			p.Direct = true
		}
	}
	return t
}

// New is a tree made elsewhere than from a project folder (the
// registry's per-version SBOM): root and its packages, which it sorts and
// indexes; the root's Deps are marked Direct.
func New(eco string, root *Package, pkgs []*Package) *Tree {
	return newTree(eco, "", root, pkgs)
}

// Get returns the package with this ID, or nil.
func (t *Tree) Get(id string) *Package { return t.byID[id] }

// Paths returns, for every package reachable from the root, one shortest
// path of package IDs from a direct dependency down to it (breadth
// first, dependencies in sorted order, so the answer is stable).
func (t *Tree) Paths() map[string][]string {
	paths := map[string][]string{}
	queue := []string{""}
	paths[""] = nil
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		p := t.byID[id]
		if p == nil {
			continue
		}
		for _, d := range p.Deps {
			if _, seen := paths[d]; seen {
				continue
			}
			path := append(append([]string(nil), paths[id]...), d)
			paths[d] = path
			queue = append(queue, d)
		}
	}
	delete(paths, "")
	return paths
}

// ByName returns the packages with this name (several versions may be
// installed at once), in ID order.
func (t *Tree) ByName(name string) []*Package {
	var out []*Package
	for _, p := range t.Packages {
		if p.Name == name {
			out = append(out, p)
		}
	}
	return out
}
