package sbomapi

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/rampart/rampart/internal/advisory"
	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/deptree"
	"github.com/rampart/rampart/internal/sbom"
	"github.com/rampart/rampart/internal/store"
)

// inputs are everything one version's SBOM is made of; key lists them
// all, so the ETag, the timestamp and the serial number derived from it
// change exactly when the document would.
type inputs struct {
	tree       *deptree.Tree
	published  sbom.Published
	refs       map[string][]sbom.Ref
	newest     time.Time // the latest change among the inputs: the document's timestamp
	restricted bool      // some input is not public: the answer is private
	key        []string
}

// tag is the ETag (without quotes) of the document in format.
func (in *inputs) tag(format, base, tool string) string {
	return digest(append([]string{format, base, tool}, in.key...)...)[:32]
}

func (in *inputs) options(tool string) sbom.Options {
	// The serial number is a UUID made of the inputs' hash (version 8:
	// custom), so equal inputs give equal documents.
	b, _ := hex.DecodeString(digest(in.key...)[:32])
	b[6] = b[6]&0x0f | 0x80
	b[8] = b[8]&0x3f | 0x80
	serial := fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
	return sbom.Options{ToolVersion: tool, Now: in.newest, Serial: serial, Refs: in.refs, Published: &in.published}
}

// manifest is what the SBOM reads of one version in a packument.
type manifest struct {
	License              json.RawMessage     `json:"license"`
	Author               json.RawMessage     `json:"author"`
	Dependencies         map[string]string   `json:"dependencies"`
	OptionalDependencies map[string]string   `json:"optionalDependencies"`
	PeerDependencies     map[string]string   `json:"peerDependencies"`
	PeerDependenciesMeta map[string]peerMeta `json:"peerDependenciesMeta"`
	NPMUser              struct {
		Name string `json:"name"`
	} `json:"_npmUser"`
	Dist struct {
		Tarball      string `json:"tarball"`
		Integrity    string `json:"integrity"`
		Shasum       string `json:"shasum"`
		Attestations *struct {
			URL string `json:"url"`
		} `json:"attestations"`
	} `json:"dist"`
}

// peerMeta is what npm reads of a peer dependency's meta.
type peerMeta struct {
	Optional bool `json:"optional"`
}

// packument is what the SBOM reads of a package document (full or
// abbreviated). Versions are decoded only for the one version used: a
// document may hold thousands.
type packument struct {
	DistTags    map[string]string          `json:"dist-tags"`
	Versions    map[string]json.RawMessage `json:"versions"`
	Time        map[string]string          `json:"time"`
	Modified    string                     `json:"modified"` // abbreviated form
	Maintainers []struct {
		Name string `json:"name"`
	} `json:"maintainers"`
}

// gather reads the version and its dependencies as p may read them.
func (h *Handler) gather(ctx context.Context, p authz.Principal, name, version string) (*inputs, error) {
	doc, err := h.d.Registry.Document(ctx, p, name, store.DocFull)
	if core.KindOf(err) == core.KindNotFound || core.KindOf(err) == core.KindForbidden {
		return nil, notFound(name, version)
	}
	if err != nil {
		return nil, err
	}
	var pk packument
	if err := json.Unmarshal(doc.Full, &pk); err != nil {
		return nil, fmt.Errorf("the document of %s: %w", name, err)
	}
	raw, ok := pk.Versions[version]
	if !ok {
		return nil, notFound(name, version)
	}
	var m manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("the document of %s, version %s: %w", name, version, err)
	}
	in := &inputs{restricted: doc.Restricted, refs: map[string][]sbom.Ref{}}
	in.key = append(in.key, name, version, doc.ETag)
	in.newest = parseTime(pk.Time[version])
	root := &deptree.Package{
		Ecosystem: deptree.NPM, Name: name, Version: version,
		Resolved: m.Dist.Tarball, Integrity: integrity(m), License: licenseOf(m.License), Author: personOf(m.Author),
	}
	in.published.Publisher = m.NPMUser.Name
	for _, u := range pk.Maintainers {
		in.published.Maintainers = append(in.published.Maintainers, u.Name)
	}
	if err := h.publishedBy(ctx, p, in, name, version); err != nil {
		return nil, err
	}
	if err := h.references(ctx, p, in, name, version, m); err != nil {
		return nil, err
	}
	pkgs, err := h.resolveTree(ctx, p, in, root, m)
	if err != nil {
		return nil, err
	}
	in.tree = deptree.New(deptree.NPM, root, pkgs)
	return in, nil
}

