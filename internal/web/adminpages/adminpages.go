// Package adminpages is the web UI's administration area (/admin): the
// user list with search, and per account the administrators' actions
// (disable, start an assisted recovery, grant or revoke the moderator
// role), and what the site's staff did lately, from the event log: every
// staff action by its kind, including those of people no longer staff
// (identity.AdminEvents).
//
// Every read and change is an administrative action decided by the
// services (authz.AdminUsers): an administrator whose security key or
// passkey passed within the step-up window, so a page or form without
// one sends the browser to confirm the key and back (webkit.Shell's
// StepUpRedirect). Other signed-in users get the services' refusal.
package adminpages

import (
	"embed"
	"net/http"
	"net/url"
	"strings"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/identity"
	"github.com/rampart/rampart/internal/org"
	"github.com/rampart/rampart/internal/web/webkit"
)

const pathAdmin = "/admin"

// recentStaffEvents is how many of the staff's latest actions the page
// lists.
const recentStaffEvents = 50

//go:embed templates
var templateFiles embed.FS

var templates = webkit.Parse(templateFiles, "templates", nil)

// Pages serves the administration area.
type Pages struct {
	id   *identity.Service
	orgs *org.Service // site roles (moderator)
	sh   webkit.Shell
}

// New returns the administration area.
func New(id *identity.Service, orgs *org.Service) *Pages { return &Pages{id: id, orgs: orgs} }

// Mount serves the pages in the web UI's shell.
func (g *Pages) Mount(sh webkit.Shell) {
	g.sh = sh
	sh.Handle("GET "+pathAdmin, g.adminPage)
	sh.Handle("POST "+pathAdmin+"/users/{name}/{op}", g.userChange)
}

// adminBody is the administration page.
type adminBody struct {
	Query  string
	Users  []core.User
	Next   string // the next page's link, "" on the last
	Events []core.Event
	Done   string
	Error  string
}

func (g *Pages) adminPage(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	if p.User == nil {
		webkit.SignInFirst(w, r)
		return nil
	}
	q := r.URL.Query()
	return g.render(w, r, p, http.StatusOK, adminBody{Query: q.Get("q"), Done: q.Get("done")}, q.Get("after"))
}

func (g *Pages) render(w http.ResponseWriter, r *http.Request, p authz.Principal, status int, b adminBody, after string) error {
	page, err := g.id.ListUsers(r.Context(), p, b.Query, after, identity.MaxUsersPerPage)
	if err != nil {
		return err
	}
	b.Users = page.Users
	if page.Next != "" {
		b.Next = pathAdmin + "?" + url.Values{"q": {b.Query}, "after": {page.Next}}.Encode()
	}
	if b.Events, err = g.id.AdminEvents(r.Context(), p, recentStaffEvents); err != nil {
		return err
	}
	return templates.Render(w, r, p, status, "admin", webkit.Data{Title: "Administration", Body: b})
}

// userDone are the confirmations shown after a change (?done=...).
var userDone = map[string]string{
	"disable":       "disabled: signed out everywhere, every token revoked",
	"recover":       "recovery started: the user was mailed and can cancel it",
	"moderator-on":  "is now a moderator",
	"moderator-off": "is no longer a moderator",
}

// userChange applies one of a user row's forms.
func (g *Pages) userChange(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	if p.User == nil {
		return webkit.NeedSignIn(r)
	}
	if err := webkit.ParseForm(w, r); err != nil {
		return err
	}
	name, op := r.PathValue("name"), r.PathValue("op")
	ctx := r.Context()
	var err error
	switch op {
	case "disable":
		err = g.id.DisableUserAs(ctx, p, name)
	case "recover":
		_, err = g.id.StartRecoveryAs(ctx, p, name, r.PostForm.Get("reason"))
	case "moderator-on", "moderator-off":
		err = g.orgs.SetModerator(ctx, p, name, op == "moderator-on")
	default:
		return core.Errorf(core.KindNotFound, "no such form")
	}
	if err != nil {
		if g.sh.StepUpRedirect(w, r, p, err) {
			return nil
		}
		if k := core.KindOf(err); k == core.KindForbidden || k == core.KindUnauthenticated {
			return err
		}
		return g.render(w, r, p, g.sh.Status(w, r, err), adminBody{Query: strings.TrimSpace(r.PostForm.Get("q")), Error: name + ": " + webkit.Message(err)}, "")
	}
	webkit.Redirect(w, pathAdmin+"?"+url.Values{"q": {r.PostForm.Get("q")}, "done": {name + " " + userDone[op]}}.Encode())
	return nil
}
