package provenance

import (
	"strings"

	"github.com/rampart/rampart/internal/core"
)

// PackageURL is the package URL (purl) a provenance statement names as
// its subject for ref@version, as the ecosystem's client writes it: npm's
// is pkg:npm/<name>@<version> with a scope's leading "@" as "%40" and no
// repository_url, even for a private registry (npm-package-arg toPurl).
// "" for an ecosystem without provenance.
func PackageURL(ref core.PackageRef, version string) string {
	switch ref.Ecosystem {
	case core.EcosystemNPM:
		name := ref.Name
		if rest, ok := strings.CutPrefix(name, "@"); ok {
			name = "%40" + rest
		}
		return "pkg:npm/" + name + "@" + version
	}
	return ""
}
