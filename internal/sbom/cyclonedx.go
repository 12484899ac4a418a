package sbom

import (
	"io"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/rampart/rampart/internal/deptree"
)

func writeCycloneDX(w io.Writer, t *deptree.Tree, o Options) error {
	bom := cdx.NewBOM()
	bom.SerialNumber = "urn:uuid:" + o.Serial
	rootRef := bomRef(t.Root)
	if o.Published != nil {
		rootRef = PURL(t.Root)
	}
	root := &cdx.Component{
		BOMRef: rootRef, Type: cdx.ComponentTypeApplication,
		Name: rootName(t), Version: t.Root.Version, Licenses: licenses(t.Root.License),
	}
	if o.Published != nil {
		// The root is a published version: a library, with what a
		// dependency's entry shows.
		root = component(t, o, t.Root)
		root.BOMRef = rootRef
		if s := o.Published.supplier(); s != "" {
			root.Supplier = &cdx.OrganizationalEntity{Name: s}
			if len(o.Published.Maintainers) > 0 {
				var cs []cdx.OrganizationalContact
				for _, m := range o.Published.Maintainers {
					cs = append(cs, cdx.OrganizationalContact{Name: m})
				}
				root.Supplier.Contact = &cs
			}
		}
	}
	bom.Metadata = &cdx.Metadata{
		Timestamp: o.Now.Format(time.RFC3339),
		Tools: &cdx.ToolsChoice{Components: &[]cdx.Component{{
			Type: cdx.ComponentTypeApplication, Name: "rampart", Version: o.ToolVersion,
		}}},
		Component: root,
	}
	if t.Root.Version != "" {
		bom.Metadata.Component.PackageURL = PURL(t.Root)
	}
	comps := make([]cdx.Component, 0, len(t.Packages))
	rootDeps := refs(t, t.Root.Deps)
	deps := []cdx.Dependency{{Ref: rootRef, Dependencies: rootDeps}}
	for _, p := range t.Packages {
		c := *component(t, o, p)
		comps = append(comps, c)
		deps = append(deps, cdx.Dependency{Ref: c.BOMRef, Dependencies: refs(t, p.Deps)})
	}
	if o.Published != nil && o.Published.Truncated != "" {
		// Never silently: the document says it is not the whole tree.
		bom.Metadata.Properties = &[]cdx.Property{{Name: PropTruncated, Value: o.Published.Truncated}}
		bom.Compositions = &[]cdx.Composition{{Aggregate: cdx.CompositionAggregateIncomplete, Assemblies: &[]cdx.BOMReference{cdx.BOMReference(rootRef)}}}
	}
	bom.Components = &comps
	bom.Dependencies = &deps
	return cdx.NewBOMEncoder(w, cdx.BOMFileFormatJSON).SetPretty(true).SetEscapeHTML(false).EncodeVersion(bom, cdx.SpecVersion1_6)
}

// component is p's entry: purl, licence, author, hashes, where it came
// from and its references.
func component(t *deptree.Tree, o Options, p *deptree.Package) *cdx.Component {
	c := &cdx.Component{
		BOMRef: bomRef(p), Type: cdx.ComponentTypeLibrary,
		Name: p.Name, Version: p.Version, PackageURL: PURL(p),
		Licenses: licenses(p.License),
	}
	if p.Dev {
		c.Scope = cdx.ScopeExcluded
	} else if p.Optional {
		c.Scope = cdx.ScopeOptional
	}
	if p.Author != "" {
		c.Supplier = &cdx.OrganizationalEntity{Name: p.Author}
		c.Author = p.Author
	}
	var hashes []cdx.Hash
	for _, d := range Digests(p.Integrity) {
		hashes = append(hashes, cdx.Hash{Algorithm: cdx.HashAlgorithm(d.Alg), Value: d.Hex})
	}
	if len(hashes) > 0 {
		c.Hashes = &hashes
	}
	var ext []cdx.ExternalReference
	if p.Resolved != "" {
		ext = append(ext, cdx.ExternalReference{Type: cdx.ERTypeDistribution, URL: p.Resolved})
	}
	for _, r := range o.Refs[p.ID] {
		switch r.Kind {
		case RefAttestation:
			ext = append(ext, cdx.ExternalReference{Type: cdx.ERTypeAttestation, URL: r.URL, Comment: "registry publish attestation"})
		case RefProvenance:
			ext = append(ext, cdx.ExternalReference{Type: cdx.ERTypeAttestation, URL: r.URL, Comment: "build provenance (SLSA, Sigstore bundle)"})
		case RefLog:
			ext = append(ext, cdx.ExternalReference{Type: cdx.ERTypeLog, URL: r.URL, Comment: "transparency log entry of the publish"})
		}
	}
	if len(ext) > 0 {
		c.ExternalReferences = &ext
	}
	var props []cdx.Property
	if p.GoSum != "" {
		props = append(props, cdx.Property{Name: "rampart:go.sum", Value: p.GoSum})
	}
	if rng := declaredRange(t, o, p); rng != "" {
		props = append(props, cdx.Property{Name: PropRange, Value: rng})
	}
	if o.Published != nil {
		if u, ok := o.Published.Unresolved[p.ID]; ok {
			props = append(props, cdx.Property{Name: PropUnresolved, Value: u.Why})
		}
		if up, ok := o.Published.Proxied[p.ID]; ok {
			props = append(props, cdx.Property{Name: PropProxied, Value: up})
		}
	}
	if len(props) > 0 {
		c.Properties = &props
	}
	return c
}

// bomRef is unique in the document: the purl, and the lockfile path too
// when one name@version is installed twice.
func bomRef(p *deptree.Package) string {
	if p.ID == "" {
		return "root"
	}
	if p.Version == "" {
		return p.ID // an unresolved dependency: its ID is unique
	}
	if p.Ecosystem == deptree.NPM {
		return PURL(p) + "#" + p.ID
	}
	return PURL(p)
}

func refs(t *deptree.Tree, ids []string) *[]string {
	out := []string{}
	for _, id := range ids {
		if p := t.Get(id); p != nil {
			out = append(out, bomRef(p))
		}
	}
	return &out
}

func licenses(l string) *cdx.Licenses {
	if l == "" {
		return nil
	}
	if isExpression(l) {
		return &cdx.Licenses{{Expression: l}}
	}
	return &cdx.Licenses{{License: &cdx.License{Name: l}}}
}
