package lockverify

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Locked is one package a lockfile pins.
type Locked struct {
	Name      string `json:"name"`
	Version   string `json:"version"`
	Resolved  string `json:"resolved"`
	Integrity string `json:"integrity"`
}

// maxLockfile bounds the lockfile read (a project's, but it may come
// from anywhere).
const maxLockfile = 256 << 20

// ReadLockfile reads dir/package-lock.json (lockfileVersion 2 or 3: the
// "packages" map) and returns the packages it pins from registry (their
// resolved URL starts with it), sorted, each once.
func ReadLockfile(dir, registry string) ([]Locked, error) {
	path := filepath.Join(dir, "package-lock.json")
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w; run npm install first (rampart verify reads the lockfile)", path, err)
	}
	if fi.Size() > maxLockfile {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, maxLockfile)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var lock struct {
		LockfileVersion int `json:"lockfileVersion"`
		Packages        map[string]struct {
			Name      string `json:"name"`
			Version   string `json:"version"`
			Resolved  string `json:"resolved"`
			Integrity string `json:"integrity"`
			Link      bool   `json:"link"`
		} `json:"packages"`
	}
	if err := json.Unmarshal(b, &lock); err != nil {
		return nil, fmt.Errorf("%s is not valid JSON: %w", path, err)
	}
	if lock.LockfileVersion < 2 {
		return nil, fmt.Errorf("%s has lockfileVersion %d; rampart verify reads versions 2 and 3 (npm 7 and later): run npm install --lockfile-version 3", path, lock.LockfileVersion)
	}
	base := strings.TrimSuffix(registry, "/") + "/"
	seen := map[string]bool{}
	var out []Locked
	for key, p := range lock.Packages {
		if key == "" || p.Link || !strings.HasPrefix(p.Resolved, base) {
			continue
		}
		name := p.Name
		if name == "" {
			i := strings.LastIndex(key, "node_modules/")
			if i < 0 {
				continue
			}
			name = key[i+len("node_modules/"):]
		}
		id := name + "@" + p.Version
		if seen[id] {
			continue
		}
		seen[id] = true
		out = append(out, Locked{Name: name, Version: p.Version, Resolved: p.Resolved, Integrity: p.Integrity})
	}
	slices.SortFunc(out, func(a, b Locked) int { return strings.Compare(a.Name+"@"+a.Version, b.Name+"@"+b.Version) })
	return out, nil
}
