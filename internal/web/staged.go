package web

import (
	"net/http"
	"net/url"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/stage"
)

// The account's staged releases (internal/stage): every version staged
// for a package the user maintains, with approve and reject buttons, and
// each package's staged-publishing policy. Approving and changing a policy
// need a second factor confirmed within the step-up window (a security
// key or passkey for a critical package): the refusal sends the browser
// to the confirm page, which returns here.

const pathStaged = "/" + stage.PathStaged

// WithStaging serves the staged-releases page through st.
func (h *Handler) WithStaging(st *stage.Service) *Handler {
	h.stage = st
	h.mux.Handle("GET "+pathStaged, h.page(h.stagedPage))
	h.mux.Handle("POST "+pathStaged+"/approve", h.page(h.stagedDecide))
	h.mux.Handle("POST "+pathStaged+"/reject", h.page(h.stagedDecide))
	h.mux.Handle("POST "+pathStaged+"/policy", h.page(h.stagedPolicy))
	return h
}

type stagedBody struct {
	Stages   []core.Stage
	Packages []stagedPolicy
	Done     string // what the last action did, for the banner
}

type stagedPolicy struct {
	Name   string
	Policy core.StagePolicy
}

func (h *Handler) stagedPage(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	if p.User == nil {
		return needSignIn(r)
	}
	list, _, err := h.stage.List(r.Context(), p, "", 0, limits.MaxStagePerPage)
	if err != nil {
		return err
	}
	b := stagedBody{Stages: list, Done: r.URL.Query().Get("done")}
	pkgs, err := h.reg.UserPackages(r.Context(), p.User.ID)
	if err != nil {
		return err
	}
	for _, pkg := range pkgs {
		pol, err := h.stage.Policy(r.Context(), p, pkg.Name)
		if err != nil {
			return err
		}
		b.Packages = append(b.Packages, stagedPolicy{Name: pkg.Name, Policy: pol})
	}
	return h.render(w, r, p, http.StatusOK, "staged", pageData{Title: "Staged releases", Body: b})
}

// stagedDecide approves or rejects the stage the form names.
func (h *Handler) stagedDecide(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	if p.User == nil {
		return needSignIn(r)
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	id := r.PostForm.Get("id")
	var st *core.Stage
	var err error
	if r.URL.Path == pathStaged+"/approve" {
		st, err = h.stage.Approve(r.Context(), p, id)
	} else {
		st, err = h.stage.Reject(r.Context(), p, id)
	}
	if err != nil {
		return err
	}
	redirect(w, pathStaged+"?"+url.Values{"done": {st.Package + "@" + st.Version + " " + string(st.Status)}}.Encode())
	return nil
}

// stagedPolicy changes a package's staged-publishing policy.
func (h *Handler) stagedPolicy(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	if p.User == nil {
		return needSignIn(r)
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	name := r.PostForm.Get("package")
	policy := core.StagePolicy(r.PostForm.Get("policy"))
	if err := h.stage.SetPolicy(r.Context(), p, name, policy); err != nil {
		return err
	}
	redirect(w, pathStaged+"?"+url.Values{"done": {"the policy of " + name + " is " + string(policy)}}.Encode())
	return nil
}