// publishedBy names a trusted publisher as the supplier when one, not an
// account, published the version (the account in _npmUser is only the
// one who configured it).
func (h *Handler) publishedBy(ctx context.Context, p authz.Principal, in *inputs, name, version string) error {
	if h.d.PublishedBy == nil {
		return nil
	}
	pb, err := h.d.PublishedBy(ctx, p, name, version)
	if err != nil || pb == nil || pb.Kind != store.PublishedByTrusted {
		return err
	}
	who := "trusted publisher " + pb.Issuer
	if pb.Repository != "" {
		who += ": " + pb.Repository
		if pb.Workflow != "" {
			who += " " + pb.Workflow
			if pb.Ref != "" {
				who += "@" + pb.Ref
			}
		}
	}
	in.published.TrustedPublisher = who
	in.key = append(in.key, "published-by", who)
	return nil
}

// references finds the version's attestation, provenance and log entry.
func (h *Handler) references(ctx context.Context, p authz.Principal, in *inputs, name, version string, m manifest) error {
	var refs []sbom.Ref
	if h.d.Attested != nil {
		ok, err := h.d.Attested(ctx, p, name, version)
		if err != nil {
			return err
		}
		if ok {
			refs = append(refs, sbom.Ref{Kind: sbom.RefAttestation, URL: sbom.RefURL(h.d.BaseURL, sbom.RefAttestation, name, version)})
		}
	}
	if m.Dist.Attestations != nil && m.Dist.Attestations.URL != "" {
		refs = append(refs, sbom.Ref{Kind: sbom.RefProvenance, URL: sbom.RefURL(h.d.BaseURL, sbom.RefProvenance, name, version)})
	}
	if h.d.Logged != nil {
		ok, err := h.d.Logged(ctx, name, version)
		if err != nil {
			return err
		}
		if ok {
			refs = append(refs, sbom.Ref{Kind: sbom.RefLog, URL: sbom.RefURL(h.d.BaseURL, sbom.RefLog, name, version)})
		}
	}
	in.refs[""] = refs
	for _, r := range refs {
		in.key = append(in.key, "ref", r.Kind)
	}
	return nil
}

// pick is the version of pk that npm would install for rng.
func pick(rng string, pk packument) string {
	if v, ok := pk.DistTags[strings.TrimSpace(rng)]; ok { // "latest", "next"
		if _, ok := pk.Versions[v]; ok {
			return v
		}
	}
	if latest := pk.DistTags["latest"]; latest != "" && advisory.Resolve(rng, []string{latest}) != "" {
		return latest
	}
	vs := make([]string, 0, len(pk.Versions))
	for v := range pk.Versions {
		vs = append(vs, v)
	}
	return advisory.Resolve(rng, vs)
}

// integrity is the version's SRI string with its SHA-1 (dist.shasum, hex)
// added, so the SBOM lists both hashes npm publishes.
func integrity(m manifest) string {
	sri := m.Dist.Integrity
	if b, err := hex.DecodeString(m.Dist.Shasum); err == nil && len(b) == 20 && !strings.Contains(sri, "sha1-") {
		sri = strings.TrimSpace(sri + " sha1-" + base64.StdEncoding.EncodeToString(b))
	}
	return sri
}

// licenseOf reads package.json's licence: an SPDX expression string, or
// the old {"type": …} form.
func licenseOf(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var o struct {
		Type string `json:"type"`
	}
	if json.Unmarshal(raw, &o) == nil {
		return o.Type
	}
	return ""
}

// personOf reads package.json's author: "Name <mail> (url)" or
// {"name": …}.
func personOf(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var o struct {
		Name string `json:"name"`
	}
	if json.Unmarshal(raw, &o) == nil {
		return o.Name
	}
	return ""
}

func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t
}
