// Package reportpages is the web UI of reports and moderation
// (internal/report): the report form a signed-in user reaches from a
// package's page, and the moderation queue (/moderation/reports) where
// moderators and administrators read the reports on each item, reply to
// the reporters and close it as actioned or dismissed. Moderation asks
// what administrative power asks (authz.Moderate: a security key or
// passkey used within the step-up window); a stale session is sent to
// confirm it and back, by the shell.
package reportpages

import (
	"context"
	"embed"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/registry"
	"github.com/rampart/rampart/internal/report"
	"github.com/rampart/rampart/internal/web/webkit"
)

// Paths of the pages.
const (
	pathReport = "/report"
	pathQueue  = "/" + report.PathQueue
)

//go:embed templates
var templateFiles embed.FS

var templates = webkit.Parse(templateFiles, "templates", template.FuncMap{
	"excerpt":  excerpt,
	"label":    func(c core.ReportCategory) string { return c.Label() },
	"pkgpath":  pkgPath,
	"evidence": evidencePath,
	"plural":   func(n int, one, many string) string { return map[bool]string{true: one, false: many}[n == 1] },
	"reasons":  core.ReportCategories,
})

// Packages is what the item page reads of a package: its latest version,
// for the evidence link of a report on the whole package (the registry).
type Packages interface {
	View(ctx context.Context, p authz.Principal, name string) (*registry.PackageView, error)
}

// Pages serves the report form and the moderation queue.
type Pages struct {
	svc *report.Service
	reg Packages
	sh  webkit.Shell
}

// New returns the pages.
func New(svc *report.Service, reg Packages) *Pages { return &Pages{svc: svc, reg: reg} }

// Mount serves the pages in the web UI's shell.
func (g *Pages) Mount(sh webkit.Shell) {
	g.sh = sh
	sh.Handle("GET "+pathReport, g.reportForm)
	sh.Handle("POST "+pathReport, g.fileReport)
	sh.Handle("GET "+pathQueue, g.queuePage)
	sh.Handle("GET "+pathQueue+"/{id}", g.itemPage)
	sh.Handle("POST "+pathQueue+"/{id}/reply", g.reply)
	sh.Handle("POST "+pathQueue+"/{id}/close", g.close)
}

// excerpt is the start of a text, for the queue.
func excerpt(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= 160 {
		return s
	}
	return string([]rune(s)[:159]) + "…"
}

// pkgPath is a package's page.
func pkgPath(name string) string { return "/package/" + name }

// evidencePath is a version's evidence page, where moderators act on it
// (internal/quarantine's pages).
func evidencePath(name, version string) string {
	return "/moderation/package/" + name + "/v/" + url.PathEscape(version)
}

// formBody is the report form.
type formBody struct {
	Package, Version, Category, Description string
	Versions                                []string // the versions the reporter sees, newest first
	Error                                   string
}

func (g *Pages) versions(r *http.Request, p authz.Principal, name string) []string {
	pv, err := g.reg.View(r.Context(), p, name)
	if err != nil {
		return nil
	}
	var out []string
	for _, v := range pv.Versions {
		out = append(out, v.Version)
	}
	return out
}

func (g *Pages) reportForm(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	if p.User == nil {
		webkit.SignInFirst(w, r)
		return nil
	}
	q := r.URL.Query()
	b := formBody{Package: q.Get("package"), Version: q.Get("version"), Category: q.Get("reason")}
	if b.Package != "" {
		b.Versions = g.versions(r, p, b.Package)
	}
	return templates.Render(w, r, p, http.StatusOK, "report", webkit.Data{Title: "Report a package", Body: b})
}

// filedBody is the page after a report.
type filedBody struct {
	Filed   *report.Filed
	Target  string
	Message string
}

func (g *Pages) fileReport(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	if p.User == nil {
		return webkit.NeedSignIn(r)
	}
	if err := webkit.ParseForm(w, r); err != nil {
		return err
	}
	f := r.PostForm
	b := formBody{Package: f.Get("package"), Version: f.Get("version"), Category: f.Get("reason"), Description: f.Get("description")}
	filed, err := g.svc.File(r.Context(), p, report.Filing{Name: b.Package, Version: b.Version, Category: core.ReportCategory(b.Category), Description: b.Description})
	if err != nil {
		if g.sh.StepUpRedirect(w, r, p, err) {
			return nil
		}
		status := g.sh.Status(w, r, err)
		b.Error = webkit.Message(err)
		if core.KindOf(err) != core.KindNotFound {
			b.Versions = g.versions(r, p, b.Package)
		}
		return templates.Render(w, r, p, status, "report", webkit.Data{Title: "Report a package", Body: b})
	}
	return templates.Render(w, r, p, http.StatusOK, "filed", webkit.Data{Title: "Report sent",
		Body: filedBody{Filed: filed, Target: filed.Item.Target(), Message: report.NextSteps(filed)}})
}

// queueBody is the queue page.
type queueBody struct {
	State core.ReportState
	Items []report.ItemView
}

func (g *Pages) queuePage(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	if p.User == nil {
		return webkit.NeedSignIn(r)
	}
	state := core.ReportState(r.URL.Query().Get("state"))
	if state == "" {
		state = core.ReportOpen
	}
	if state == "all" {
		state = ""
	}
	items, err := g.svc.Overview(r.Context(), p, state)
	if err != nil {
		return err
	}
	return templates.Render(w, r, p, http.StatusOK, "queue", webkit.Data{Title: "Reports", Body: queueBody{State: state, Items: items}})
}

// itemBody is an item's page.
type itemBody struct {
	*report.ItemView
	Latest string // the package's latest version, for a report on the whole package
	Done   string
}

func itemID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, core.Errorf(core.KindNotFound, "there is no report %q in the moderation queue", r.PathValue("id"))
	}
	return id, nil
}

func (g *Pages) itemPage(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	if p.User == nil {
		return webkit.NeedSignIn(r)
	}
	id, err := itemID(r)
	if err != nil {
		return err
	}
	v, err := g.svc.Item(r.Context(), p, id)
	if err != nil {
		return err
	}
	b := itemBody{ItemView: v, Done: r.URL.Query().Get("done")}
	if v.Item.Version == "" {
		if pv, err := g.reg.View(r.Context(), p, v.Item.Ref.Name); err == nil {
			b.Latest = pv.DistTags["latest"]
		}
	}
	return templates.Render(w, r, p, http.StatusOK, "item", webkit.Data{Title: "Report on " + v.Item.Target(), Body: b})
}

func (g *Pages) reply(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	return g.act(w, r, p, "replied", func(id int64) error {
		return g.svc.Reply(r.Context(), p, id, r.PostForm.Get("message"))
	})
}

func (g *Pages) close(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	return g.act(w, r, p, "closed", func(id int64) error {
		return g.svc.Close(r.Context(), p, id, core.ReportState(r.PostForm.Get("outcome")), r.PostForm.Get("message"))
	})
}

// act runs a moderator's form on an item and returns to its page.
func (g *Pages) act(w http.ResponseWriter, r *http.Request, p authz.Principal, done string, f func(id int64) error) error {
	if p.User == nil {
		return webkit.NeedSignIn(r)
	}
	id, err := itemID(r)
	if err != nil {
		return err
	}
	if err := report.MayModerate(p); err != nil {
		return err
	}
	if err := webkit.ParseForm(w, r); err != nil {
		return err
	}
	if err := f(id); err != nil {
		return err
	}
	webkit.Redirect(w, pathQueue+"/"+strconv.FormatInt(id, 10)+"?"+url.Values{"done": {done}}.Encode())
	return nil
}
