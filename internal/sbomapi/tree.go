package sbomapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/deptree"
	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/sbom"
	"github.com/rampart/rampart/internal/store"
)

// The version's whole dependency tree, as `npm install <name>@<version>`
// would resolve it from this registry now: breadth first from the
// version, each range of dependencies, optionalDependencies and
// peerDependencies (npm 7 and later install peers, except those
// peerDependenciesMeta marks optional) resolved with pick, the rule the
// direct dependencies always used. One package per name@version (npm
// may install two copies in different folders; the SBOM lists the
// version once), each with its edges, cycles included. A package is
// optional when every path to it from the version goes through an
// optional dependency, as npm marks it. A name this registry does not
// hold is asked of the upstream proxy's cache (Proxied), never of the
// upstream itself.

// Proxied is the upstream proxy (internal/upstream), read from what it
// already holds: an SBOM request never makes it fetch.
type Proxied interface {
	// Proxied says which upstream would serve name ("" when none would:
	// the name is held here, in any form, or matches no upstream), and
	// the abbreviated document it last served for it, nil when it has not
	// fetched one yet.
	Proxied(ctx context.Context, name string) (upstream string, abbrev []byte, err error)
	// Pin is the integrity pinned for name@version from upstream
	// (store.UpstreamPins), "" if none.
	Pin(ctx context.Context, upstream, name, version string) (string, error)
}

// source is one package's document as the tree reads it.
type source struct {
	pk      packument
	proxied string // the upstream it comes from; "" for this registry
	why     string // why the name resolves to nothing, when pk is empty
}

// edge is one dependency of a package: the package it resolved to and
// whether the package declares it optional.
type edge struct {
	id       string
	optional bool
}

type walk struct {
	h        *Handler
	p        authz.Principal
	in       *inputs
	sources  map[string]*source
	nodes    map[string]*deptree.Package
	edges    map[string][]edge
	read     int // bytes of documents parsed
	docs     int // documents read
	order    []*deptree.Package
	optional map[string]bool
}

// item is a dependency waiting to be resolved: who asks, for what.
type item struct {
	from     string // the asking package's ID ("" for the version)
	name     string
	rng      string
	optional bool
}

// wantsOf are the ranges an install of m follows, by name, and which of
// them are optional.
func wantsOf(m manifest) (wants map[string]string, optional map[string]bool) {
	wants, optional = map[string]string{}, map[string]bool{}
	for n, r := range m.PeerDependencies {
		if m.PeerDependenciesMeta[n].Optional {
			continue // npm installs an optional peer only when something else brings it
		}
		wants[n] = r
	}
	for n, r := range m.Dependencies {
		wants[n] = r
	}
	for n, r := range m.OptionalDependencies {
		wants[n], optional[n] = r, true
	}
	return wants, optional
}

// resolveTree walks the tree below root (whose manifest is m) and returns
// its packages, each with its Deps.
func (h *Handler) resolveTree(ctx context.Context, p authz.Principal, in *inputs, root *deptree.Package, m manifest) ([]*deptree.Package, error) {
	w := &walk{h: h, p: p, in: in, sources: map[string]*source{}, nodes: map[string]*deptree.Package{}, edges: map[string][]edge{}, optional: map[string]bool{}}
	in.published.Unresolved, in.published.Proxied = map[string]sbom.Unresolved{}, map[string]string{}
	wants, optional := wantsOf(m)
	root.Wants = wants
	queue := w.items("", wants, optional)
	for len(queue) > 0 {
		it := queue[0]
		queue = queue[1:]
		src, err := w.source(ctx, it.name)
		if err != nil {
			return nil, err
		}
		if src == nil {
			w.truncate(fmt.Sprintf("the dependency tree needs more than %d package documents (or %d MiB of them); the rest are not listed", limits.MaxSBOMDependencies, limits.MaxSBOMInputBytes/limits.MiB))
			break
		}
		v := ""
		if src.why == "" {
			if v = pick(it.rng, src.pk); v == "" {
				where := "on this registry"
				if src.proxied != "" {
					where = "from the upstream registry " + src.proxied
				}
				src = &source{why: "no version of " + it.name + " " + where + " satisfies " + it.rng}
			}
		}
		if v == "" {
			id := "unresolved:" + it.name + "@" + it.rng
			if w.nodes[id] == nil {
				if w.full() {
					break
				}
				w.add(&deptree.Package{ID: id, Ecosystem: deptree.NPM, Name: it.name})
				in.published.Unresolved[id] = sbom.Unresolved{Range: it.rng, Why: src.why}
				in.key = append(in.key, "unresolved", id, src.why)
			}
			w.edges[it.from] = append(w.edges[it.from], edge{id, it.optional})
			continue
		}
		id := it.name + "@" + v
		if w.nodes[id] == nil && w.full() {
			break
		}
		w.edges[it.from] = append(w.edges[it.from], edge{id, it.optional})
		if w.nodes[id] != nil {
			continue
		}
		var vm manifest
		if err := json.Unmarshal(src.pk.Versions[v], &vm); err != nil {
			return nil, fmt.Errorf("the document of %s, version %s: %w", it.name, v, err)
		}
		pkg := &deptree.Package{ID: id, Ecosystem: deptree.NPM, Name: it.name, Version: v,
			Resolved: vm.Dist.Tarball, Integrity: integrity(vm), License: licenseOf(vm.License)}
		if src.proxied != "" {
			pin, err := h.d.Proxied.Pin(ctx, src.proxied, it.name, v)
			if err != nil {
				return nil, err
			}
			if pin != "" {
				pkg.Integrity = pin
			}
			in.published.Proxied[id] = src.proxied
			in.key = append(in.key, "pin", id, pkg.Integrity)
		} else if vm.Dist.Attestations != nil && vm.Dist.Attestations.URL != "" {
			in.refs[id] = []sbom.Ref{{Kind: sbom.RefProvenance, URL: sbom.RefURL(h.d.BaseURL, sbom.RefProvenance, it.name, v)}}
		}
		w.add(pkg)
		cw, co := wantsOf(vm)
		pkg.Wants = cw
		queue = append(queue, w.items(id, cw, co)...)
	}
	// Edges, and which packages only optional paths reach.
	required := map[string]bool{"": true}
	next := []string{""}
	for len(next) > 0 {
		id := next[0]
		next = next[1:]
		for _, e := range w.edges[id] {
			if !e.optional && !required[e.id] {
				required[e.id] = true
				next = append(next, e.id)
			}
		}
	}
	root.Deps = w.deps("")
	for _, pkg := range w.order {
		pkg.Deps = w.deps(pkg.ID)
		pkg.Optional = !required[pkg.ID]
	}
	return w.order, nil
}

