package sbom

import (
	"strings"

	"github.com/rampart/rampart/internal/deptree"
)

// Published is what a published version's own SBOM says besides its
// tree: the tree's root is the version itself (purl, integrity, licence,
// tarball as Resolved, its references under Options.Refs[""]), its
// packages are its direct dependencies as this registry resolves them
// now, and the root's Wants are the ranges it declares.
type Published struct {
	// Publisher is the account that published the version: the supplier.
	Publisher string
	// Maintainers are the package's maintainers, the supplier's contacts.
	Maintainers []string
	// Unresolved are the declared dependencies this registry resolves to
	// no version (none satisfies the range, the package is not held
	// here, or the range is no semver range), by name, with why.
	Unresolved map[string]string
}

// Property names of a published version's SBOM.
const (
	// PropRange is the range the version declares for a dependency.
	PropRange = "rampart:declared-range"
	// PropUnresolved says why a declared dependency has no version.
	PropUnresolved = "rampart:unresolved"
)

// declaredRange is the range the root declares for p, when the document
// is a published version's and p is one of its direct dependencies.
func declaredRange(t *deptree.Tree, o Options, p *deptree.Package) string {
	if o.Published == nil || !p.Direct {
		return ""
	}
	return t.Root.Wants[p.Name]
}

// unresolvedPackages are the declared dependencies with no version, as
// packages with a name and no version, sorted by name; their IDs start
// "unresolved:".
func unresolvedPackages(t *deptree.Tree, o Options) []*deptree.Package {
	if o.Published == nil {
		return nil
	}
	var out []*deptree.Package
	for name := range o.Published.Unresolved {
		out = append(out, &deptree.Package{ID: "unresolved:" + name, Ecosystem: t.Ecosystem, Name: name, Direct: true})
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].Name < out[j-1].Name; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// supplier names who supplied the root of a published version's SBOM.
func (p *Published) supplier() string {
	if p.Publisher != "" {
		return p.Publisher
	}
	return strings.Join(p.Maintainers, ", ")
}
