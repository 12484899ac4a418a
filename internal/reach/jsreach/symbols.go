package jsreach

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"
)

// Spec is what an advisory says is affected in a package: an import path
// as code writes it ("pkg" or "pkg/lib/parse") and, optionally, the
// exports of it that are affected. It is read from OSV's
// affected[].ecosystem_specific.imports, shaped as the Go vulnerability
// database's: [{"path": "...", "symbols": ["..."]}].
type Spec struct {
	Path    string   `json:"path"`
	Symbols []string `json:"symbols,omitempty"`
}

// Levels of a Result, from least to most reached.
const (
	NotImported   = "not imported"   // no reached file is in the package
	SymbolsUnused = "symbols unused" // imported, but only other exports
	Imported      = "imported"       // a reached file is in the package (no symbols named, or they could not be told apart)
	Used          = "symbol used"    // an affected export is used
)

// Result is the answer for one package and advisory.
type Result struct {
	Reachable bool
	Level     string
	// Detail says why, for people: the importing file and what it uses.
	Detail string
}

// Reach says whether the package at lockfile path pkgID (named name) is
// reached, at the finest level the specs allow.
func (g *Graph) Reach(pkgID, name string, specs []Spec) Result {
	importer := g.importerOf(pkgID, "")
	if !g.Packages()[pkgID] {
		return Result{false, NotImported, "no entry point imports " + name}
	}
	if len(specs) == 0 {
		return Result{true, Imported, importer.describe(name)}
	}
	var unused []string
	for _, s := range specs {
		sub := strings.TrimPrefix(strings.TrimPrefix(s.Path, name), "/")
		if s.Path != name && !strings.HasPrefix(s.Path, name+"/") {
			continue // names another package
		}
		if sub != "" && !g.fileReached(pkgID, sub) {
			unused = append(unused, s.Path+" not imported")
			continue
		}
		if len(s.Symbols) == 0 {
			return Result{true, Imported, g.importerOf(pkgID, s.Path).describe(s.Path)}
		}
		edges := g.edgesInto(pkgID, s.Path)
		if len(edges) == 0 {
			// Reached only from inside the package (its main re-exports
			// the file): which exports flow out is not followed.
			return Result{true, Imported, fmt.Sprintf("%s is reached through %s; its exports are not followed", s.Path, name)}
		}
		var used []string
		for _, e := range edges {
			src, err := os.ReadFile(filepath.Join(g.Dir, filepath.FromSlash(e.From)))
			if err != nil {
				return Result{true, Imported, e.From + " could not be read: " + err.Error()}
			}
			names, all := UsedNames(string(src), e.Original)
			if all {
				return Result{true, Imported, fmt.Sprintf("%s uses %s as a whole", e.From, e.Original)}
			}
			for _, sym := range s.Symbols {
				if names[sym] {
					return Result{true, Used, fmt.Sprintf("%s uses %s from %s", e.From, sym, e.Original)}
				}
			}
			for n := range names {
				used = append(used, n)
			}
		}
		sort.Strings(used)
		what := "nothing"
		if len(used) > 0 {
			what = strings.Join(dedupe(used), ", ")
		}
		unused = append(unused, fmt.Sprintf("%s is imported for %s, not %s", s.Path, what, strings.Join(s.Symbols, ", ")))
	}
	if len(unused) == 0 {
		return Result{true, Imported, importer.describe(name)}
	}
	return Result{false, SymbolsUnused, strings.Join(unused, "; ")}
}

func dedupe(s []string) []string {
	out := s[:0]
	for i, x := range s {
		if i == 0 || x != s[i-1] {
			out = append(out, x)
		}
	}
	return out
}

func (i *Import) describe(what string) string {
	if i == nil {
		return what + " is in the import graph"
	}
	return i.From + " imports " + what
}

// importerOf is an edge from outside the package into it (with this
// specifier when spec is not empty).
func (g *Graph) importerOf(pkgID, spec string) *Import {
	for i, e := range g.Imports {
		if PackageOf(e.To) == pkgID && PackageOf(e.From) != pkgID && (spec == "" || e.Original == spec) {
			return &g.Imports[i]
		}
	}
	return nil
}

func (g *Graph) edgesInto(pkgID, spec string) []Import {
	var out []Import
	for _, e := range g.Imports {
		if PackageOf(e.To) == pkgID && PackageOf(e.From) != pkgID && e.Original == spec {
			out = append(out, e)
		}
	}
	return out
}

// fileReached is true when pkgID/sub (with Node's extensions and index
// files) is in the graph.
func (g *Graph) fileReached(pkgID, sub string) bool {
	base := pkgID + "/" + sub
	for _, c := range []string{base, base + ".js", base + ".cjs", base + ".mjs", base + ".ts", base + "/index.js"} {
		if g.Files[c] {
			return true
		}
	}
	return false
}

