// Package fix upgrades vulnerable dependencies to the lowest version that
// fixes every advisory on them, by driving the project's own package
// manager so that its lockfile stays its own: `npm install name@version`
// for a direct npm dependency (package.json's range updated), an npm
// override (`npm pkg set overrides.name=version`, then `npm install`) for
// a transitive one whose dependents' ranges all allow the fix, and `go get
// module@version` then `go mod tidy` for a Go module. What cannot be
// fixed (no fixed version, a malicious package, ranges that exclude the
// fix) is reported with the reason.
package fix

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"sort"
	"strings"

	"github.com/Masterminds/semver/v3"

	"github.com/rampart/rampart/internal/audit"
	"github.com/rampart/rampart/internal/deptree"
	osv "github.com/rampart/rampart/internal/osvclient"
)

// Ways a Change is made.
const (
	HowDirect   = "direct dependency"
	HowOverride = "npm override"
	HowGoGet    = "go get"
)

// Change is one upgrade.
type Change struct {
	Package    string     `json:"package"`
	From       []string   `json:"from"`
	To         string     `json:"to"`
	Advisories []string   `json:"advisories"`
	How        string     `json:"how"`
	Commands   [][]string `json:"commands"`
}

// Skip is a vulnerable package left as it is, and why.
type Skip struct {
	Package    string   `json:"package"`
	Version    string   `json:"version"`
	Advisories []string `json:"advisories"`
	Why        string   `json:"why"`
}

// Plan is what fix does, or did.
type Plan struct {
	Changes []Change `json:"changes"`
	Skipped []Skip   `json:"not_fixed"`
}

// Make plans the upgrades for the findings on tree t.
func Make(t *deptree.Tree, findings []audit.Finding) *Plan {
	byName := map[string][]audit.Finding{}
	var names []string
	for _, f := range findings {
		if byName[f.Package] == nil {
			names = append(names, f.Package)
		}
		byName[f.Package] = append(byName[f.Package], f)
	}
	sort.Strings(names)
	p := &Plan{Changes: []Change{}, Skipped: []Skip{}}
	for _, name := range names {
		fs := byName[name]
		ids, versions := advisories(fs), versionsOf(fs)
		skip := func(why string) {
			p.Skipped = append(p.Skipped, Skip{Package: name, Version: strings.Join(versions, ", "), Advisories: ids, Why: why})
		}
		target, why := lowestFix(t.Ecosystem, name, fs)
		if why != "" {
			skip(why)
			continue
		}
		c := Change{Package: name, From: versions, To: target, Advisories: ids}
		switch t.Ecosystem {
		case deptree.Go:
			c.How = HowGoGet
			c.Commands = [][]string{{"go", "get", name + "@v" + strings.TrimPrefix(target, "v")}}
		case deptree.NPM:
			if direct(t, name) {
				c.How = HowDirect
				cmd := []string{"npm", "install", name + "@" + target}
				if exact(t.Root.Wants[name]) {
					cmd = append(cmd, "--save-exact")
				}
				c.Commands = [][]string{cmd}
			} else {
				if why := rangesExclude(t, name, target); why != "" {
					skip(why)
					continue
				}
				if strings.Contains(name, ".") {
					skip(fmt.Sprintf("add \"overrides\": {%q: %q} to package.json and run npm install (npm pkg set cannot name a package with a dot)", name, target))
					continue
				}
				c.How = HowOverride
				c.Commands = [][]string{{"npm", "pkg", "set", "overrides." + name + "=" + target}, {"npm", "install"}}
			}
		default:
			skip("no package manager known for " + t.Ecosystem)
			continue
		}
		p.Changes = append(p.Changes, c)
	}
	if t.Ecosystem == deptree.Go && len(p.Changes) > 0 {
		last := &p.Changes[len(p.Changes)-1]
		last.Commands = append(last.Commands, []string{"go", "mod", "tidy"})
	}
	return p
}

