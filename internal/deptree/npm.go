package deptree

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// lockfile is the part of package-lock.json (lockfileVersion 2 or 3)
// read here.
type lockfile struct {
	Name            string                 `json:"name"`
	Version         string                 `json:"version"`
	LockfileVersion int                    `json:"lockfileVersion"`
	Packages        map[string]lockPackage `json:"packages"`
}

type lockPackage struct {
	Name                 string            `json:"name"`
	Version              string            `json:"version"`
	Resolved             string            `json:"resolved"`
	Integrity            string            `json:"integrity"`
	License              json.RawMessage   `json:"license"`
	Dev                  bool              `json:"dev"`
	Optional             bool              `json:"optional"`
	DevOptional          bool              `json:"devOptional"`
	Link                 bool              `json:"link"`
	Dependencies         map[string]string `json:"dependencies"`
	OptionalDependencies map[string]string `json:"optionalDependencies"`
	PeerDependencies     map[string]string `json:"peerDependencies"`
	DevDependencies      map[string]string `json:"devDependencies"`
}

// ErrNoLockfile is returned when a folder has no package-lock.json.
var ErrNoLockfile = errors.New("no package-lock.json")

// ReadNPM reads dir/package-lock.json into a tree, with each package's
// author from its installed package.json when node_modules is there.
func ReadNPM(dir string) (*Tree, error) {
	b, err := os.ReadFile(filepath.Join(dir, "package-lock.json"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%s: %w: run `npm install` (or `npm install --package-lock-only`) first", dir, ErrNoLockfile)
	}
	if err != nil {
		return nil, err
	}
	return ParseNPM(dir, b)
}

// ParseNPM parses the bytes of a package-lock.json found in dir.
func ParseNPM(dir string, b []byte) (*Tree, error) {
	var lf lockfile
	if err := json.Unmarshal(b, &lf); err != nil {
		return nil, fmt.Errorf("package-lock.json is not valid JSON: %w", err)
	}
	if lf.LockfileVersion < 2 || lf.Packages == nil {
		return nil, fmt.Errorf("package-lock.json has lockfileVersion %d: only versions 2 and 3 (npm 7 and later) are read; run `npm install --lockfile-version 3` to upgrade it", lf.LockfileVersion)
	}
	rootLP := lf.Packages[""]
	root := &Package{ID: "", Ecosystem: NPM, Name: firstNonEmpty(rootLP.Name, lf.Name), Version: firstNonEmpty(rootLP.Version, lf.Version), License: license(rootLP.License)}
	root.Deps = resolveDeps("", rootLP, lf.Packages, true)
	root.Wants = wants(rootLP, true)
	var pkgs []*Package
	for id, lp := range lf.Packages {
		if id == "" || lp.Link || !strings.Contains(id, "node_modules/") {
			// Links point at workspace folders listed under their own
			// path; folders outside node_modules are workspaces.
			continue
		}
		p := &Package{
			ID: id, Ecosystem: NPM, Name: firstNonEmpty(lp.Name, nameFromPath(id)), Version: lp.Version,
			Resolved: lp.Resolved, Integrity: lp.Integrity, License: license(lp.License),
			Dev: lp.Dev || lp.DevOptional, Optional: lp.Optional,
		}
		p.Deps = resolveDeps(id, lp, lf.Packages, false)
		p.Wants = wants(lp, false)
		p.Author = installedAuthor(dir, id)
		pkgs = append(pkgs, p)
	}
	return newTree(NPM, dir, root, pkgs), nil
}

func wants(lp lockPackage, isRoot bool) map[string]string {
	out := map[string]string{}
	for _, m := range []map[string]string{lp.PeerDependencies, lp.OptionalDependencies, lp.Dependencies} {
		for k, v := range m {
			out[k] = v
		}
	}
	if isRoot {
		for k, v := range lp.DevDependencies {
			if _, ok := out[k]; !ok {
				out[k] = v
			}
		}
	}
	return out
}

// nameFromPath is the package name in a lockfile key:
// "node_modules/a/node_modules/@s/b" is "@s/b".
func nameFromPath(id string) string {
	i := strings.LastIndex(id, "node_modules/")
	return id[i+len("node_modules/"):]
}

// resolveDeps finds where each dependency of the package at id is
// installed, as Node resolves a require: id/node_modules/dep, then each
// parent folder's node_modules up to the root. Link entries resolve to
// their target.
func resolveDeps(id string, lp lockPackage, all map[string]lockPackage, isRoot bool) []string {
	names := map[string]bool{}
	for n := range lp.Dependencies {
		names[n] = true
	}
	for n := range lp.OptionalDependencies {
		names[n] = true
	}
	for n := range lp.PeerDependencies {
		names[n] = true
	}
	if isRoot {
		for n := range lp.DevDependencies {
			names[n] = true
		}
	}
	var out []string
	for n := range names {
		if found := resolve(id, n, all); found != "" {
			out = append(out, found)
		}
	}
	sort.Strings(out)
	return out
}

func resolve(from, name string, all map[string]lockPackage) string {
	dir := from
	for {
		cand := path.Join(dir, "node_modules", name)
		if dir == "" {
			cand = "node_modules/" + name
		}
		if lp, ok := all[cand]; ok {
			if lp.Link && lp.Resolved != "" {
				return lp.Resolved
			}
			return cand
		}
		if dir == "" {
			return ""
		}
		// Up one package: strip "/node_modules/<name>" (a scoped name has
		// two segments).
		i := strings.LastIndex(dir, "node_modules/")
		if i <= 0 {
			dir = ""
		} else {
			dir = strings.TrimSuffix(dir[:i], "/")
		}
	}
}

// license reads the lockfile's licence, a string or the old
// {"type": "MIT"} object.
func license(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var o struct {
		Type string `json:"type"`
	}
	if json.Unmarshal(raw, &o) == nil {
		return o.Type
	}
	return ""
}

// installedAuthor reads the author of an installed package, "" when it is
// not installed or names none.
func installedAuthor(dir, id string) string {
	b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(id), "package.json"))
	if err != nil {
		return ""
	}
	var m struct {
		Author json.RawMessage `json:"author"`
	}
	if json.Unmarshal(b, &m) != nil || len(m.Author) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(m.Author, &s) == nil {
		return strings.TrimSpace(s)
	}
	var o struct{ Name, Email string }
	if json.Unmarshal(m.Author, &o) == nil && o.Name != "" {
		if o.Email != "" {
			return o.Name + " <" + o.Email + ">"
		}
		return o.Name
	}
	return ""
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}
