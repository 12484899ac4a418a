// Package quarantinepages is the web UI's moderation of versions
// (internal/quarantine): the moderation area /moderation, listing the
// held versions and the progress of the newest rescan (with a button to
// start one), and a version's page /moderation/package/<name>/v/<version>
// with the evidence (why it is held, the scan's findings, the files with
// their sizes and digests, a diff of package.json and the changed files
// against the previous version) and the moderators' buttons: hold,
// release, remove, restore, confirm. With an upstream proxy, the area
// also lists the proxied versions the scan held, each with its evidence
// page (the findings, the files of the bytes held, each flagged file's
// lines around the finding) and the buttons release and confirm
// (upstream.go), and links the decided ones, newest first
// (upstreamdecided.go).
//
// Every read and action is decided by the service (authz.Moderate: the
// site's moderators and administrators, with the second factor
// administrators need, passed within the step-up window); a refusal that
// asks for a fresh factor sends the browser to confirm it and back
// (webkit.Shell's StepUpRedirect). Forms are behind the shell's
// cross-origin (CSRF) protection.
package quarantinepages

import (
	"embed"
	"net/http"
	"net/url"
	"strings"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/quarantine"
	"github.com/rampart/rampart/internal/web/webkit"
)

const (
	pathModeration = "/moderation"
	pathVersion    = pathModeration + "/package/"
	// heldPerPage is how many held versions the area lists.
	heldPerPage = 100
)

//go:embed templates
var templateFiles embed.FS

var templates = webkit.Parse(templateFiles, "templates", nil)

// Pages serves the moderation of versions.
type Pages struct {
	q  *quarantine.Service
	up Upstream // nil: no upstream proxy (upstream.go)
	sh webkit.Shell
}

// New returns the moderation pages over q.
func New(q *quarantine.Service) *Pages { return &Pages{q: q} }

// Mount serves the pages in the web UI's shell.
func (g *Pages) Mount(sh webkit.Shell) {
	g.sh = sh
	sh.Handle("GET "+pathModeration, g.areaPage)
	sh.Handle("POST "+pathModeration+"/rescan", g.rescan)
	sh.Handle("GET "+pathModeration+"/find", g.findVersion)
	sh.Handle("GET "+pathVersion+"{rest...}", g.versionPage)
	sh.Handle("POST "+pathVersion+"{rest...}", g.versionAction)
	g.mountUpstream(sh)
}

// VersionPath is the page of name@version (g-report links reports here).
func VersionPath(name, version string) string {
	return pathVersion + name + "/v/" + url.PathEscape(version)
}

type areaBody struct {
	Held   []heldRow
	Total  int
	Rescan *core.Rescan
	Done   string
	Error  string

	// Proxied are the held versions from upstream registries (nil
	// without a proxy) and ProxiedTotal how many there are.
	Proxied      []upstreamRow
	ProxiedTotal int
	// UpstreamOn links the decided proxied versions and the proxied
	// packages (a registry that proxies an upstream).
	UpstreamOn bool
}

type heldRow struct {
	core.HeldVersion
	URL string
}

func (g *Pages) areaPage(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	if p.User == nil {
		webkit.SignInFirst(w, r)
		return nil
	}
	return g.renderArea(w, r, p, http.StatusOK, areaBody{Done: r.URL.Query().Get("done")})
}

func (g *Pages) renderArea(w http.ResponseWriter, r *http.Request, p authz.Principal, status int, b areaBody) error {
	list, total, err := g.q.HeldVersions(r.Context(), p, heldPerPage, 0)
	if err != nil {
		if g.sh.StepUpRedirect(w, r, p, err) {
			return nil
		}
		return err
	}
	for _, hv := range list {
		b.Held = append(b.Held, heldRow{HeldVersion: hv, URL: VersionPath(hv.Ref.Name, hv.Version)})
	}
	b.Total, b.UpstreamOn = total, g.up != nil
	if b.Proxied, b.ProxiedTotal, err = g.upstreamHeld(r, p); err != nil {
		return err
	}
	if rs, err := g.q.RescanStatus(r.Context(), p); err == nil {
		b.Rescan = rs
	} else if core.KindOf(err) != core.KindNotFound {
		return err
	}
	return templates.Render(w, r, p, status, "moderation", webkit.Data{Title: "Moderation", Body: b})
}

func (g *Pages) rescan(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	if p.User == nil {
		return webkit.NeedSignIn(r)
	}
	if err := webkit.ParseForm(w, r); err != nil {
		return err
	}
	rs, err := g.q.StartRescan(r.Context(), p, strings.TrimSpace(r.PostForm.Get("package")))
	if err != nil {
		if g.sh.StepUpRedirect(w, r, p, err) {
			return nil
		}
		if k := core.KindOf(err); k == core.KindForbidden || k == core.KindUnauthenticated {
			return err
		}
		return g.renderArea(w, r, p, g.sh.Status(w, r, err), areaBody{Error: webkit.Message(err)})
	}
	webkit.Redirect(w, pathModeration+"?"+url.Values{"done": {"rescan started: " + itoa(rs.Total) + " versions to scan"}}.Encode())
	return nil
}

