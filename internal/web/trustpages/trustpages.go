// Package trustpages is the web UI's trusted-publishing settings of a
// package (internal/trust).
package trustpages

import (
	"embed"
	"net/http"
	"net/url"
	"strings"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/trust"
	"github.com/rampart/rampart/internal/web/webkit"
)

// pathTrust is a package's trusted-publishing settings: its trusted
// publishers (or, for a name that does not exist yet, the signed-in
// user's pending ones) and the trusted-only policy.
const pathTrust = "/trust/"

//go:embed templates
var templateFiles embed.FS

var templates = webkit.Parse(templateFiles, "templates", nil)

// Pages serves the settings through the trusted-publishing service.
type Pages struct {
	trust *trust.Service
	sh    webkit.Shell
}

// New returns the trusted-publishing pages.
func New(t *trust.Service) *Pages { return &Pages{trust: t} }

// Mount serves the pages in the web UI's shell.
func (g *Pages) Mount(sh webkit.Shell) {
	g.sh = sh
	sh.Handle("GET "+pathTrust+"{name...}", g.trustPage)
	sh.Handle("POST "+pathTrust+"{name...}", g.trustChange)
}

// trustBody is the settings page.
type trustBody struct {
	Name    string
	Status  *trust.Status
	Issuers []string
	Error   string
	Notice  string
	// The add form, kept on an error.
	Type, Repository, File, Environment string
}

func (g *Pages) trustPage(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	if p.User == nil {
		return webkit.NeedSignIn(r)
	}
	name := r.PathValue("name")
	b := trustBody{Name: name, Issuers: g.trust.IssuerNames(), Type: "github", Notice: r.URL.Query().Get("done")}
	st, err := g.trust.Status(r.Context(), p, name)
	if err != nil && core.KindOf(err) != core.KindNotFound {
		return err
	}
	b.Status = st
	return templates.Render(w, r, p, http.StatusOK, "trust", webkit.Data{Title: "Trusted publishing for " + name, Body: b})
}

// trustChange is the page's forms: op=add (a trusted publisher, pending
// for a name that does not exist), op=remove (by id), op=policy
// (trusted-only on or off). Each needs a fresh second factor: the
// browser is sent to confirm it and back.
func (g *Pages) trustChange(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	if p.User == nil {
		return webkit.NeedSignIn(r)
	}
	if err := webkit.ParseForm(w, r); err != nil {
		return err
	}
	name := r.PathValue("name")
	f := r.PostForm
	b := trustBody{Name: name, Issuers: g.trust.IssuerNames(), Type: f.Get("type"), Repository: strings.TrimSpace(f.Get("repository")),
		File: strings.TrimSpace(f.Get("file")), Environment: strings.TrimSpace(f.Get("environment"))}
	var err error
	var done string
	switch f.Get("op") {
	case "add":
		claims := map[string]any{}
		switch b.Type {
		case "gitlab":
			claims["project_path"], claims["ci_config_ref_uri"] = b.Repository, map[string]any{"file": b.File}
		default:
			claims["repository"], claims["workflow_ref"] = b.Repository, map[string]any{"file": b.File}
		}
		if b.Environment != "" {
			claims["environment"] = b.Environment
		}
		_, err = g.trust.Add(r.Context(), p, name, []trust.Config{{Type: b.Type, Claims: claims}})
		done = "added"
	case "remove":
		err = g.trust.Remove(r.Context(), p, name, f.Get("id"))
		done = "removed"
	case "policy":
		err = g.trust.SetTrustedOnly(r.Context(), p, name, f.Get("trusted_only") == "on")
		done = "policy"
	default:
		err = core.Errorf(core.KindInvalid, "unknown change %q", f.Get("op"))
	}
	if err != nil {
		if g.sh.StepUpRedirect(w, r, p, err) {
			return nil
		}
		b.Error = webkit.Message(err)
		b.Status, _ = g.trust.Status(r.Context(), p, name)
		return templates.Render(w, r, p, g.sh.Status(w, r, err), "trust", webkit.Data{Title: "Trusted publishing for " + name, Body: b})
	}
	webkit.Redirect(w, pathTrust+name+"?"+url.Values{"done": {done}}.Encode())
	return nil
}
