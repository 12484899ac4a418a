// Package proxyview is the read model of a proxied package for its web
// page (internal/web/upstreampages): what this registry serves of it,
// from the proxy's document (internal/upstream), and what it recorded
// about each version (store.UpstreamPins, store.UpstreamProvenance). It
// reads and never fetches more than a packument request would.
package proxyview

import (
	"bytes"
	"context"
	"encoding/json"
	"sort"
	"strings"
	"time"

	"github.com/rampart/rampart/internal/config"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/upstream"
)

// View is a proxied package as its web page shows it: what clients of
// this registry are served (the filtered document, not the upstream's),
// and what this registry itself knows and decided about each version:
// when it first saw its bytes (the pin), whether it verified its build
// provenance, and why a version is not served.
type View struct {
	Name        string
	Upstream    string // the upstream's configured name
	UpstreamURL string
	// Cooldown hides versions younger than this (0: none); Exempt says
	// the package is exempt.
	Cooldown time.Duration
	Exempt   bool

	Description, Readme string
	// Latest is the version "latest" names, with its manifest's license,
	// homepage and repository (raw, for the page to vet) and
	// deprecation.
	Latest                     string
	License                    any
	Homepage, Repository       any
	Deprecated                 string
	Keywords                   []string
	Tags                       map[string]string
	Versions                   []ViewVersion // newest first
	More                       int           // served versions not listed (limits.MaxProxiedPageVersions)
	Refused                    []ViewRefusal
	Warning                    string // the typosquatting flag's sentence, "" for none
	ProvenanceVerified         bool   // the upstream has verify_provenance
	SignaturesVerified         bool   // the upstream has verify_signatures
	PinnedVersions, Provenance int    // versions pinned here; versions whose provenance verified
}

// ViewVersion is one served version.
type ViewVersion struct {
	Version    string
	Published  time.Time // the upstream's publish time
	FirstSeen  time.Time // when this registry pinned its bytes (zero: not yet)
	Integrity  string    // the pinned integrity
	Deprecated string
	// Announced: the upstream announces build provenance for it;
	// Verified: this registry verified it (on its first download), with
	// the facts.
	Announced bool
	Verified  *core.Provenance
}

// ViewRefusal is a version this registry does not serve, and why.
type ViewRefusal struct {
	Version, Reason string
}

// Reader reads proxied packages' views.
type Reader struct {
	up *upstream.Service
	st store.Store
}

// New reads views through the proxy up and the records in st.
func New(up *upstream.Service, st store.Store) *Reader { return &Reader{up: up, st: st} }

// PackageView returns name's page if an upstream serves it: nil, nil for
// a name no upstream pattern matches. Whether the name is held locally
// is the caller's to ask first (as for packuments).
func (rd *Reader) PackageView(ctx context.Context, name string) (*View, error) {
	u := rd.up.For(name)
	if u == nil {
		return nil, nil
	}
	doc, err := rd.up.Packument(ctx, u, name)
	if err != nil {
		return nil, err
	}
	var raw struct {
		Description string                     `json:"description"`
		Readme      string                     `json:"readme"`
		Tags        map[string]string          `json:"dist-tags"`
		Time        map[string]string          `json:"time"`
		Versions    map[string]json.RawMessage `json:"versions"`
	}
	dec := json.NewDecoder(bytes.NewReader(doc.Full))
	if err := dec.Decode(&raw); err != nil {
		return nil, core.Errorf(core.KindUpstream, "the proxied document of %s cannot be read: %v", name, err)
	}
	ref := core.NPM(name)
	var pins []core.UpstreamPin
	var provs []core.UpstreamProvenance
	if err := rd.st.View(ctx, func(tx store.Tx) error {
		var err error
		if pins, err = tx.UpstreamPins(ref); err != nil {
			return err
		}
		provs, err = tx.UpstreamProvenances(ref)
		return err
	}); err != nil {
		return nil, err
	}
	seen := map[string]time.Time{}
	for _, p := range pins {
		seen[p.Version] = p.FirstSeen
	}
	verified := map[string]*core.Provenance{}
	for _, p := range provs {
		if p.State == core.UpstreamProvenanceVerified {
			verified[p.Version] = p.Facts
		}
	}
	v := &View{Name: name, Upstream: u.Name, UpstreamURL: u.URL, Cooldown: u.Cooldown.Duration, Exempt: (config.Upstream{Packages: u.CooldownAllow}).Matches(name),
		Description: raw.Description, Readme: raw.Readme, Tags: raw.Tags, Latest: raw.Tags["latest"], Warning: doc.Warning,
		ProvenanceVerified: u.VerifyProvenance, SignaturesVerified: u.VerifySignatures, PinnedVersions: len(pins)}
	for version, mraw := range raw.Versions {
		var m struct {
			License    any      `json:"license"`
			Homepage   any      `json:"homepage"`
			Repository any      `json:"repository"`
			Deprecated string   `json:"deprecated"`
			Keywords   []string `json:"keywords"`
			Dist       struct {
				Integrity    string         `json:"integrity"`
				Attestations map[string]any `json:"attestations"`
			} `json:"dist"`
		}
		if json.Unmarshal(mraw, &m) != nil {
			continue
		}
		published, _ := time.Parse(time.RFC3339, raw.Time[version])
		row := ViewVersion{Version: version, Published: published, FirstSeen: seen[version], Integrity: m.Dist.Integrity,
			Deprecated: m.Deprecated, Announced: m.Dist.Attestations != nil && u.VerifyProvenance, Verified: verified[version]}
		if row.Verified != nil {
			v.Provenance++
		}
		v.Versions = append(v.Versions, row)
		if version == v.Latest {
			v.License, v.Homepage, v.Repository, v.Deprecated = m.License, m.Homepage, m.Repository, m.Deprecated
			if len(m.Keywords) > limits.MaxProxiedPageKeywords {
				m.Keywords = m.Keywords[:limits.MaxProxiedPageKeywords]
			}
			v.Keywords = m.Keywords
		}
	}
	sort.Slice(v.Versions, func(i, j int) bool {
		a, b := v.Versions[i], v.Versions[j]
		if !a.Published.Equal(b.Published) {
			return a.Published.After(b.Published)
		}
		return a.Version > b.Version
	})
	if n := len(v.Versions); n > limits.MaxProxiedPageVersions {
		v.More, v.Versions = n-limits.MaxProxiedPageVersions, v.Versions[:limits.MaxProxiedPageVersions]
	}
	v.Refused = refusals(name, doc.Refused())
	return v, nil
}

// refusals words the versions the screening left out, by version.
func refusals(name string, refused map[string]error) []ViewRefusal {
	base := name[strings.LastIndexByte(name, '/')+1:] + "-"
	var out []ViewRefusal
	for file, err := range refused {
		version := strings.TrimSuffix(strings.TrimPrefix(file, base), ".tgz")
		out = append(out, ViewRefusal{Version: version, Reason: core.Message(err)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version > out[j].Version })
	return out
}
