package archtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// domain lists the domain packages (DESIGN.md rule 1: accounts, packages,
// policies, tokens and events as plain Go types and services). Each is
// checked together with every package of this module it imports, directly
// or not, since a domain package that imports a helper importing
// net/http depends on HTTP all the same.
//
// Left out on purpose: internal/pwcheck and internal/emaildomain are
// clients of network peers (HIBP, DNS, RDAP), internal/mail of an SMTP
// relay, internal/datafolder is storage upkeep, internal/ecosystem/npm is the
// npm wire format (an ecosystem package, not the core; it is still
// checked when a domain package imports it), internal/httperr, internal/npm,
// internal/web, internal/server and internal/cli are transport and
// composition.
var domain = []string{
	"internal/core",
	"internal/authz",
	"internal/account",
	"internal/identity",
	"internal/authn",
	"internal/secondfactor",
	"internal/throttle",
	"internal/registry",
	"internal/pkgfacts",
	"internal/pkgnotices",
	"internal/provenancepolicy",
	"internal/attestations",
	"internal/criticalpolicy",
	"internal/readcache",
	"internal/downloads",
	"internal/critical",
	"internal/documents",
	"internal/publish",
	"internal/mfa",
	"internal/token",
	"internal/password",
	"internal/limits",
	"internal/event",
	"internal/ecosystem",
	"internal/quote",
	"internal/background",
	"internal/notifier",
	"internal/signing",
	"internal/trust",
	"internal/secretscan",
	"internal/secretfind",
	"internal/stage",
	"internal/org",
	"internal/orgfacts",
	"internal/provenance",
}

// forbidden are the transport and storage packages no domain package may
// depend on through this module's own code: the standard library's HTTP
// and SQL, the SQLite drivers, the concrete backends and the front-ends.
// An entry matches the package and everything under it (net/http matches
// net/http/httptest), except where it is this module's own package, which
// matches exactly (internal/npm is not internal/npmfixture).
var forbidden = []string{
	"net/http",
	"database/sql",
	"modernc.org/sqlite",
	"github.com/mattn/go-sqlite3",
	"internal/store/sqlite",
	"internal/blob/fsblob",
	"internal/httperr",
	"internal/npm",
	"internal/web",
	"internal/server",
	"internal/cli",
	// An ecosystem's wire format is the front-end's and the composition
	// root's to use: the domain takes ecosystem.Format, injected, and
	// names no single ecosystem (DESIGN.md rule 1).
	"internal/ecosystem/npm",
	"internal/ecosystem/npm/tarball",
}

// allowed are the violations that exist today, each an import of a
// forbidden package by one package of this module that a domain package
// depends on. They are the debt issue 8 pays off ("one core for every
// ecosystem and backend"): each goes when the domain takes an interface
// that the composition root fills. Nothing may be added here; the test
// also fails when an entry is no longer needed, so the list shrinks as
// the debt is paid.
var allowed = map[edge]string{
	// internal/identity and internal/authn check passwords against Have
	// I Been Pwned over HTTP by calling pwcheck directly; they should
	// take a password checker interface instead.
	{"internal/pwcheck", "net/http"}: "identity, authn -> pwcheck: HIBP client",
	// internal/identity checks email domains over DNS and RDAP (HTTP) by
	// calling emaildomain directly; it should take a domain checker
	// interface instead.
	{"internal/emaildomain", "net/http"}: "identity -> emaildomain: RDAP client",
}

// edge is one import: from imports to. Packages of this module are
// written relative to the module path.
type edge struct{ from, to string }

// pkg is what `go list -json` says of one package.
type pkg struct {
	ImportPath string
	Imports    []string
	Module     *struct{ Path string }
}

// TestDomainImportsNoTransportOrStorage fails when a domain package, or a
// package of this module that it imports, imports a transport or storage
// package, and names the chain of imports that does it.
func TestDomainImportsNoTransportOrStorage(t *testing.T) {
	module, pkgs := load(t)
	rel := func(path string) string {
		if r, ok := strings.CutPrefix(path, module+"/"); ok {
			return r
		}
		return path
	}
	used, reported := map[edge]bool{}, map[edge]bool{}
	for _, root := range domain {
		// Breadth-first over this module's packages only: what a
		// third-party library imports is not ours to decide, and is
		// not followed.
		parent := map[string]string{root: ""}
		queue := []string{root}
		for len(queue) > 0 {
			from := queue[0]
			queue = queue[1:]
			p, ok := pkgs[from]
			if !ok {
				t.Fatalf("go list did not describe %s", from)
			}
			for _, imp := range p.Imports {
				to := rel(imp)
				if isForbidden(to, imp != to) {
					e := edge{from, to}
					if _, ok := allowed[e]; ok {
						used[e] = true
						continue
					}
					if !reported[e] {
						reported[e] = true
						t.Errorf("%s imports %s, transport or storage in the domain (DESIGN.md rule 1): %s -> %s; "+
							"take an interface in the domain and fill it in internal/server instead",
							from, to, chain(parent, from), to)
					}
					continue
				}
				if _, seen := parent[to]; !seen && to != imp {
					parent[to] = from
					queue = append(queue, to)
				}
			}
		}
	}
	for e, why := range allowed {
		if !used[e] {
			t.Errorf("allow-list entry %s -> %s (%s) is no longer needed: remove it", e.from, e.to, why)
		}
	}
}

// isForbidden reports whether path (relative to the module when own) is
// in forbidden.
func isForbidden(path string, own bool) bool {
	return slices.ContainsFunc(forbidden, func(f string) bool {
		if own || strings.HasPrefix(f, "internal/") {
			return own && path == f
		}
		return path == f || strings.HasPrefix(path, f+"/")
	})
}

// chain is the import path from a domain root down to pkg.
func chain(parent map[string]string, pkg string) string {
	var path []string
	for p := pkg; p != ""; p = parent[p] {
		path = append(path, p)
	}
	slices.Reverse(path)
	return strings.Join(path, " -> ")
}

// load runs `go list -deps -json` over the domain packages and returns the
// module path and every package found, this module's by relative path.
func load(t *testing.T) (string, map[string]pkg) {
	t.Helper()
	module := modulePath(t)
	args := []string{"-deps", "-json=ImportPath,Imports,Module"}
	for _, d := range domain {
		args = append(args, module+"/"+d)
	}
	pkgs := map[string]pkg{}
	for _, p := range goList(t, args...) {
		if p.Module != nil && p.Module.Path == module {
			p.ImportPath = strings.TrimPrefix(p.ImportPath, module+"/")
		}
		pkgs[p.ImportPath] = p
	}
	if len(pkgs) < len(domain) {
		t.Fatalf("go list described %d packages, fewer than the %d domain packages", len(pkgs), len(domain))
	}
	return module, pkgs
}

// modulePath is this module's path (`go list -m`).
func modulePath(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m").Output()
	if err != nil {
		t.Fatalf("go list -m: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// goList runs `go list` with args (which must ask for JSON) and decodes
// every package it describes.
func goList(t *testing.T, args ...string) []pkg {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list"}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	var pkgs []pkg
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p pkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			return pkgs
		} else if err != nil {
			t.Fatalf("decoding go list: %v", err)
		}
		pkgs = append(pkgs, p)
	}
}
