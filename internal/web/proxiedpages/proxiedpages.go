// Package proxiedpages is the operator's view of the packages this
// registry proxies from upstream registries (internal/upstream):
// /admin/proxied lists every proxied package it served (a packument
// pinned), by name, searchable by name prefix and paginated, each with
// its upstream, how many versions are pinned and since when, its complete
// downloads over the last 30 days (counted by the rules of local
// downloads), its holds, and the versions downloaded or held with their
// first-seen time and pinned integrity: which upstream packages the
// company really uses.
//
// Staff only: the service decides (authz.Moderate, the site's moderators
// and administrators, with the second factor administrators need passed
// within the step-up window; the shell's StepUpRedirect asks for it).
package proxiedpages

import (
	"context"
	"embed"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/upstream"
	"github.com/rampart/rampart/internal/web/webkit"
)

const (
	pathProxied = "/admin/proxied"
	// perPage is how many packages a page lists.
	perPage = 50
	// maxPrefix bounds the search (npm names are at most 214 bytes).
	maxPrefix = 214
)

//go:embed templates
var templateFiles embed.FS

var templates = webkit.Parse(templateFiles, "templates", template.FuncMap{"holdPath": holdPath})

// Proxy is what the pages read (upstream.Service).
type Proxy interface {
	ProxiedPackages(ctx context.Context, p authz.Principal, prefix string, limit, offset int) ([]upstream.Proxied, int, error)
}

// Pages serves the list of proxied packages.
type Pages struct {
	up Proxy
	sh webkit.Shell
}

// New returns the pages over up.
func New(up Proxy) *Pages { return &Pages{up: up} }

// Mount serves the pages in the web UI's shell.
func (g *Pages) Mount(sh webkit.Shell) {
	g.sh = sh
	sh.Handle("GET "+pathProxied, g.listPage)
}

type body struct {
	Query      string
	Rows       []upstream.Proxied
	Total      int
	From, To   int
	Prev, Next string
	Days       int
}

func (g *Pages) listPage(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	if p.User == nil {
		webkit.SignInFirst(w, r)
		return nil
	}
	q := r.URL.Query()
	prefix := strings.TrimSpace(q.Get("q"))
	if len(prefix) > maxPrefix {
		prefix = prefix[:maxPrefix]
	}
	offset, _ := strconv.Atoi(q.Get("offset"))
	offset = max(0, offset)
	list, total, err := g.up.ProxiedPackages(r.Context(), p, prefix, perPage, offset)
	if err != nil {
		if g.sh.StepUpRedirect(w, r, p, err) {
			return nil
		}
		return err
	}
	b := body{Query: prefix, Total: total, From: offset + 1, To: offset + len(list), Days: int(upstream.UsageWindow.Hours() / 24)}
	b.Rows = list
	page := func(off int) string {
		return pathProxied + "?" + url.Values{"q": {prefix}, "offset": {strconv.Itoa(off)}}.Encode()
	}
	if offset > 0 {
		b.Prev = page(max(0, offset-perPage))
	}
	if offset+len(list) < total {
		b.Next = page(offset + len(list))
	}
	return templates.Render(w, r, p, http.StatusOK, "proxied", webkit.Data{Title: "Proxied packages · Administration", Body: b})
}

// holdPath is the moderation page of a proxied version's hold (the
// quarantine pages' address; a group never imports another).
func holdPath(name, version string) string {
	segs := strings.Split(name, "/")
	for i, seg := range segs {
		segs[i] = url.PathEscape(seg)
	}
	return "/moderation/upstream/package/" + strings.Join(segs, "/") + "/v/" + url.PathEscape(version)
}
