// Package upstreampages is the web page of a package proxied from an
// upstream registry (internal/upstream), at the same address as a local
// package's, /package/<name>: what this registry's clients are served
// (its versions after the cooldown and the screening, its dist-tags, its
// README), and what this registry itself checked, which the upstream's
// own page cannot say: when it first pinned each version's bytes, which
// versions' build provenance it verified (where they were built), and
// which versions it refuses and why.
//
// It is the package page's fallback (webkit.PackageFallback): the shell
// asks it only after the registry answered not-found, and it serves only
// a name no local package holds in any form (registry.HeldLocally), so
// that a restricted local package is never shown as a proxied one, as
// npm's front-end decides for packuments.
package upstreampages

import (
	"context"
	"embed"
	"html/template"
	"net/http"
	"time"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/upstream"
	"github.com/rampart/rampart/internal/upstream/proxyview"
	"github.com/rampart/rampart/internal/web/markdown"
	"github.com/rampart/rampart/internal/web/webkit"
)

//go:embed templates
var templateFiles embed.FS

var templates = webkit.Parse(templateFiles, "templates", template.FuncMap{
	"short": func(s string) string {
		if len(s) > 20 {
			return s[:20] + "…"
		}
		return s
	},
	"hours": func(d time.Duration) string { return d.Round(time.Hour).String() },
})

// Proxy is what the page reads of the proxy (proxyview.Reader).
type Proxy interface {
	PackageView(ctx context.Context, name string) (*proxyview.View, error)
}

// Pages serves proxied packages' pages.
type Pages struct {
	up   Proxy
	held func(ctx context.Context, name string) (bool, error)
}

// New returns the pages; held says whether a name is held locally in any
// form (registry.HeldLocally).
func New(up Proxy, held func(ctx context.Context, name string) (bool, error)) *Pages {
	return &Pages{up: up, held: held}
}

// Mount adds the package page's fallback; a shell that takes none gets
// no page.
func (g *Pages) Mount(sh webkit.Shell) {
	if fb, ok := sh.(webkit.PackageFallbacks); ok {
		fb.AddPackageFallback(g.page)
	}
}

type body struct {
	*proxyview.View
	Install, License, Homepage, Repository string
	Readme                                 template.HTML
	Tags                                   []tag
	Rows                                   []row
}

type tag struct{ Tag, Version string }

type row struct {
	proxyview.ViewVersion
	Built *webkit.BuiltFrom
}

func (g *Pages) page(w http.ResponseWriter, r *http.Request, p authz.Principal, name string) (bool, error) {
	if g.up == nil {
		return false, nil
	}
	held, err := g.held(r.Context(), name)
	if err != nil || held {
		return false, err
	}
	v, err := g.up.PackageView(upstream.WithClient(r.Context(), p.Addr), name)
	if err != nil || v == nil {
		return false, err
	}
	readme := template.HTML("")
	if src := v.Readme; src != "" && src != "ERROR: No README data found!" {
		if readme, err = markdown.Render(src); err != nil {
			return false, core.Errorf(core.KindUpstream, "the README of %s cannot be shown: %v", name, err)
		}
	}
	b := body{View: v, Install: "npm install " + name, License: webkit.LicenseOf(v.License),
		Homepage: webkit.HTTPURL(str(v.Homepage)), Repository: webkit.RepositoryURL(v.Repository), Readme: readme}
	if b.Latest != "" {
		b.Tags = append(b.Tags, tag{"latest", b.Latest})
	}
	for t, ver := range v.Tags {
		if t != "latest" {
			b.Tags = append(b.Tags, tag{t, ver})
		}
	}
	for _, vv := range v.Versions {
		b.Rows = append(b.Rows, row{ViewVersion: vv, Built: webkit.BuiltFromOf(vv.Verified)})
	}
	return true, templates.Render(w, r, p, http.StatusOK, "proxied", webkit.Data{Title: name, Body: b})
}

func str(v any) string {
	s, _ := v.(string)
	return s
}
