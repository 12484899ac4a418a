// Package advisorypages is the web UI's advisories (internal/advisory):
// the list of advisories in force (/advisories), one advisory with every
// version of this registry it affects (/advisories/<id>), and the section
// of each package page naming the advisories that affect its versions and
// its dependencies as resolved against this registry's versions, each
// with the first fixed version.
package advisorypages

import (
	"bytes"
	"context"
	"embed"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/rampart/rampart/internal/advisory"
	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/osv"
	"github.com/rampart/rampart/internal/registry"
	"github.com/rampart/rampart/internal/web/webkit"
)

const pathAdvisories = "/advisories"

// perPage is the advisories one list page shows.
const perPage = 50

// maxPage bounds how deep the list pages (an OFFSET walks every row).
const maxPage = 1000

//go:embed templates
var templateFiles embed.FS

var templates = webkit.Parse(templateFiles, "templates", template.FuncMap{"severityClass": severityClass})

// section is the package page's part, rendered alone (not a page).
var section = template.Must(template.New("section.tmpl").Funcs(template.FuncMap{"severityClass": severityClass}).ParseFS(templateFiles, "templates/section.tmpl"))

// Packages reads what the viewer may see of a package (the registry).
type Packages interface {
	View(ctx context.Context, p authz.Principal, name string) (*registry.PackageView, error)
	// ReadableBy is the registry's read decision: an advisory naming a
	// package of this registry the viewer may not read is not shown.
	ReadableBy(ctx context.Context, p authz.Principal, name string) (readable, found bool, err error)
}

// Pages serves the advisories through the advisory database.
type Pages struct {
	adv *advisory.Service
	reg Packages
}

// New returns the advisory pages.
func New(adv *advisory.Service, reg Packages) *Pages { return &Pages{adv: adv, reg: reg} }

// Mount serves the pages in the web UI's shell, and adds the package
// pages' section where the shell takes one.
func (g *Pages) Mount(sh webkit.Shell) {
	sh.Handle("GET "+pathAdvisories, g.listPage)
	sh.Handle("GET "+pathAdvisories+"/{id}", g.advisoryPage)
	if ps, ok := sh.(webkit.PackageSections); ok {
		ps.AddPackageSection(g.packageSection)
	}
}

func severityClass(s string) string {
	switch s {
	case osv.SeverityCritical, osv.SeverityHigh, osv.SeverityModerate, osv.SeverityLow:
		return "sev-" + s
	}
	return "sev-high"
}

// ---- the list ----

type listBody struct {
	Advisories []core.Advisory
	Page       int
	Prev, Next string
}

func (g *Pages) listPage(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	page := 1
	if s := r.URL.Query().Get("page"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxPage {
			return core.Errorf(core.KindInvalid, "page must be a whole number from 1 to %d", maxPage)
		}
		page = n
	}
	list, err := g.adv.List(r.Context(), (page-1)*perPage, perPage+1)
	if err != nil {
		return err
	}
	b := listBody{Page: page}
	if len(list) > perPage {
		list = list[:perPage]
		b.Next = pathAdvisories + "?page=" + strconv.Itoa(page+1)
	}
	if page > 1 {
		b.Prev = pathAdvisories + "?page=" + strconv.Itoa(page-1)
	}
	// An advisory about a private package is listed only to its readers
	// (a page may then be shorter than perPage).
	see := advisory.VisibilityFor(p, g.reg.ReadableBy)
	for _, a := range list {
		hidden, err := see.Hides(r.Context(), a.Packages...)
		if err != nil {
			return err
		}
		if !hidden {
			b.Advisories = append(b.Advisories, a)
		}
	}
	return templates.Render(w, r, p, http.StatusOK, "advisories", webkit.Data{Title: "Advisories", Body: b})
}

// ---- one advisory ----

type advisoryBody struct {
	ID, Summary, Details, Severity string
	Malicious                      bool
	Withdrawn                      bool
	Aliases                        []string
	References                     []reference
	Packages                       []affectedPackage
	JSON                           string // the OSV API's URL of the record
}

type reference struct{ Type, URL string }

// affectedPackage is one package the advisory names: its versions here
// that it affects, and what fixes them.
type affectedPackage struct {
	Name, Ecosystem string
	Here            bool // this registry has the package (and the viewer may see it)
	Affected        []affectedVersion
	Ranges          string // the affected ranges, in npm's syntax
	Fixed           []string
}

type affectedVersion struct{ Version, FixedIn string }

