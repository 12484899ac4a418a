package advisory

import (
	"strings"

	"github.com/Masterminds/semver/v3"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/osv"
)

// osvNames maps Rampart's ecosystems to OSV's names for them.
var osvNames = map[core.Ecosystem]string{
	core.EcosystemNPM: osv.EcosystemNPM,
	"go":              "Go",
}

// OSVEcosystem is OSV's name of e.
func OSVEcosystem(e core.Ecosystem) string {
	if n, ok := osvNames[e]; ok {
		return n
	}
	return string(e)
}

// Ecosystem is Rampart's ecosystem for OSV's name (its suffix, such as
// Debian's release, dropped).
func Ecosystem(osvName string) core.Ecosystem {
	base := osv.BaseEcosystem(osvName)
	for e, n := range osvNames {
		if n == base {
			return e
		}
	}
	return core.Ecosystem(base)
}

// Affects says whether r affects ref at version.
func Affects(r *osv.Vuln, ref core.PackageRef, version string) bool {
	return r.Affects(OSVEcosystem(ref.Ecosystem), ref.Name, version)
}

func lessVersion(a, b string) bool {
	va, errA := semver.StrictNewVersion(strings.TrimPrefix(a, "v"))
	vb, errB := semver.StrictNewVersion(strings.TrimPrefix(b, "v"))
	if errA != nil || errB != nil {
		return a < b
	}
	return va.LessThan(vb)
}
