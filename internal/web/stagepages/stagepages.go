// Package stagepages is the web UI's page of the account's staged
// releases (internal/stage): every version staged for a package the user
// maintains, with approve and reject buttons, and each package's
// staged-publishing policy. Approving and changing a policy
// need a second factor confirmed within the step-up window (a security
// key or passkey for a critical package): the refusal sends the browser
// to the confirm page, which returns here.
package stagepages

import (
	"context"
	"embed"
	"net/http"
	"net/url"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/stage"
	"github.com/rampart/rampart/internal/web/webkit"
)

const pathStaged = "/" + stage.PathStaged

//go:embed templates
var templateFiles embed.FS

var templates = webkit.Parse(templateFiles, "templates", nil)

// Packages lists the packages a user maintains (the registry).
type Packages interface {
	UserPackages(ctx context.Context, userID int64) ([]core.Package, error)
}

// Pages serves the staged-releases page through the stage service.
type Pages struct {
	stage *stage.Service
	reg   Packages
	sh    webkit.Shell
}

// New returns the staged-releases page.
func New(st *stage.Service, reg Packages) *Pages { return &Pages{stage: st, reg: reg} }

// Mount serves the page in the web UI's shell.
func (g *Pages) Mount(sh webkit.Shell) {
	g.sh = sh
	sh.Handle("GET "+pathStaged, g.stagedPage)
	sh.Handle("POST "+pathStaged+"/approve", g.stagedDecide)
	sh.Handle("POST "+pathStaged+"/reject", g.stagedDecide)
	sh.Handle("POST "+pathStaged+"/policy", g.stagedPolicy)
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

func (g *Pages) stagedPage(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	if p.User == nil {
		return webkit.NeedSignIn(r)
	}
	list, _, err := g.stage.List(r.Context(), p, "", 0, limits.MaxStagePerPage)
	if err != nil {
		return err
	}
	b := stagedBody{Stages: list, Done: r.URL.Query().Get("done")}
	pkgs, err := g.reg.UserPackages(r.Context(), p.User.ID)
	if err != nil {
		return err
	}
	for _, pkg := range pkgs {
		pol, err := g.stage.Policy(r.Context(), p, pkg.Name)
		if err != nil {
			return err
		}
		b.Packages = append(b.Packages, stagedPolicy{Name: pkg.Name, Policy: pol})
	}
	return templates.Render(w, r, p, http.StatusOK, "staged", webkit.Data{Title: "Staged releases", Body: b})
}

// stagedDecide approves or rejects the stage the form names.
func (g *Pages) stagedDecide(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	if p.User == nil {
		return webkit.NeedSignIn(r)
	}
	if err := webkit.ParseForm(w, r); err != nil {
		return err
	}
	id := r.PostForm.Get("id")
	var st *core.Stage
	var err error
	if r.URL.Path == pathStaged+"/approve" {
		st, err = g.stage.Approve(r.Context(), p, id)
	} else {
		st, err = g.stage.Reject(r.Context(), p, id)
	}
	if err != nil {
		return err
	}
	webkit.Redirect(w, pathStaged+"?"+url.Values{"done": {st.Package + "@" + st.Version + " " + string(st.Status)}}.Encode())
	return nil
}

// stagedPolicy changes a package's staged-publishing policy.
func (g *Pages) stagedPolicy(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	if p.User == nil {
		return webkit.NeedSignIn(r)
	}
	if err := webkit.ParseForm(w, r); err != nil {
		return err
	}
	name := r.PostForm.Get("package")
	policy := core.StagePolicy(r.PostForm.Get("policy"))
	if err := g.stage.SetPolicy(r.Context(), p, name, policy); err != nil {
		return err
	}
	webkit.Redirect(w, pathStaged+"?"+url.Values{"done": {"the policy of " + name + " is " + string(policy)}}.Encode())
	return nil
}
