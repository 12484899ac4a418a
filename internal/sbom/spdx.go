package sbom

import (
	"fmt"
	"io"
	"strings"
	"time"

	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdx/v2/common"
	spdx "github.com/spdx/tools-golang/spdx/v2/v2_3"

	"github.com/rampart/rampart/internal/deptree"
)

func writeSPDX(w io.Writer, t *deptree.Tree, o Options) error {
	doc := &spdx.Document{
		SPDXVersion:       spdx.Version,
		DataLicense:       spdx.DataLicense,
		SPDXIdentifier:    "DOCUMENT",
		DocumentName:      rootName(t),
		DocumentNamespace: "https://spdx.org/spdxdocs/rampart/" + strings.ReplaceAll(rootName(t), "/", "-") + "-" + o.Serial,
		CreationInfo: &spdx.CreationInfo{
			Creators: []common.Creator{{CreatorType: "Tool", Creator: "rampart-" + o.ToolVersion}},
			Created:  o.Now.Format(time.RFC3339),
		},
	}
	ids := map[string]common.ElementID{}
	all := append([]*deptree.Package{t.Root}, t.Packages...)
	if o.Published != nil && o.Published.Truncated != "" {
		doc.DocumentComment = PropTruncated + " " + o.Published.Truncated
	}
	for i, p := range all {
		ids[p.ID] = common.ElementID(fmt.Sprintf("Package-%d", i))
	}
	rel := func(a, b common.ElementID, kind string) {
		doc.Relationships = append(doc.Relationships, &spdx.Relationship{
			RefA: common.MakeDocElementID("", string(a)), RefB: common.MakeDocElementID("", string(b)), Relationship: kind,
		})
	}
	rel("DOCUMENT", ids[""], "DESCRIBES")
	for _, p := range all {
		sp := &spdx.Package{
			PackageName:             p.Name,
			PackageSPDXIdentifier:   ids[p.ID],
			PackageVersion:          p.Version,
			PackageDownloadLocation: "NOASSERTION",
			PackageLicenseConcluded: "NOASSERTION",
			PackageLicenseDeclared:  "NOASSERTION",
			PackageCopyrightText:    "NOASSERTION",
		}
		if p.ID == "" && o.Published != nil {
			sp.PrimaryPackagePurpose = "LIBRARY"
			if s := o.Published.supplier(); s != "" {
				kind := "Person"
				if o.Published.TrustedPublisher != "" {
					kind = "Organization"
				}
				sp.PackageSupplier = &common.Supplier{SupplierType: kind, Supplier: s}
			}
			if len(o.Published.Maintainers) > 0 {
				sp.PackageComment = "maintainers: " + strings.Join(o.Published.Maintainers, ", ")
			}
		} else if p.ID == "" {
			sp.PackageName = rootName(t)
			sp.PrimaryPackagePurpose = "APPLICATION"
		} else {
			sp.PrimaryPackagePurpose = "LIBRARY"
		}
		if p.Resolved != "" {
			sp.PackageDownloadLocation = p.Resolved
		}
		if p.License != "" {
			if isExpression(p.License) {
				sp.PackageLicenseDeclared = p.License
			} else {
				sp.PackageLicenseComments = "declared: " + p.License
			}
		}
		if p.Author != "" && sp.PackageSupplier == nil {
			sp.PackageSupplier = &common.Supplier{SupplierType: "Person", Supplier: p.Author}
		}
		for _, d := range Digests(p.Integrity) {
			sp.PackageChecksums = append(sp.PackageChecksums, common.Checksum{Algorithm: common.ChecksumAlgorithm(strings.ReplaceAll(d.Alg, "-", "")), Value: d.Hex})
		}
		if p.ID != "" || p.Version != "" {
			sp.PackageExternalReferences = append(sp.PackageExternalReferences, &spdx.PackageExternalReference{
				Category: "PACKAGE-MANAGER", RefType: "purl", Locator: PURL(p),
			})
		}
		for _, r := range o.Refs[p.ID] {
			sp.PackageExternalReferences = append(sp.PackageExternalReferences, &spdx.PackageExternalReference{
				Category: "OTHER", RefType: r.Kind, Locator: r.URL,
			})
		}
		if p.GoSum != "" {
			sp.PackageComment = "go.sum " + p.GoSum
		}
		if o.Published != nil {
			var notes []string
			if rng := declaredRange(t, o, p); rng != "" {
				notes = append(notes, PropRange+" "+rng)
			}
			if u, ok := o.Published.Unresolved[p.ID]; ok {
				notes = append(notes, PropUnresolved+" "+u.Why)
			}
			if up, ok := o.Published.Proxied[p.ID]; ok {
				notes = append(notes, PropProxied+" "+up)
			}
			if len(notes) > 0 && p.ID != "" {
				sp.PackageComment = strings.Join(notes, "; ")
			}
		}
		doc.Packages = append(doc.Packages, sp)
		for _, d := range p.Deps {
			if id, ok := ids[d]; ok {
				rel(ids[p.ID], id, "DEPENDS_ON")
			}
		}
	}
	return spdxjson.Write(doc, w, spdxjson.Indent("  "), spdxjson.EscapeHTML(false))
}
