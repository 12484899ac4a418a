package sbom

import (
	"strings"

	"github.com/rampart/rampart/internal/deptree"
)

// Published is what a published version's own SBOM says besides its
// tree: the tree's root is the version itself (purl, integrity, licence,
// tarball as Resolved, its references under Options.Refs[""]), its
// packages are its dependency tree as this registry resolves it now (one
// package per name@version, each package's Deps its edges, cycles
// included), and the root's Wants are the ranges it declares.
type Published struct {
	// Publisher is the account that published the version: the supplier.
	Publisher string
	// TrustedPublisher, when set, names the trusted publisher (a CI
	// workflow) that published the version instead of an account, e.g.
	// "trusted publisher github: acme/widget .github/workflows/publish.yml@refs/heads/main":
	// the supplier in Publisher's place.
	TrustedPublisher string
	// Maintainers are the package's maintainers, the supplier's contacts.
	Maintainers []string
	// Unresolved are the tree's packages this registry resolves to no
	// version (their Version is ""), by package ID: the range asked and
	// why (none satisfies the range, the package is not held here, a
	// proxied package not yet fetched from its upstream).
	Unresolved map[string]Unresolved
	// Proxied are the packages served from an upstream registry
	// (internal/upstream), by package ID: the upstream's name.
	Proxied map[string]string
	// Truncated says why the tree was cut at its bound; "" when whole.
	Truncated string
}

// Unresolved is a dependency with no version: the range asked, and why.
type Unresolved struct {
	Range, Why string
}

// Property names of a published version's SBOM.
const (
	// PropRange is the range the version declares for a dependency, or,
	// on an unresolved package, the range asked of it.
	PropRange = "rampart:declared-range"
	// PropUnresolved says why a dependency has no version.
	PropUnresolved = "rampart:unresolved"
	// PropProxied names the upstream registry a package is served from.
	PropProxied = "rampart:proxied-from"
	// PropTruncated (on the document) says why the tree was cut.
	PropTruncated = "rampart:truncated"
)

// declaredRange is the range the root declares for p, when the document
// is a published version's and p is one of its direct dependencies, or
// the range asked of an unresolved package.
func declaredRange(t *deptree.Tree, o Options, p *deptree.Package) string {
	if o.Published == nil {
		return ""
	}
	if u, ok := o.Published.Unresolved[p.ID]; ok {
		return u.Range
	}
	if !p.Direct {
		return ""
	}
	return t.Root.Wants[p.Name]
}

// supplier names who supplied the root of a published version's SBOM.
func (p *Published) supplier() string {
	if p.TrustedPublisher != "" {
		return p.TrustedPublisher
	}
	if p.Publisher != "" {
		return p.Publisher
	}
	return strings.Join(p.Maintainers, ", ")
}
