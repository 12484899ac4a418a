// Package orgpages is the web UI's organisation pages: the caller's orgs and the form that creates
// one (/orgs), and an org's page (/org/<name>) with its members, teams,
// grants and packages, and the forms that change them. The org service
// decides every change (authz, step-up, events, notices); a change that
// needs a fresh second factor is sent to the confirm page and back here,
// as for the other settings pages. Forms are same-origin only
// (http.CrossOriginProtection in front of every page).
package orgpages

import (
	"embed"
	"net/http"
	"net/url"
	"strings"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/org"
	"github.com/rampart/rampart/internal/web/webkit"
)

const (
	pathOrgs = "/orgs"
	pathOrg  = "/org/"
)

//go:embed templates
var templateFiles embed.FS

var templates = webkit.Parse(templateFiles, "templates", nil)

// Pages serves the organisation pages through the org service.
type Pages struct {
	orgs *org.Service
	sh   webkit.Shell
}

// New returns the organisation pages.
func New(orgs *org.Service) *Pages { return &Pages{orgs: orgs} }

// Mount serves the pages in the web UI's shell.
func (g *Pages) Mount(sh webkit.Shell) {
	g.sh = sh
	sh.Handle("GET "+pathOrgs, g.orgsPage)
	sh.Handle("POST "+pathOrgs, g.createOrg)
	sh.Handle("GET "+pathOrg+"{org}", g.orgPage)
	sh.Handle("POST "+pathOrg+"{org}/{op}", g.orgChange)
}

// orgsBody is the list of the caller's orgs and the create form.
type orgsBody struct {
	Mine     []core.OrgMembership
	Name     string
	Error    string
	Verified bool
}

func (g *Pages) orgsPage(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	if p.User == nil {
		webkit.Redirect(w, webkit.PathLogin+"?"+url.Values{"next": {pathOrgs}}.Encode())
		return nil
	}
	return g.renderOrgs(w, r, p, http.StatusOK, orgsBody{})
}

func (g *Pages) renderOrgs(w http.ResponseWriter, r *http.Request, p authz.Principal, status int, b orgsBody) error {
	mine, err := g.orgs.Mine(r.Context(), p)
	if err != nil {
		return err
	}
	b.Mine, b.Verified = mine, p.User.EmailVerified
	return templates.Render(w, r, p, status, "orgs", webkit.Data{Title: "Organisations", Body: b})
}

func (g *Pages) createOrg(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	if p.User == nil {
		return webkit.NeedSignIn(r)
	}
	if err := webkit.ParseForm(w, r); err != nil {
		return err
	}
	name := strings.TrimSpace(r.PostForm.Get("name"))
	if err := g.orgs.Create(r.Context(), p, name, ""); err != nil {
		if g.sh.StepUpRedirect(w, r, p, err) {
			return nil
		}
		return g.renderOrgs(w, r, p, g.sh.Status(w, r, err), orgsBody{Name: name, Error: webkit.Message(err)})
	}
	webkit.Redirect(w, pathOrg+url.PathEscape(name))
	return nil
}

// orgBody is an org's page.
type orgBody struct {
	*org.View
	Error, Done string
	// What the caller's role lets the page offer (the service decides).
	ManagesMembers, ManagesTeams bool
}

func (g *Pages) orgPage(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	if p.User == nil {
		webkit.Redirect(w, webkit.PathLogin+"?"+url.Values{"next": {r.URL.Path}}.Encode())
		return nil
	}
	return g.renderOrg(w, r, p, http.StatusOK, r.PathValue("org"), "", r.URL.Query().Get("done"))
}

func (g *Pages) renderOrg(w http.ResponseWriter, r *http.Request, p authz.Principal, status int, name, errMsg, done string) error {
	v, err := g.orgs.View(r.Context(), p, name)
	if err != nil {
		return err
	}
	b := orgBody{View: v, Error: errMsg, Done: orgDone[done],
		ManagesMembers: v.Role == core.OrgOwner, ManagesTeams: v.Role == core.OrgOwner || v.Role == core.OrgAdmin}
	return templates.Render(w, r, p, status, "org", webkit.Data{Title: "@" + v.Name, Body: b})
}

// orgDone are the confirmations shown after a change (?done=...).
var orgDone = map[string]string{
	"member": "Member saved; they and the owners were mailed.", "remove": "Member removed.",
	"team": "Team created.", "team-member": "Team updated.", "team-delete": "Team deleted.",
	"grant": "Access granted.", "revoke": "Access revoked.",
}

// orgChange applies one of the org page's forms.
func (g *Pages) orgChange(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	if p.User == nil {
		return webkit.NeedSignIn(r)
	}
	if err := webkit.ParseForm(w, r); err != nil {
		return err
	}
	name, f := r.PathValue("org"), r.PostForm
	get := func(k string) string { return strings.TrimSpace(f.Get(k)) }
	ctx := r.Context()
	var err error
	done := r.PathValue("op")
	switch done {
	case "member":
		err = g.orgs.SetMember(ctx, p, name, get("user"), core.OrgRole(get("role")))
	case "remove":
		err = g.orgs.RemoveMember(ctx, p, name, get("user"))
	case "team":
		err = g.orgs.CreateTeam(ctx, p, name, get("team"), get("description"))
	case "team-member":
		if get("op") == "remove" {
			err = g.orgs.RemoveTeamMember(ctx, p, name, get("team"), get("user"))
		} else {
			err = g.orgs.AddTeamMember(ctx, p, name, get("team"), get("user"))
		}
	case "team-delete":
		err = g.orgs.DestroyTeam(ctx, p, name, get("team"))
	case "grant":
		err = g.orgs.Grant(ctx, p, name, get("team"), core.NPM(get("package")), core.Permission(get("permission")))
	case "revoke":
		err = g.orgs.Revoke(ctx, p, name, get("team"), core.NPM(get("package")))
	case "delete":
		if get("confirm") != name {
			err = core.Errorf(core.KindInvalid, "type the organisation's name, %s, to confirm its deletion", name)
		} else if err = g.orgs.Delete(ctx, p, name); err == nil {
			webkit.Redirect(w, pathOrgs)
			return nil
		}
	default:
		return core.Errorf(core.KindNotFound, "no such form")
	}
	if err != nil {
		if g.sh.StepUpRedirect(w, r, p, err) {
			return nil
		}
		if core.KindOf(err) == core.KindNotFound && strings.Contains(webkit.Message(err), "no organisation") {
			return err
		}
		return g.renderOrg(w, r, p, g.sh.Status(w, r, err), name, webkit.Message(err), "")
	}
	webkit.Redirect(w, pathOrg+url.PathEscape(name)+"?done="+url.QueryEscape(done))
	return nil
}
