package quarantinepages

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/upstream"
	"github.com/rampart/rampart/internal/web/webkit"
)

// The moderation of proxied versions the malware scan held on their first
// download from an upstream registry (internal/upstream moderation.go):
// listed in the area beside the local ones, each with its evidence page
// /moderation/upstream/package/<name>/v/<version> (the findings stored
// with the hold, the upstream and the integrity of the bytes scanned) and
// the buttons Release and Confirm. The upstream service decides each
// action as a local version's (authz.Moderate; a fresh second factor to
// confirm, asked for through the shell's step-up redirect).

const pathUpstream = pathModeration + "/upstream/package/"

// Upstream is the proxy's side of moderation (upstream.Service).
type Upstream interface {
	HeldVersions(ctx context.Context, p authz.Principal, limit, offset int) ([]core.UpstreamHold, int, error)
	Hold(ctx context.Context, p authz.Principal, name, version string) (*core.UpstreamHold, error)
	Evidence(ctx context.Context, p authz.Principal, name, version string) (*upstream.Evidence, error)
	DecidedVersions(ctx context.Context, p authz.Principal, limit, offset int) ([]core.UpstreamHold, int, error)
	Release(ctx context.Context, p authz.Principal, name, version, why string) error
	Confirm(ctx context.Context, p authz.Principal, name, version, why string) (string, error)
}

// WithUpstream adds the moderation of proxied versions (a registry that
// proxies an upstream) and returns g.
func (g *Pages) WithUpstream(u Upstream) *Pages {
	g.up = u
	return g
}

// UpstreamPath is the evidence page of the proxied name@version.
func UpstreamPath(name, version string) string {
	segs := strings.Split(name, "/")
	for i, seg := range segs {
		segs[i] = url.PathEscape(seg)
	}
	return pathUpstream + strings.Join(segs, "/") + "/v/" + url.PathEscape(version)
}

func (g *Pages) mountUpstream(sh webkit.Shell) {
	if g.up == nil {
		return
	}
	sh.Handle("GET "+pathUpstream+"{rest...}", g.upstreamPage)
	sh.Handle("POST "+pathUpstream+"{rest...}", g.upstreamAction)
	sh.Handle("GET "+pathUpstreamDecided, g.upstreamDecidedPage)
}

type upstreamRow struct {
	core.UpstreamHold
	URL string
}

// upstreamHeld lists the held proxied versions for the area (none
// without a proxy).
func (g *Pages) upstreamHeld(r *http.Request, p authz.Principal) ([]upstreamRow, int, error) {
	if g.up == nil {
		return nil, 0, nil
	}
	list, total, err := g.up.HeldVersions(r.Context(), p, heldPerPage, 0)
	if err != nil {
		return nil, 0, err
	}
	rows := make([]upstreamRow, 0, len(list))
	for _, h := range list {
		rows = append(rows, upstreamRow{UpstreamHold: h, URL: UpstreamPath(h.Ref.Name, h.Version)})
	}
	return rows, total, nil
}

type upstreamBody struct {
	Hold     *core.UpstreamHold
	Findings []core.ScanFinding
	// Evidence is the files and each finding in its file (evidence.go in
	// internal/upstream).
	Evidence *upstream.Evidence
	Held     bool
	Done     string
	Error    string
	Action   string // this page's path, for the forms
}

func (g *Pages) upstreamPage(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	if p.User == nil {
		webkit.SignInFirst(w, r)
		return nil
	}
	name, version, action, ok := splitVersion(r.PathValue("rest"))
	if !ok || action != "" {
		return core.Errorf(core.KindNotFound, "no such page: the pages of held proxied versions are %s<name>/v/<version>", pathUpstream)
	}
	return g.renderUpstream(w, r, p, http.StatusOK, name, version, upstreamBody{Done: r.URL.Query().Get("done")})
}

func (g *Pages) renderUpstream(w http.ResponseWriter, r *http.Request, p authz.Principal, status int, name, version string, b upstreamBody) error {
	ev, err := g.up.Evidence(r.Context(), p, name, version)
	if err != nil {
		if g.sh.StepUpRedirect(w, r, p, err) {
			return nil
		}
		return err
	}
	h := ev.Hold
	b.Hold, b.Held, b.Action, b.Findings, b.Evidence = h, h.State == core.UpstreamHeld, UpstreamPath(name, version), ev.Findings, ev
	return templates.Render(w, r, p, status, "upstream", webkit.Data{Title: name + "@" + version + " (proxied) · Moderation", Body: b})
}

func (g *Pages) upstreamAction(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	if p.User == nil {
		return webkit.NeedSignIn(r)
	}
	name, version, action, ok := splitVersion(r.PathValue("rest"))
	if !ok || (action != "release" && action != "confirm") {
		return core.Errorf(core.KindNotFound, "no such form")
	}
	if err := webkit.ParseForm(w, r); err != nil {
		return err
	}
	why := strings.TrimSpace(r.PostForm.Get("reason"))
	var msg string
	var err error
	switch action {
	case "release":
		if err = g.up.Release(r.Context(), p, name, version, why); err == nil {
			msg = "released: served again through this registry, never scanned again for these bytes"
		}
	case "confirm":
		var id string
		if id, err = g.up.Confirm(r.Context(), p, name, version, why); err == nil {
			msg = "confirmed malicious: never served"
			if id != "" {
				msg += "; advisory " + id + " published"
			}
		}
	}
	if err != nil {
		if g.sh.StepUpRedirect(w, r, p, err) {
			return nil
		}
		if k := core.KindOf(err); k == core.KindForbidden || k == core.KindUnauthenticated || k == core.KindNotFound {
			return err
		}
		return g.renderUpstream(w, r, p, g.sh.Status(w, r, err), name, version, upstreamBody{Error: webkit.Message(err)})
	}
	webkit.Redirect(w, UpstreamPath(name, version)+"?"+url.Values{"done": {msg}}.Encode())
	return nil
}
