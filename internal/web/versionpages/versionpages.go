// Package versionpages is the web UI's page of one package version,
// /package/<name>/v/<version> (scoped names too, as npmjs.com has it):
// its header (published when and by whom, the dist-tags on it, its
// deprecation, where it was built and its transparency log entry), the
// advisories that affect it and those that affect the versions its
// dependency tree resolves to here today (with the path, the severity and
// the first fixed version; malicious packages first), its dependencies of
// each kind with the version each resolves to, the packages whose latest
// version depends on it (those the reader may read, counted over what
// the reader may read), and its tarball: the files with their sizes, the
// integrity, the size and the unpacked size.
//
// The page is read like the package's document: a restricted package, a
// version not servable to the reader, and a missing one are the same 404.
//
// What one view costs: the version row (sizes and digests were recorded
// at publish), one read per package version of the dependency tree
// (bounded, limits.MaxVersionPageTree), one advisory read for all of
// them, one indexed read of dependents. The tarball is read once per
// digest, on the first view of any version with those bytes, and its file
// list kept in the store (store.VersionPages): no later view opens it.
package versionpages

import (
	"cmp"
	"context"
	"embed"
	"encoding/json"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rampart/rampart/internal/advisory"
	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/osv"
	"github.com/rampart/rampart/internal/registry"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/versionview"
	"github.com/rampart/rampart/internal/web/webkit"
)

//go:embed templates
var templateFiles embed.FS

var templates = webkit.Parse(templateFiles, "templates", template.FuncMap{
	"size":          formatSize,
	"int64":         func(n int) int64 { return int64(n) },
	"severityClass": severityClass,
})

// Views is what the pages read of versions (internal/versionview), each
// call deciding what the reader may see.
type Views interface {
	VersionPage(ctx context.Context, p authz.Principal, name, version string) (*versionview.VersionView, error)
	ServableVersions(ctx context.Context, p authz.Principal, name string) ([]string, error)
	ServableManifest(ctx context.Context, p authz.Principal, name, version string) (json.RawMessage, error)
	Dependents(ctx context.Context, p authz.Principal, name, after string, limit int) ([]store.Dependent, string, int, error)
	TarballFiles(ctx context.Context, digest string) ([]store.TarballFile, error)
	KeepTarballFiles(ctx context.Context, digest string, files []store.TarballFile) error
}

// Registry opens a version's tarball for its file list (internal/registry),
// deciding as a download does.
type Registry interface {
	OpenTarball(ctx context.Context, p authz.Principal, name, filename string) (*registry.Tarball, error)
}

// Advisories finds the advisories in force for a package (internal/advisory).
type Advisories interface {
	ForPackages(ctx context.Context, refs []core.PackageRef) ([][]advisory.Record, error)
}

// Pages serves the version pages.
type Pages struct {
	reg   Registry
	views Views
	adv   Advisories
	lim   limits.Limits
	log   *slog.Logger
	lists fileLists
}

// New returns the version pages. lim bounds the one read of each
// tarball (the same limits a publish is held to).
func New(reg Registry, views Views, adv Advisories, lim limits.Limits, log *slog.Logger) *Pages {
	if log == nil {
		log = slog.Default()
	}
	return &Pages{reg: reg, views: views, adv: adv, lim: lim, log: log}
}

// Mount serves the page for unscoped and scoped names.
func (g *Pages) Mount(sh webkit.Shell) {
	sh.Handle("GET /package/{name}/v/{version}", g.page)
	sh.Handle("GET /package/{scope}/{name}/v/{version}", g.page)
}

// Path is the page of name@version.
func Path(name, version string) string {
	return "/package/" + name + "/v/" + url.PathEscape(version)
}

type body struct {
	Name, Version, Description string
	License                    string
	Published                  time.Time
	Publisher                  string
	Trusted                    *trustedPublisher // published through trusted publishing
	PublisherUnknown           bool              // how it was published was not recorded (before Rampart kept it)
	Tags                       []string
	Latest                     string
	IsLatest                   bool
	Deprecated                 string
	Restricted, Staged         bool
	Built                      *webkit.BuiltFrom
	Install                    string
	SBOM                       string // the SBOM endpoint of this version

	Integrity, Shasum string
	Size, Unpacked    int64
	FileCount         int
	Files             []store.TarballFile
	FilesMore         int    // files not listed (MaxVersionPageFiles)
	FilesError        string // why the list could not be read

	Own, Deps []finding // advisories: this version's, its tree's
	TreeCut   bool      // the tree was cut at its bound
	Resolved  int       // package versions resolved in the tree

	Dependencies   []depList
	Dependents     []store.Dependent
	DependentsMore string // the next page of dependents

	DependentsTotal int    // over all pages, of those the reader may read
	DependentsAfter string // where this page starts, "" for the first
}

// depList is one kind of dependency in the manifest.
type depList struct {
	Kind, Title string
	Deps        []dep
}

type dep struct {
	Name, Range, Resolved string
}

