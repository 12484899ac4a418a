// Package provrules holds the rules the upstream proxy applies to the
// build provenance of proxied versions (internal/upstream provenance.go),
// apart from the fetching and recording: which versions of an upstream
// document announce provenance and in what order, when a version breaks
// its package's provenance continuity, which names the operator
// exempted, how a refusal is worded, and which attestation of the
// upstream's document is the build provenance. It decides and never
// fetches or writes.
package provrules

import (
	"encoding/json"
	"fmt"
	"net/url"
	"path"
	"sort"
	"time"

	"github.com/rampart/rampart/internal/config"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/provenance"
)

// Announcement is a version whose provenance the upstream announced.
type Announcement struct {
	Version   string
	Published time.Time
}

// Versions is what a packument's build knows of provenance: the versions
// that announce it, oldest first, and the outcomes recorded here.
type Versions struct {
	announced []Announcement
	// Records are the recorded outcomes by version (without bundles).
	Records map[string]core.UpstreamProvenance
}

// New reads the announcements of every version in the upstream's
// document (before any is left out: a version hidden by the cooldown
// still shows where the package stands) and the recorded outcomes.
func New(versions, times map[string]any, records []core.UpstreamProvenance) *Versions {
	v := &Versions{Records: map[string]core.UpstreamProvenance{}}
	for version, mv := range versions {
		m, _ := mv.(map[string]any)
		dist, _ := m["dist"].(map[string]any)
		if Announces(dist) {
			published, _ := time.Parse(time.RFC3339, str(times[version]))
			v.announced = append(v.announced, Announcement{version, published})
		}
	}
	sort.Slice(v.announced, func(i, j int) bool { return v.announced[i].Published.Before(v.announced[j].Published) })
	for _, r := range records {
		v.Records[r.Version] = r
	}
	return v
}

// Announces reports whether dist announces build provenance (npm:
// dist.attestations with a url and a provenance part).
func Announces(dist map[string]any) bool {
	att, _ := dist["attestations"].(map[string]any)
	prov, _ := att["provenance"].(map[string]any)
	return att != nil && str(att["url"]) != "" && prov != nil
}

// Earlier returns the versions that announced provenance before
// published, newest first; none for a version of unknown age.
func (v *Versions) Earlier(published time.Time) []Announcement {
	var out []Announcement
	for i := len(v.announced) - 1; i >= 0; i-- {
		if a := v.announced[i]; !published.IsZero() && a.Published.Before(published) {
			out = append(out, a)
		}
	}
	return out
}

// PreviousVerified is the recorded, verified provenance of the newest
// version that announced it before published; nil if none is recorded.
func (v *Versions) PreviousVerified(published time.Time) *core.UpstreamProvenance {
	for _, a := range v.Earlier(published) {
		if r, ok := v.Records[a.Version]; ok && r.State == core.UpstreamProvenanceVerified {
			return &r
		}
	}
	return nil
}

// WithoutProvenance says why a version published without provenance
// after versions with it breaks continuity ("" when it does not, or is
// exempt).
func (v *Versions) WithoutProvenance(u *config.Upstream, name, version string, published time.Time) string {
	a := v.Earlier(published)
	if len(a) == 0 || !u.ContinuityOn() || Allowed(u, name, version) {
		return ""
	}
	return fmt.Sprintf("it was published without build provenance, after %s was published with it (provenance continuity: a stolen publish token typically publishes from outside the project's CI)", a[0].Version)
}

// Break says why got breaks continuity with prev (the newest verified
// provenance before it), "" if it does not or the version is exempt.
func Break(u *config.Upstream, name, version string, got *core.Provenance, prev *core.UpstreamProvenance) string {
	if !u.ContinuityOn() || Allowed(u, name, version) || prev.Facts == nil {
		return ""
	}
	d := provenance.Continuity(name, core.ProvenancePolicy{}, prev.Facts, got, false)
	if d.Outcome == provenance.Allow {
		return ""
	}
	return fmt.Sprintf("it was built from %s, but %s was built from %s (provenance continuity: a package does not move to another source repository between two releases unless someone who should not have published did)", d.Got, prev.Version, d.Expected)
}

// Allowed reports whether the operator exempted name or name@version
// from continuity (provenance_allow).
func Allowed(u *config.Upstream, name, version string) bool {
	for _, p := range u.ProvenanceAllow {
		if p == name+"@"+version {
			return true
		}
		if ok, _ := path.Match(p, name); ok || p == "*" {
			return true
		}
	}
	return false
}

// Refusal is the error a client gets for a version refused for its
// provenance.
func Refusal(u *config.Upstream, name, version, why string) error {
	return core.Errorf(core.KindForbidden,
		"%s@%s (from the upstream registry %q) is not served: %s. Pin an earlier version, or ask this registry's operators to look (the refusal is in the event log; they may exempt the package with provenance_allow if it is legitimate)",
		name, version, u.Name, why)
}

// FetchAllowed says whether an attestations link may be fetched: only
// from the upstream's own origin, as tarballs.
func FetchAllowed(u *config.Upstream, link string) bool {
	origin, err := url.Parse(u.URL)
	l, lerr := url.Parse(link)
	return err == nil && lerr == nil && l.Scheme == origin.Scheme && l.Host == origin.Host && l.User == nil
}

// Pick reads an upstream's attestations document (npm's endpoint) and
// returns its build provenance: the first SLSA statement among the first
// limits.MaxUpstreamAttestations (the upstream's own keyed publish
// attestation is not passed on). verdict says why the document refuses
// the version ("" when a bundle was found).
func Pick(doc []byte) (bundle []byte, predicate, verdict string) {
	var d struct {
		Attestations []struct {
			PredicateType string          `json:"predicateType"`
			Bundle        json.RawMessage `json:"bundle"`
		} `json:"attestations"`
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		return nil, "", "the upstream's attestations document is not JSON: " + err.Error()
	}
	for i, a := range d.Attestations {
		if i == limits.MaxUpstreamAttestations {
			break
		}
		if a.PredicateType == provenance.PredicateSLSAv1 || a.PredicateType == provenance.PredicateSLSAv02 {
			return a.Bundle, a.PredicateType, ""
		}
	}
	return nil, "", "it announces build provenance but its attestations hold no SLSA provenance statement"
}

func str(v any) string {
	s, _ := v.(string)
	return s
}
