package advisory

import (
	"context"
	"sort"
	"strings"

	"github.com/Masterminds/semver/v3"

	"github.com/rampart/rampart/internal/core"
)

// Finding is one advisory that affects a package version: the version
// itself (Via empty) or one of its dependencies as resolved against
// this registry's versions.
type Finding struct {
	Record
	Package core.PackageRef
	Version string // the affected version
	FixedIn string // the first version that fixes it, "" if none is known
	Via     string // the dependency range it was resolved from, "" for the version itself
}

// ForVersion lists the advisories in force that affect ref at version.
func (s *Service) ForVersion(ctx context.Context, ref core.PackageRef, version string) ([]Finding, error) {
	recs, err := s.Query(ctx, ref, version)
	if err != nil {
		return nil, err
	}
	out := make([]Finding, 0, len(recs))
	for _, r := range recs {
		out = append(out, Finding{Record: r, Package: ref, Version: version, FixedIn: FirstFixed(r.Vuln, ref, version)})
	}
	return out, nil
}

// maxDependencies bounds the dependencies one version's report resolves.
const maxDependencies = 1000

// Versions lists the versions of a package this registry serves to the
// reader (nil if it has none): how dependencies are resolved.
type Versions func(ctx context.Context, ref core.PackageRef) ([]string, error)

// ForDependencies resolves each dependency (name to range, as a
// manifest's dependencies) to the highest version of this registry that
// satisfies its range, as npm would install it today, and lists the
// advisories in force that affect the version resolved. A range that is
// no semver range (a tag, a URL, a git reference) or that nothing here
// satisfies is skipped. Direct dependencies only.
func (s *Service) ForDependencies(ctx context.Context, eco core.Ecosystem, deps map[string]string, versions Versions) ([]Finding, error) {
	names := make([]string, 0, len(deps))
	for n := range deps {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(names) > maxDependencies {
		names = names[:maxDependencies]
	}
	var refs []core.PackageRef
	resolved := map[core.PackageRef]string{}
	for _, n := range names {
		ref := core.PackageRef{Ecosystem: eco, Name: n}
		vs, err := versions(ctx, ref)
		if err != nil {
			if core.KindOf(err) == core.KindNotFound || core.KindOf(err) == core.KindForbidden {
				continue
			}
			return nil, err
		}
		if v := Resolve(deps[n], vs); v != "" {
			refs = append(refs, ref)
			resolved[ref] = v
		}
	}
	lists, err := s.ForPackages(ctx, refs)
	if err != nil {
		return nil, err
	}
	var out []Finding
	for i, ref := range refs {
		v := resolved[ref]
		for _, r := range lists[i] {
			if Affects(r.Vuln, ref, v) {
				out = append(out, Finding{Record: r, Package: ref, Version: v, FixedIn: FirstFixed(r.Vuln, ref, v), Via: deps[ref.Name]})
			}
		}
	}
	return out, nil
}

// Resolve is the highest of versions that satisfies the npm range rng
// ("" if none does, or rng is no semver range): prereleases only when
// the range names one, as npm's semver does.
func Resolve(rng string, versions []string) string {
	rng = strings.TrimSpace(rng)
	if rng == "" || rng == "latest" || rng == "x" {
		rng = "*"
	}
	c, err := semver.NewConstraint(rng)
	if err != nil {
		return ""
	}
	var best *semver.Version
	var bestRaw string
	for _, raw := range versions {
		v, err := semver.StrictNewVersion(raw)
		if err != nil || !c.Check(v) {
			continue
		}
		if best == nil || v.GreaterThan(best) {
			best, bestRaw = v, raw
		}
	}
	return bestRaw
}