func (g *Pages) page(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	name, version := r.PathValue("name"), r.PathValue("version")
	if scope := r.PathValue("scope"); scope != "" {
		name = scope + "/" + name
		if !strings.HasPrefix(scope, "@") {
			return notFound(name, version)
		}
	}
	if name == "" || version == "" || len(name) > limits.MaxNameLength || len(version) > limits.MaxVersionLength {
		return notFound(name, version)
	}
	vv, err := g.views.VersionPage(r.Context(), p, name, version)
	if err != nil {
		if core.KindOf(err) == core.KindNotFound {
			// One answer for a missing package, a missing version, one
			// the reader may not see and a restricted package.
			return notFound(name, version)
		}
		return err
	}
	after := r.URL.Query().Get("dependents_after")
	if len(after) > limits.MaxNameLength {
		return core.Errorf(core.KindInvalid, "dependents_after must be a package name of at most %d characters", limits.MaxNameLength)
	}
	var manifest map[string]any
	if err := json.Unmarshal(vv.Version.Manifest, &manifest); err != nil {
		return err
	}
	v := &vv.Version
	b := body{Name: vv.Package.Name, Version: v.Version, Description: stringOf(manifest["description"]), License: licenseOf(manifest["license"]),
		Published: v.PublishedAt, Publisher: vv.Publisher, Tags: vv.Tags, Latest: vv.Latest, IsLatest: vv.Latest == v.Version,
		Deprecated: v.Deprecated, Restricted: vv.Package.Access == "restricted", Staged: vv.Staged, Built: webkit.BuiltFromOf(vv.Provenance),
		Install: "npm install " + vv.Package.Name + "@" + v.Version, SBOM: "/-/sbom/" + vv.Package.Name + "/" + url.PathEscape(v.Version),
		Integrity: v.Integrity, Shasum: v.Shasum, Size: v.Size, Unpacked: v.UnpackedSize, FileCount: v.FileCount}
	b.Trusted, b.PublisherUnknown = trustedPublisherOf(vv.PublishedBy, b.Built), vv.PublishedBy == nil
	if b.Deprecated == "" {
		b.Deprecated = stringOf(manifest["deprecated"])
	}
	tr := g.resolveTree(r.Context(), p, vv.Package.Name, v.Version, manifest)
	if tr.err != nil {
		return tr.err
	}
	b.Dependencies, b.TreeCut, b.Resolved = tr.lists, tr.cut, len(tr.nodes)
	if b.Own, b.Deps, err = g.findings(r.Context(), tr); err != nil {
		return err
	}
	files, err := g.files(r.Context(), p, vv)
	if err != nil {
		if ctxErr := r.Context().Err(); ctxErr != nil {
			return ctxErr
		}
		g.log.Warn("listing a tarball's files failed", "package", vv.Package.Name, "version", v.Version, "err", err)
		b.FilesError = core.Message(err)
	}
	if len(files) > limits.MaxVersionPageFiles {
		b.FilesMore = len(files) - limits.MaxVersionPageFiles
		files = files[:limits.MaxVersionPageFiles]
	}
	b.Files = make([]store.TarballFile, len(files))
	for i, f := range files {
		// The archive's top folder ("package/") is npm's convention, not
		// part of the path a user looks for.
		if _, rest, ok := strings.Cut(f.Path, "/"); ok {
			f.Path = rest
		}
		b.Files[i] = f
	}
	b.DependentsAfter = after
	if b.Dependents, b.DependentsMore, b.DependentsTotal, err = g.views.Dependents(r.Context(), p, vv.Package.Name, after, limits.VersionPageDependents); err != nil {
		return err
	}
	return templates.Render(w, r, p, http.StatusOK, "version", webkit.Data{Title: b.Name + "@" + b.Version, Body: b})
}

func notFound(name, version string) error {
	return core.Errorf(core.KindNotFound, "%s@%s was not found on this registry", name, version)
}

func stringOf(v any) string {
	s, _ := v.(string)
	return s
}

// licenseOf reads package.json's "license": an SPDX string, or the old
// {"type": "MIT"} form.
func licenseOf(v any) string {
	switch v := v.(type) {
	case string:
		return truncate(v, 100)
	case map[string]any:
		return truncate(stringOf(v["type"]), 100)
	}
	return ""
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// formatSize writes n bytes as npmjs.com does (decimal units): 912 B,
// 12.3 kB, 4.56 MB.
func formatSize(n int64) string {
	switch {
	case n < 1000:
		return webkit.FormatCount(n) + " B"
	case n < 1000*1000:
		return trimZero(float64(n)/1000) + " kB"
	case n < 1000*1000*1000:
		return trimZero(float64(n)/(1000*1000)) + " MB"
	}
	return trimZero(float64(n)/(1000*1000*1000)) + " GB"
}

func trimZero(f float64) string {
	return strings.TrimRight(strings.TrimRight(strconv.FormatFloat(f, 'f', 2, 64), "0"), ".")
}

func severityClass(s string) string {
	switch s {
	case osv.SeverityCritical, osv.SeverityHigh, osv.SeverityModerate, osv.SeverityLow:
		return "sev-" + s
	}
	return "sev-high"
}

// sortFindings puts malicious packages first, then by severity, then by
// advisory and path.
func sortFindings(fs []finding) {
	rank := map[string]int{osv.SeverityCritical: 0, osv.SeverityHigh: 1, osv.SeverityModerate: 2, osv.SeverityLow: 3}
	slices.SortStableFunc(fs, func(a, b finding) int {
		if a.Malicious != b.Malicious {
			if a.Malicious {
				return -1
			}
			return 1
		}
		ra, ok := rank[a.Severity]
		if !ok {
			ra = 1
		}
		rb, ok := rank[b.Severity]
		if !ok {
			rb = 1
		}
		return cmp.Or(cmp.Compare(ra, rb), cmp.Compare(a.ID, b.ID), cmp.Compare(a.pathKey(), b.pathKey()))
	})
}