// lowestFix is the lowest version that fixes every advisory on name, or
// why there is none.
func lowestFix(eco, name string, fs []audit.Finding) (string, string) {
	target := ""
	for _, f := range fs {
		if f.Malicious {
			return "", fmt.Sprintf("malicious package (%s): no version is safe; remove it (npm uninstall %s, or drop the dependency that brings it)", f.ID, name)
		}
		if f.Fixed == "" {
			return "", fmt.Sprintf("%s has no fixed version; look for a replacement or accept the risk", f.ID)
		}
		if target == "" || osv.Compare(f.Fixed, target) > 0 {
			target = f.Fixed
		}
	}
	for _, f := range fs {
		if f.Vuln.Affects(eco, name, target) {
			return "", fmt.Sprintf("%s still affects %s, the lowest version that fixes the others", f.ID, target)
		}
	}
	return target, ""
}

// direct is true when the root depends on name itself.
func direct(t *deptree.Tree, name string) bool {
	_, ok := t.Root.Wants[name]
	return ok
}

func exact(rng string) bool {
	_, err := semver.StrictNewVersion(strings.TrimPrefix(rng, "="))
	return err == nil
}

// rangesExclude says which dependent's range does not allow version, ""
// when all do.
func rangesExclude(t *deptree.Tree, name, version string) string {
	v, err := semver.NewVersion(version)
	if err != nil {
		return fmt.Sprintf("%s is not a version fix can compare", version)
	}
	for _, parent := range t.Packages {
		rng, ok := parent.Wants[name]
		if !ok {
			continue
		}
		c, err := semver.NewConstraint(npmRange(rng))
		if err != nil {
			return fmt.Sprintf("%s@%s asks for %s@%q, a range fix cannot read; upgrade %s by hand", parent.Name, parent.Version, name, rng, parent.Name)
		}
		if !c.Check(v) {
			return fmt.Sprintf("%s@%s requires %s@%s, which excludes the fixed %s: upgrade %s to a version that allows it", parent.Name, parent.Version, name, rng, version, topOf(t, parent))
		}
	}
	return ""
}

// npmRange turns npm's range syntax into Masterminds': "||" alternatives
// are the same, a space-separated list is an AND ("," in Masterminds'),
// "x" wildcards are the same.
func npmRange(r string) string {
	r = strings.TrimSpace(r)
	if r == "" || r == "*" || r == "latest" {
		return "*"
	}
	var alts []string
	for _, alt := range strings.Split(r, "||") {
		f := strings.Fields(alt)
		// Keep "1.0.0 - 2.0.0" (a hyphen range) as one.
		if len(f) == 3 && f[1] == "-" {
			alts = append(alts, strings.Join(f, " "))
			continue
		}
		alts = append(alts, strings.Join(f, ", "))
	}
	return strings.Join(alts, " || ")
}

// topOf names the direct dependency through which parent is installed.
func topOf(t *deptree.Tree, parent *deptree.Package) string {
	if path := t.Paths()[parent.ID]; len(path) > 0 {
		if top := t.Get(path[0]); top != nil {
			return top.Name
		}
	}
	return parent.Name
}

func advisories(fs []audit.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.ID)
	}
	sort.Strings(out)
	return out
}

func versionsOf(fs []audit.Finding) []string {
	seen := map[string]bool{}
	var out []string
	for _, f := range fs {
		if !seen[f.Version] {
			seen[f.Version] = true
			out = append(out, f.Version)
		}
	}
	sort.Strings(out)
	return out
}

// Apply runs the plan's commands in dir, in order, and returns the
// output of the first that fails.
func Apply(ctx context.Context, dir string, p *Plan, log func(cmd []string)) error {
	for _, c := range p.Changes {
		for _, args := range c.Commands {
			if log != nil {
				log(args)
			}
			cmd := exec.CommandContext(ctx, args[0], args[1:]...)
			cmd.Dir = dir
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Run(); err != nil {
				return fmt.Errorf("%s failed (%w):\n%s", strings.Join(args, " "), err, strings.TrimSpace(out.String()))
			}
		}
	}
	return nil
}
