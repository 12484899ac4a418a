package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/trust"
)

// pathTrust is a package's trusted-publishing settings: its trusted
// publishers (or, for a name that does not exist yet, the signed-in
// user's pending ones) and the trusted-only policy.
const pathTrust = "/trust/"

// SetTrust gives the web UI the trusted-publishing service.
func (h *Handler) SetTrust(t *trust.Service) {
	h.trust = t
	h.mux.Handle("GET "+pathTrust+"{name...}", h.page(h.trustPage))
	h.mux.Handle("POST "+pathTrust+"{name...}", h.page(h.trustChange))
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

func (h *Handler) trustPage(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	if p.User == nil {
		return needSignIn(r)
	}
	name := r.PathValue("name")
	b := trustBody{Name: name, Issuers: h.trust.IssuerNames(), Type: "github", Notice: r.URL.Query().Get("done")}
	st, err := h.trust.Status(r.Context(), p, name)
	if err != nil && core.KindOf(err) != core.KindNotFound {
		return err
	}
	b.Status = st
	return h.render(w, r, p, http.StatusOK, "trust", pageData{Title: "Trusted publishing for " + name, Body: b})
}

// trustChange is the page's forms: op=add (a trusted publisher, pending
// for a name that does not exist), op=remove (by id), op=policy
// (trusted-only on or off). Each needs a fresh second factor: the
// browser is sent to confirm it and back.
func (h *Handler) trustChange(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	if p.User == nil {
		return needSignIn(r)
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	name := r.PathValue("name")
	f := r.PostForm
	b := trustBody{Name: name, Issuers: h.trust.IssuerNames(), Type: f.Get("type"), Repository: strings.TrimSpace(f.Get("repository")),
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
		_, err = h.trust.Add(r.Context(), p, name, []trust.Config{{Type: b.Type, Claims: claims}})
		done = "added"
	case "remove":
		err = h.trust.Remove(r.Context(), p, name, f.Get("id"))
		done = "removed"
	case "policy":
		err = h.trust.SetTrustedOnly(r.Context(), p, name, f.Get("trusted_only") == "on")
		done = "policy"
	default:
		err = core.Errorf(core.KindInvalid, "unknown change %q", f.Get("op"))
	}
	if err != nil {
		if h.stepUpRedirect(w, r, p, err) {
			return nil
		}
		b.Error = message(err)
		b.Status, _ = h.trust.Status(r.Context(), p, name)
		return h.render(w, r, p, h.status(w, r, err), "trust", pageData{Title: "Trusted publishing for " + name, Body: b})
	}
	redirect(w, pathTrust+name+"?"+url.Values{"done": {done}}.Encode())
	return nil
}
