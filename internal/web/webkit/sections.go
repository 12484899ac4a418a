package webkit

import (
	"html/template"
	"net/http"

	"github.com/rampart/rampart/internal/authz"
)

// PackageFacts is what a package page tells a group's section about the
// package, as the viewer may see it.
type PackageFacts struct {
	Name     string
	Latest   string   // the version "latest" points at
	Versions []string // newest first
	// Dependencies are the latest version's dependencies, name to range.
	Dependencies map[string]string
}

// PackageSection renders a part of a package page that a group owns (the
// advisories that affect it, say); "" adds nothing. It runs on every
// package page, so it must be cheap and bounded.
type PackageSection func(r *http.Request, p authz.Principal, pkg PackageFacts) (template.HTML, error)

// PackageSections is a Shell that also takes package-page sections: a
// group's Mount adds its section when the shell offers this.
type PackageSections interface {
	AddPackageSection(PackageSection)
}

// PackageFallback serves the page of a package the registry does not
// hold (not-found for the viewer), such as one proxied from an upstream
// registry; served false leaves the shell's not-found page.
type PackageFallback func(w http.ResponseWriter, r *http.Request, p authz.Principal, name string) (served bool, err error)

// PackageFallbacks is a Shell that also takes package-page fallbacks: a
// group's Mount adds one when the shell offers this.
type PackageFallbacks interface {
	AddPackageFallback(PackageFallback)
}