// findVersion opens the page of the version the area's form names: a
// moderator takes down a live version from there, which the held list
// does not show.
func (g *Pages) findVersion(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	if p.User == nil {
		webkit.SignInFirst(w, r)
		return nil
	}
	q := r.URL.Query()
	name, version := strings.TrimSpace(q.Get("package")), strings.TrimSpace(q.Get("version"))
	if name == "" || version == "" {
		return g.renderArea(w, r, p, http.StatusBadRequest, areaBody{Error: "name the package and the version to open, e.g. left-pad and 1.3.0"})
	}
	segs := strings.Split(name, "/")
	for i, seg := range segs {
		segs[i] = url.PathEscape(seg)
	}
	webkit.Redirect(w, VersionPath(strings.Join(segs, "/"), version))
	return nil
}

// splitVersion reads "<name>/v/<version>[/<action>]" (a scoped name has a
// slash of its own).
func splitVersion(rest string) (name, version, action string, ok bool) {
	i := strings.LastIndex(rest, "/v/")
	if i <= 0 {
		return "", "", "", false
	}
	name, tail := rest[:i], rest[i+len("/v/"):]
	version, action, _ = strings.Cut(tail, "/")
	return name, version, action, version != ""
}

type versionBody struct {
	Ev     *quarantine.Evidence
	Held   bool // quarantined (by the scan, by hand, or removed)
	Kind   string
	Done   string
	Error  string
	Action string // this page's path, for the forms
}

func (g *Pages) versionPage(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	if p.User == nil {
		webkit.SignInFirst(w, r)
		return nil
	}
	name, version, action, ok := splitVersion(r.PathValue("rest"))
	if !ok || action != "" {
		return core.Errorf(core.KindNotFound, "no such page: moderation pages are %s<name>/v/<version>", pathVersion)
	}
	return g.renderVersion(w, r, p, http.StatusOK, name, version, versionBody{Done: r.URL.Query().Get("done")})
}

func (g *Pages) renderVersion(w http.ResponseWriter, r *http.Request, p authz.Principal, status int, name, version string, b versionBody) error {
	ev, err := g.q.Evidence(r.Context(), p, name, version)
	if err != nil {
		if g.sh.StepUpRedirect(w, r, p, err) {
			return nil
		}
		return err
	}
	b.Ev, b.Held, b.Action = ev, ev.State == core.StateQuarantined, VersionPath(name, version)
	if ev.Hold != nil {
		b.Kind = string(ev.Hold.Kind)
	}
	return templates.Render(w, r, p, status, "version", webkit.Data{Title: name + "@" + version + " · Moderation", Body: b})
}

var done = map[string]string{
	"hold":    "held: served to no one until released",
	"release": "released: served again",
	"remove":  "removed: not served; restorable",
	"restore": "restored: served again",
	"confirm": "confirmed malicious: removed for good, its digests blocklisted",
}

func (g *Pages) versionAction(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	if p.User == nil {
		return webkit.NeedSignIn(r)
	}
	name, version, action, ok := splitVersion(r.PathValue("rest"))
	if !ok || done[action] == "" {
		return core.Errorf(core.KindNotFound, "no such form")
	}
	if err := webkit.ParseForm(w, r); err != nil {
		return err
	}
	why := strings.TrimSpace(r.PostForm.Get("reason"))
	ctx := r.Context()
	var out *quarantine.Outcome
	var err error
	switch action {
	case "hold":
		out, err = g.q.Hold(ctx, p, name, version, why)
	case "release":
		out, err = g.q.Release(ctx, p, name, version, why)
	case "remove":
		out, err = g.q.Remove(ctx, p, name, version, why)
	case "restore":
		out, err = g.q.Restore(ctx, p, name, version, why)
	case "confirm":
		out, err = g.q.Confirm(ctx, p, name, version, why, quarantine.ConfirmOptions{RevokeTokens: r.PostForm.Get("revoke_tokens") == "on"})
	}
	if err != nil {
		if g.sh.StepUpRedirect(w, r, p, err) {
			return nil
		}
		if k := core.KindOf(err); k == core.KindForbidden || k == core.KindUnauthenticated || k == core.KindNotFound {
			return err
		}
		return g.renderVersion(w, r, p, g.sh.Status(w, r, err), name, version, versionBody{Error: webkit.Message(err)})
	}
	msg := done[action]
	if out.Advisory != "" {
		msg += "; advisory " + out.Advisory + " published"
	}
	if out.Tag != "" {
		msg += "; dist-tag " + out.Tag + " points at it"
	}
	webkit.Redirect(w, VersionPath(name, version)+"?"+url.Values{"done": {msg}}.Encode())
	return nil
}

func itoa(n int) string { return webkit.FormatCount(int64(n)) }