// full reports whether the tree already lists as many packages as one
// SBOM may, and if so says the tree is cut there.
func (w *walk) full() bool {
	if len(w.nodes) < limits.MaxSBOMNodes {
		return false
	}
	w.truncate(fmt.Sprintf("the dependency tree has more than %d packages; the rest are not listed", limits.MaxSBOMNodes))
	return true
}

func (w *walk) add(p *deptree.Package) {
	w.nodes[p.ID] = p
	w.order = append(w.order, p)
}

// deps are the distinct IDs a package's edges lead to, sorted.
func (w *walk) deps(id string) []string {
	seen := map[string]bool{}
	out := []string{}
	for _, e := range w.edges[id] {
		if !seen[e.id] {
			seen[e.id] = true
			out = append(out, e.id)
		}
	}
	sort.Strings(out)
	return out
}

// items are a package's dependencies to resolve, in name order.
func (w *walk) items(from string, wants map[string]string, optional map[string]bool) []item {
	names := make([]string, 0, len(wants))
	for n := range wants {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]item, 0, len(names))
	for _, n := range names {
		out = append(out, item{from: from, name: n, rng: wants[n], optional: optional[n]})
	}
	return out
}

func (w *walk) truncate(why string) {
	w.in.published.Truncated = why
	w.in.key = append(w.in.key, "truncated", why)
}

// source reads name's document once: this registry's as p may read it,
// else the upstream proxy's cached one. nil when the bound on documents
// is reached.
func (w *walk) source(ctx context.Context, name string) (*source, error) {
	if s, ok := w.sources[name]; ok {
		return s, nil
	}
	if len(name) > limits.MaxNameLength {
		s := &source{why: "not held by this registry"}
		w.sources[name] = s
		return s, nil
	}
	if w.docs >= limits.MaxSBOMDependencies || w.read > limits.MaxSBOMInputBytes {
		return nil, nil
	}
	w.docs++
	s := &source{}
	doc, err := w.h.d.Registry.Document(ctx, w.p, name, store.DocAbbrev)
	switch {
	case err == nil:
		w.read += len(doc.Abbrev)
		// A restricted dependency the caller may read makes the answer
		// theirs alone.
		w.in.restricted = w.in.restricted || doc.Restricted
		if err := json.Unmarshal(doc.Abbrev, &s.pk); err != nil {
			return nil, fmt.Errorf("the document of %s: %w", name, err)
		}
		w.in.key = append(w.in.key, "doc", name, doc.ETag)
	case core.KindOf(err) == core.KindNotFound || core.KindOf(err) == core.KindForbidden:
		if s, err = w.proxied(ctx, name); err != nil {
			return nil, err
		}
	default:
		return nil, err
	}
	if t := parseTime(s.pk.Modified); t.After(w.in.newest) {
		w.in.newest = t
	}
	w.sources[name] = s
	return s, nil
}

// proxied is name's document from the upstream proxy's cache, or why
// there is none.
func (w *walk) proxied(ctx context.Context, name string) (*source, error) {
	s := &source{why: "not held by this registry"}
	if w.h.d.Proxied == nil {
		return s, nil
	}
	up, abbrev, err := w.h.d.Proxied.Proxied(ctx, name)
	if err != nil {
		return nil, err
	}
	switch {
	case up == "":
		return s, nil
	case abbrev == nil:
		s.why = "proxied from the upstream registry " + up + ": not yet fetched (install it once, then ask again)"
		w.in.key = append(w.in.key, "proxied", name, up, "")
		return s, nil
	}
	w.read += len(abbrev)
	if err := json.Unmarshal(abbrev, &s.pk); err != nil {
		return nil, fmt.Errorf("the proxied document of %s: %w", name, err)
	}
	s.why, s.proxied = "", up
	sum := sha256.Sum256(abbrev)
	w.in.key = append(w.in.key, "proxied", name, up, hex.EncodeToString(sum[:]))
	return s, nil
}
