package osv

import (
	"slices"
	"strings"

	"github.com/Masterminds/semver/v3"
)

// Affects says whether the record affects version of the package
// (ecosystem, name): the version is listed, or falls in one of the SEMVER
// or ECOSYSTEM ranges (for npm the ecosystem's order is semver's). A
// withdrawn record affects nothing; the caller asks IsWithdrawn, since
// withdrawal is a matter of time. GIT ranges name commits, not versions,
// and never match a version.
func (v *Vuln) Affects(ecosystem, name, version string) bool {
	for i := range v.Affected {
		a := &v.Affected[i]
		if a.Package.Name == name && BaseEcosystem(a.Package.Ecosystem) == ecosystem && a.Affects(version) {
			return true
		}
	}
	return false
}

// Affects says whether version is one of a's versions.
func (a *Affected) Affects(version string) bool {
	if slices.Contains(a.Versions, version) {
		return true
	}
	ver, err := semver.StrictNewVersion(strings.TrimPrefix(version, "v"))
	if err != nil {
		return false
	}
	for _, r := range a.Ranges {
		if r.Type != RangeGit && r.affects(ver) {
			return true
		}
	}
	return false
}

// affects is the OSV schema's evaluation of one range: the events sorted
// by version, introduced opens, fixed closes before itself, last_affected
// closes after itself, and a limit, if any, caps the range (the version
// must lie below one of them). An event whose version does not parse is
// ignored, except an introduced one, which makes the range match nothing
// rather than everything.
func (r *Range) affects(v *semver.Version) bool {
	type ev struct {
		at   *semver.Version // nil: "0", before every version
		kind byte            // 'i', 'f', 'l'
	}
	var evs []ev
	var limits []*semver.Version
	for _, e := range r.Events {
		switch {
		case e.Introduced != "":
			if e.Introduced == "0" {
				evs = append(evs, ev{nil, 'i'})
				continue
			}
			at, err := parse(e.Introduced)
			if err != nil {
				return false
			}
			evs = append(evs, ev{at, 'i'})
		case e.Fixed != "":
			if at, err := parse(e.Fixed); err == nil {
				evs = append(evs, ev{at, 'f'})
			}
		case e.LastAffected != "":
			if at, err := parse(e.LastAffected); err == nil {
				evs = append(evs, ev{at, 'l'})
			}
		case e.Limit != "":
			if e.Limit == "*" {
				continue
			}
			if at, err := parse(e.Limit); err == nil {
				limits = append(limits, at)
			}
		}
	}
	if len(limits) > 0 && !slices.ContainsFunc(limits, v.LessThan) {
		return false
	}
	slices.SortStableFunc(evs, func(a, b ev) int {
		switch {
		case a.at == nil && b.at == nil:
			return 0
		case a.at == nil:
			return -1
		case b.at == nil:
			return 1
		}
		return a.at.Compare(b.at)
	})
	affected := false
	for _, e := range evs {
		switch e.kind {
		case 'i':
			if e.at == nil || !v.LessThan(e.at) {
				affected = true
			}
		case 'f':
			if !v.LessThan(e.at) {
				affected = false
			}
		case 'l':
			if v.GreaterThan(e.at) {
				affected = false
			}
		}
	}
	return affected
}

func parse(s string) (*semver.Version, error) {
	return semver.StrictNewVersion(strings.TrimPrefix(s, "v"))
}

// FirstFixed is the lowest fixed version of a's ranges above version, or
// "" if none: what an upgrade must reach.
func (a *Affected) FirstFixed(version string) string {
	cur, err := parse(version)
	if err != nil {
		cur = nil
	}
	var best *semver.Version
	var bestRaw string
	for _, r := range a.Ranges {
		if r.Type == RangeGit {
			continue
		}
		for _, e := range r.Events {
			if e.Fixed == "" {
				continue
			}
			f, err := parse(e.Fixed)
			if err != nil || (cur != nil && !f.GreaterThan(cur)) {
				continue
			}
			if best == nil || f.LessThan(best) {
				best, bestRaw = f, e.Fixed
			}
		}
	}
	return bestRaw
}

// Fixed lists every fixed version of a's ranges, in order.
func (a *Affected) Fixed() []string {
	var out []string
	for _, r := range a.Ranges {
		if r.Type == RangeGit {
			continue
		}
		for _, e := range r.Events {
			if e.Fixed != "" && !slices.Contains(out, e.Fixed) {
				out = append(out, e.Fixed)
			}
		}
	}
	return out
}

// NPMRange writes a's affected versions as an npm semver range (the
// `vulnerable_versions` of npm's audit answer): each range's intervals
// and each listed version, joined by "||". A range whose events do not
// parse as semver is left out; "" means nothing could be written, and
// the caller lists the versions it matched instead.
func (a *Affected) NPMRange() string {
	var parts []string
	for _, r := range a.Ranges {
		if r.Type == RangeGit {
			continue
		}
		parts = append(parts, r.npmIntervals()...)
	}
	for _, v := range a.Versions {
		if _, err := parse(v); err == nil {
			parts = append(parts, v)
		}
	}
	return strings.Join(parts, " || ")
}

// npmIntervals walks a range's sorted events as affects does, writing an
// interval each time one closes, and an open one at the end.
func (r *Range) npmIntervals() []string {
	type ev struct {
		at   *semver.Version
		raw  string
		kind byte
	}
	var evs []ev
	for _, e := range r.Events {
		var raw string
		var kind byte
		switch {
		case e.Introduced != "":
			raw, kind = e.Introduced, 'i'
		case e.Fixed != "":
			raw, kind = e.Fixed, 'f'
		case e.LastAffected != "":
			raw, kind = e.LastAffected, 'l'
		default:
			continue // limits cap branches of GIT ranges; npm's are linear
		}
		if raw == "0" && kind == 'i' {
			evs = append(evs, ev{nil, raw, kind})
			continue
		}
		at, err := parse(raw)
		if err != nil {
			return nil
		}
		evs = append(evs, ev{at, raw, kind})
	}
	slices.SortStableFunc(evs, func(a, b ev) int {
		switch {
		case a.at == nil && b.at == nil:
			return 0
		case a.at == nil:
			return -1
		case b.at == nil:
			return 1
		}
		return a.at.Compare(b.at)
	})
	var out []string
	open, from := false, ""
	lower := func() string {
		if from == "" {
			return ""
		}
		return ">=" + from + " "
	}
	for _, e := range evs {
		switch e.kind {
		case 'i':
			if !open {
				open = true
				from = ""
				if e.at != nil {
					from = e.raw
				}
			}
		case 'f':
			if open {
				out = append(out, lower()+"<"+e.raw)
				open = false
			}
		case 'l':
			if open {
				out = append(out, lower()+"<="+e.raw)
				open = false
			}
		}
	}
	if open {
		if from == "" {
			out = append(out, "*")
		} else {
			out = append(out, ">="+from)
		}
	}
	for i := range out {
		out[i] = strings.TrimSpace(out[i])
	}
	return out
}