var ident = `[A-Za-z_$][\w$]*`

// UsedNames reads which exports of the module imported as spec a file
// uses: named ESM imports and re-exports, destructured requires,
// require(spec).name, and name accesses on a namespace or default
// binding. all is true when the file uses the module in a way whose
// names cannot be told (passes it around, `export *`, computed access).
func UsedNames(src, spec string) (names map[string]bool, all bool) {
	names = map[string]bool{}
	if !utf8.ValidString(src) || !utf8.ValidString(spec) {
		// Not source the patterns can read: count it as used.
		return names, true
	}
	q := `['"]` + regexp.QuoteMeta(spec) + `['"]`
	explained := 0
	var bindings []string
	// import clause from 'spec'
	for _, m := range regexp.MustCompile(`import\s+([^;'"]*?)\s+from\s*`+q).FindAllStringSubmatch(src, -1) {
		explained++
		clause := strings.TrimSpace(m[1])
		if i := strings.Index(clause, "{"); i >= 0 {
			j := strings.Index(clause, "}")
			if j > i {
				for _, part := range strings.Split(clause[i+1:j], ",") {
					f := strings.Fields(part)
					if len(f) > 0 && f[0] != "type" {
						names[f[0]] = true
					}
				}
				clause = strings.TrimSpace(clause[:i] + clause[j+1:])
			}
		}
		for _, part := range strings.Split(clause, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			if rest, ok := strings.CutPrefix(part, "*"); ok {
				f := strings.Fields(rest)
				if len(f) == 2 && f[0] == "as" {
					bindings = append(bindings, f[1])
				}
				continue
			}
			names["default"] = true
			bindings = append(bindings, part)
		}
	}
	explained += len(regexp.MustCompile(`import\s*`+q).FindAllString(src, -1))
	for _, m := range regexp.MustCompile(`export\s*\{([^}]*)\}\s*from\s*`+q).FindAllStringSubmatch(src, -1) {
		explained++
		for _, part := range strings.Split(m[1], ",") {
			if f := strings.Fields(part); len(f) > 0 {
				names[f[0]] = true
			}
		}
	}
	if regexp.MustCompile(`export\s*\*\s*(as\s+` + ident + `\s*)?from\s*` + q).MatchString(src) {
		return names, true
	}
	req := `require\(\s*` + q + `\s*\)`
	for _, m := range regexp.MustCompile(`(?:const|let|var)\s*\{([^}]*)\}\s*=\s*`+req).FindAllStringSubmatch(src, -1) {
		explained++
		for _, part := range strings.Split(m[1], ",") {
			k, _, _ := strings.Cut(part, ":")
			if k = strings.TrimSpace(k); k != "" {
				if strings.HasPrefix(k, "...") {
					return names, true
				}
				names[k] = true
			}
		}
	}
	for _, m := range regexp.MustCompile(req+`\s*\.\s*(`+ident+`)`).FindAllStringSubmatch(src, -1) {
		explained++
		names[m[1]] = true
	}
	for _, m := range regexp.MustCompile(`(?:const|let|var)\s+(`+ident+`)\s*=\s*`+req+`\s*[;\n]`).FindAllStringSubmatch(src, -1) {
		explained++
		bindings = append(bindings, m[1])
	}
	total := len(regexp.MustCompile(`import\s*(?:[^;'"]*?\s+from\s*)?`+q).FindAllString(src, -1)) +
		len(regexp.MustCompile(`export\s*\{[^}]*\}\s*from\s*`+q).FindAllString(src, -1)) +
		len(regexp.MustCompile(req).FindAllString(src, -1))
	if explained < total {
		return names, true
	}
	for _, b := range bindings {
		uses := regexp.MustCompile(`(^|[^\w$.'"/@-])`+regexp.QuoteMeta(b)+`\b`).FindAllStringIndex(src, -1)
		member := regexp.MustCompile(`^\s*(?:\?\.|\.)\s*(` + ident + `)|^\s*\[\s*['"]([^'"]+)['"]\s*\]`)
		decl := 0
		for _, u := range uses {
			rest := src[u[1]:]
			if m := member.FindStringSubmatch(rest); m != nil {
				names[m[1]+m[2]] = true
				continue
			}
			// The declaration itself: "ns from", "x = require(", "* as ns".
			if decl < 1 && regexp.MustCompile(`^\s*(from\b|=\s*require\(|,|\})`).MatchString(rest) {
				decl++
				continue
			}
			return names, true
		}
	}
	return names, false
}
