// Package osvclient is the client side of OSV advisories: the part of the OSV
// schema (ossf.github.io/osv-schema) the client commands read, whether a
// record affects a version (ranges and lists), the lowest fixed version,
// the severity, and where records come from (source.go: the registry's
// OSV API, shaped like api.osv.dev's v1, or an OSV export folder).
package osvclient

import (
	"sort"
	"strings"

	"github.com/Masterminds/semver/v3"
)

// Vuln is one OSV record. Fields the client does not read are dropped.
type Vuln struct {
	ID               string         `json:"id"`
	Modified         string         `json:"modified,omitempty"`
	Published        string         `json:"published,omitempty"`
	Withdrawn        string         `json:"withdrawn,omitempty"`
	Aliases          []string       `json:"aliases,omitempty"`
	Summary          string         `json:"summary,omitempty"`
	Details          string         `json:"details,omitempty"`
	Severity         []Severity     `json:"severity,omitempty"`
	Affected         []Affected     `json:"affected,omitempty"`
	References       []Reference    `json:"references,omitempty"`
	DatabaseSpecific map[string]any `json:"database_specific,omitempty"`
	SchemaVersion    string         `json:"schema_version,omitempty"`
}

// Severity is a scored severity (CVSS vector).
type Severity struct {
	Type  string `json:"type"`
	Score string `json:"score"`
}

// Reference is a link about the record.
type Reference struct {
	Type string `json:"type"`
	URL  string `json:"url"`
}

// Affected is one affected package and its versions.
type Affected struct {
	Package           Package        `json:"package"`
	Ranges            []Range        `json:"ranges,omitempty"`
	Versions          []string       `json:"versions,omitempty"`
	EcosystemSpecific map[string]any `json:"ecosystem_specific,omitempty"`
	DatabaseSpecific  map[string]any `json:"database_specific,omitempty"`
}

// Package names a package in an ecosystem.
type Package struct {
	Ecosystem string `json:"ecosystem"`
	Name      string `json:"name"`
	Purl      string `json:"purl,omitempty"`
}

// Range is a version range as a list of events.
type Range struct {
	Type   string  `json:"type"`
	Events []Event `json:"events"`
}

// Event is one point of a range.
type Event struct {
	Introduced   string `json:"introduced,omitempty"`
	Fixed        string `json:"fixed,omitempty"`
	LastAffected string `json:"last_affected,omitempty"`
	Limit        string `json:"limit,omitempty"`
}

// Malicious is true for a malicious-package record (OSV MAL- ids, as
// ossf/malicious-packages publishes them).
func (v *Vuln) Malicious() bool { return strings.HasPrefix(v.ID, "MAL-") }

// For returns the affected entries of v for this package.
func (v *Vuln) For(ecosystem, name string) []Affected {
	var out []Affected
	for _, a := range v.Affected {
		if strings.EqualFold(a.Package.Ecosystem, ecosystem) && a.Package.Name == name {
			out = append(out, a)
		}
	}
	return out
}

// Affects reports whether v affects this version of the package.
func (v *Vuln) Affects(ecosystem, name, version string) bool {
	if v.Withdrawn != "" {
		return false
	}
	for _, a := range v.For(ecosystem, name) {
		if a.Affects(version) {
			return true
		}
	}
	return false
}

// Affects reports whether a names this version: listed in versions, or
// inside one of its SEMVER or ECOSYSTEM ranges. GIT ranges are not read.
func (a Affected) Affects(version string) bool {
	for _, v := range a.Versions {
		if sameVersion(v, version) {
			return true
		}
	}
	ver, err := parse(version)
	if err != nil {
		return false
	}
	for _, r := range a.Ranges {
		if r.Type != "SEMVER" && r.Type != "ECOSYSTEM" {
			continue
		}
		if inRange(r, ver) {
			return true
		}
	}
	return false
}

// inRange walks the events sorted by version: a version is affected when
// the last event at or below it is an introduction (or it is at or below
// a last_affected after one).
func inRange(r Range, ver *semver.Version) bool {
	type point struct {
		v    *semver.Version
		kind string
	}
	var pts []point
	for _, e := range r.Events {
		switch {
		case e.Introduced != "":
			if e.Introduced == "0" {
				pts = append(pts, point{nil, "introduced"})
			} else if v, err := parse(e.Introduced); err == nil {
				pts = append(pts, point{v, "introduced"})
			}
		case e.Fixed != "":
			if v, err := parse(e.Fixed); err == nil {
				pts = append(pts, point{v, "fixed"})
			}
		case e.LastAffected != "":
			if v, err := parse(e.LastAffected); err == nil {
				pts = append(pts, point{v, "last_affected"})
			}
		}
	}
	sort.SliceStable(pts, func(i, j int) bool {
		if pts[i].v == nil || pts[j].v == nil {
			return pts[i].v == nil && pts[j].v != nil
		}
		return pts[i].v.LessThan(pts[j].v)
	})
	affected := false
	for _, p := range pts {
		switch p.kind {
		case "introduced":
			if p.v == nil || !ver.LessThan(p.v) {
				affected = true
			}
		case "fixed":
			if !ver.LessThan(p.v) {
				affected = false
			}
		case "last_affected":
			if ver.GreaterThan(p.v) {
				affected = false
			}
		}
	}
	return affected
}

// Fixed returns the lowest version above version that v's ranges for the
// package name as fixed, or "" when none is known.
func (v *Vuln) Fixed(ecosystem, name, version string) string {
	cur, err := parse(version)
	if err != nil {
		return ""
	}
	var best *semver.Version
	var bestStr string
	for _, a := range v.For(ecosystem, name) {
		for _, r := range a.Ranges {
			for _, e := range r.Events {
				if e.Fixed == "" {
					continue
				}
				f, err := parse(e.Fixed)
				if err != nil || !f.GreaterThan(cur) {
					continue
				}
				if best == nil || f.LessThan(best) {
					best, bestStr = f, e.Fixed
				}
			}
		}
	}
	return bestStr
}

// parse reads an npm or Go version ("1.2.3", "v1.2.3-pre").
func parse(s string) (*semver.Version, error) {
	return semver.NewVersion(strings.TrimPrefix(s, "v"))
}

// sameVersion compares two versions, ignoring Go's "v" prefix.
func sameVersion(a, b string) bool {
	return strings.TrimPrefix(a, "v") == strings.TrimPrefix(b, "v")
}

// Compare orders two versions (-1, 0, 1); unparseable ones sort first.
func Compare(a, b string) int {
	va, ea := parse(a)
	vb, eb := parse(b)
	switch {
	case ea != nil && eb != nil:
		return strings.Compare(a, b)
	case ea != nil:
		return -1
	case eb != nil:
		return 1
	}
	return va.Compare(vb)
}