func (g *Pages) advisoryPage(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	id := r.PathValue("id")
	if len(id) > 128 {
		return core.Errorf(core.KindNotFound, "no advisory %s on this registry", id)
	}
	rec, err := g.adv.Get(r.Context(), id)
	if err != nil {
		return err
	}
	if sees, err := advisory.VisibilityFor(p, g.reg.ReadableBy).Sees(r.Context(), rec); err != nil || !sees {
		if err == nil {
			// As advisory.Get answers an id it does not have.
			err = core.Errorf(core.KindNotFound, "no advisory %s on this registry", id)
		}
		return err
	}
	b := advisoryBody{ID: rec.ID, Summary: rec.Summary, Details: rec.Details, Severity: rec.Rating(), Malicious: rec.IsMalicious(),
		Withdrawn: rec.Withdrawn != nil, Aliases: rec.Aliases, JSON: "/-/osv/v1/vulns/" + url.PathEscape(rec.ID)}
	for _, ref := range rec.References {
		if u, err := url.Parse(ref.URL); err == nil && (u.Scheme == "https" || u.Scheme == "http") {
			b.References = append(b.References, reference{Type: ref.Type, URL: ref.URL})
		}
	}
	seen := map[string]int{}
	for i := range rec.Affected {
		a := &rec.Affected[i]
		key := a.Package.Ecosystem + "\x00" + a.Package.Name
		j, ok := seen[key]
		if !ok {
			j = len(b.Packages)
			seen[key] = j
			b.Packages = append(b.Packages, affectedPackage{Name: a.Package.Name, Ecosystem: a.Package.Ecosystem})
		}
		ap := &b.Packages[j]
		if rng := a.NPMRange(); rng != "" {
			ap.Ranges = strings.TrimPrefix(ap.Ranges+" || "+rng, " || ")
		}
		ap.Fixed = append(ap.Fixed, a.Fixed()...)
	}
	for i := range b.Packages {
		ap := &b.Packages[i]
		ref := core.PackageRef{Ecosystem: advisory.Ecosystem(ap.Ecosystem), Name: ap.Name}
		if ref.Ecosystem != core.EcosystemNPM {
			continue
		}
		pv, err := g.reg.View(r.Context(), p, ap.Name)
		if err != nil {
			if k := core.KindOf(err); k == core.KindNotFound || k == core.KindForbidden || k == core.KindUnauthenticated {
				continue // not here, or not for this viewer: say nothing of it
			}
			return err
		}
		ap.Here = true
		for _, v := range pv.Versions {
			if advisory.Affects(rec.Vuln, ref, v.Version) {
				ap.Affected = append(ap.Affected, affectedVersion{Version: v.Version, FixedIn: advisory.FirstFixed(rec.Vuln, ref, v.Version)})
			}
		}
	}
	return templates.Render(w, r, p, http.StatusOK, "advisory", webkit.Data{Title: rec.ID, Body: b})
}

// ---- the package page's section ----

type sectionBody struct {
	Own  []finding // advisories affecting versions of the package
	Deps []finding // advisories affecting the latest version's dependencies
	Name string
}

type finding struct {
	ID, Summary, Severity string
	Malicious             bool
	Package, Via          string
	Versions              []affectedVersion
}

func (g *Pages) packageSection(r *http.Request, p authz.Principal, pkg webkit.PackageFacts) (template.HTML, error) {
	ref := core.NPM(pkg.Name)
	recs, err := g.adv.ForPackage(r.Context(), ref)
	if err != nil {
		return "", err
	}
	b := sectionBody{Name: pkg.Name}
	for _, rec := range recs {
		f := finding{ID: rec.ID, Summary: rec.Summary, Severity: rec.Rating(), Malicious: rec.IsMalicious(), Package: pkg.Name}
		for _, v := range pkg.Versions {
			if advisory.Affects(rec.Vuln, ref, v) {
				f.Versions = append(f.Versions, affectedVersion{Version: v, FixedIn: advisory.FirstFixed(rec.Vuln, ref, v)})
			}
		}
		if len(f.Versions) > 0 {
			b.Own = append(b.Own, f)
		}
	}
	deps, err := g.adv.ForDependencies(r.Context(), core.EcosystemNPM, pkg.Dependencies, func(ctx context.Context, ref core.PackageRef) ([]string, error) {
		pv, err := g.reg.View(ctx, p, ref.Name)
		if err != nil {
			return nil, err
		}
		vs := make([]string, len(pv.Versions))
		for i, v := range pv.Versions {
			vs[i] = v.Version
		}
		return vs, nil
	})
	if err != nil {
		return "", err
	}
	for _, d := range deps {
		b.Deps = append(b.Deps, finding{ID: d.ID, Summary: d.Summary, Severity: d.Rating(), Malicious: d.IsMalicious(), Package: d.Package.Name, Via: d.Via,
			Versions: []affectedVersion{{Version: d.Version, FixedIn: d.FixedIn}}})
	}
	if len(b.Own) == 0 && len(b.Deps) == 0 {
		return "", nil
	}
	var buf bytes.Buffer
	if err := section.Execute(&buf, b); err != nil {
		return "", err
	}
	return template.HTML(buf.String()), nil // html/template escaped every value
}
