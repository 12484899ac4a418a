package moderationapi

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/upstream"
)

// The moderation API for proxied versions the malware scan held
// (internal/upstream moderation.go), beside the one for local versions:
// the same caller, a moderator's npm login token with a one-time password
// on each request.

// Upstream is the proxy's side of moderation (upstream.Service).
type Upstream interface {
	HeldVersions(ctx context.Context, p authz.Principal, limit, offset int) ([]core.UpstreamHold, int, error)
	DecidedVersions(ctx context.Context, p authz.Principal, limit, offset int) ([]core.UpstreamHold, int, error)
	Evidence(ctx context.Context, p authz.Principal, name, version string) (*upstream.Evidence, error)
	ProxiedPackages(ctx context.Context, p authz.Principal, prefix string, limit, offset int) ([]upstream.Proxied, int, error)
	Release(ctx context.Context, p authz.Principal, name, version, why string) error
	Confirm(ctx context.Context, p authz.Principal, name, version, why string) (string, error)
}

var (
	upstreamHeld     = []endpoint{{http.MethodGet, "/-/rampart/v1/moderation/upstream/held", serveUpstreamHeld}}
	upstreamDecided  = []endpoint{{http.MethodGet, "/-/rampart/v1/moderation/upstream/decided", serveUpstreamDecided}}
	upstreamPackages = []endpoint{{http.MethodGet, "/-/rampart/v1/moderation/upstream/packages", serveUpstreamPackages}}
	upstreamEvidence = []endpoint{{http.MethodGet, "/-/rampart/v1/moderation/upstream/package/{pkg}/v/{id}", serveUpstreamEvidence}}
	upstreamActions  = map[string][]endpoint{
		"release": {{http.MethodPost, "/-/rampart/v1/moderation/upstream/package/{pkg}/v/{id}/release", upstreamModerationAction("release")}},
		"confirm": {{http.MethodPost, "/-/rampart/v1/moderation/upstream/package/{pkg}/v/{id}/confirm", upstreamModerationAction("confirm")}},
	}
)

// routeUpstream finds the endpoint for the segments after "upstream":
// "held", "decided", "packages", "package/<name...>/v/<version>" (the evidence), or
// that with "/<release|confirm>" after it; the method says which when a
// path could read either way.
func routeUpstream(method string, segs []string) (eps []endpoint, pkg, id string) {
	n := len(segs)
	isAction := n >= 5 && segs[0] == "package" && segs[n-3] == "v" && upstreamActions[segs[n-1]] != nil && validName(segs[1:n-3])
	isEvidence := n >= 4 && segs[0] == "package" && segs[n-2] == "v" && validName(segs[1:n-2])
	switch {
	case n == 1 && segs[0] == "held":
		return upstreamHeld, "", ""
	case n == 1 && segs[0] == "decided":
		return upstreamDecided, "", ""
	case n == 1 && segs[0] == "packages":
		return upstreamPackages, "", ""
	case isEvidence && (method == http.MethodGet || !isAction):
		return upstreamEvidence, joinName(segs[1 : n-2]), segs[n-1]
	case isAction:
		return upstreamActions[segs[n-1]], joinName(segs[1 : n-3]), segs[n-2]
	}
	return nil, "", ""
}

func (h *Handler) upstreamModeration() error {
	if h.cfg.Upstream == nil {
		return core.Errorf(core.KindNotFound, "this registry proxies no upstream registry")
	}
	return nil
}

// page is a list request's limit and offset (default 100, at most 500).
func page(r *http.Request) (limit, offset int) {
	limit = 100
	if v, err := strconv.Atoi(r.URL.Query().Get("limit")); err == nil && v > 0 && v <= 500 {
		limit = v
	}
	if v, err := strconv.Atoi(r.URL.Query().Get("offset")); err == nil && v >= 0 {
		offset = v
	}
	return limit, offset
}

// serveUpstreamHeld answers GET /-/rampart/v1/moderation/upstream/held.
func serveUpstreamHeld(h *Handler, c *call) error {
	if err := h.upstreamModeration(); err != nil {
		return err
	}
	limit, offset := page(c.r)
	list, total, err := h.cfg.Upstream.HeldVersions(c.r.Context(), c.p, limit, offset)
	if err != nil {
		return err
	}
	type held struct {
		Package   string          `json:"package"`
		Version   string          `json:"version"`
		Upstream  string          `json:"upstream"`
		Integrity string          `json:"integrity"`
		Reason    string          `json:"reason"`
		HeldAt    string          `json:"held_at"`
		Findings  json.RawMessage `json:"findings"`
	}
	out := struct {
		Total    int    `json:"total"`
		Versions []held `json:"versions"`
	}{Total: total, Versions: []held{}}
	for _, x := range list {
		out.Versions = append(out.Versions, held{Package: x.Ref.Name, Version: x.Version, Upstream: x.Upstream, Integrity: x.Integrity,
			Reason: x.Reason, HeldAt: jsTime(x.At), Findings: x.Findings})
	}
	return writeJSON(c.w, http.StatusOK, out)
}

// upstreamModerationAction answers POST
// /-/rampart/v1/moderation/upstream/package/<name>/v/<version>/<action>.
func upstreamModerationAction(action string) func(h *Handler, c *call) error {
	return func(h *Handler, c *call) error {
		if err := h.upstreamModeration(); err != nil {
			return err
		}
		b, err := readModeration(c.r, c.p)
		if err != nil {
			return err
		}
		ctx := c.r.Context()
		state, advisory := core.UpstreamReleased, ""
		switch action {
		case "release":
			err = h.cfg.Upstream.Release(ctx, c.p, c.pkg, c.id, b.Reason)
		case "confirm":
			state = core.UpstreamConfirmed
			advisory, err = h.cfg.Upstream.Confirm(ctx, c.p, c.pkg, c.id, b.Reason)
		}
		if err != nil {
			return err
		}
		return writeJSON(c.w, http.StatusOK, map[string]any{"package": c.pkg, "version": c.id, "state": state, "advisory": advisory})
	}
}

// decidedHold is a decided hold in the API's answers.
type decidedHold struct {
	Package   string          `json:"package"`
	Version   string          `json:"version"`
	Upstream  string          `json:"upstream"`
	Integrity string          `json:"integrity"`
	Reason    string          `json:"reason"`
	HeldAt    string          `json:"held_at"`
	State     string          `json:"state"`
	DecidedBy string          `json:"decided_by,omitempty"`
	DecidedAt string          `json:"decided_at,omitempty"`
	Decision  string          `json:"decision,omitempty"`
	Advisory  string          `json:"advisory,omitempty"`
	Findings  json.RawMessage `json:"findings,omitempty"`
}

func decidedOf(x core.UpstreamHold, findings bool) decidedHold {
	d := decidedHold{Package: x.Ref.Name, Version: x.Version, Upstream: x.Upstream, Integrity: x.Integrity, Reason: x.Reason, HeldAt: jsTime(x.At),
		State: x.State, DecidedBy: x.DecidedBy, DecidedAt: jsTime(x.DecidedAt), Decision: x.Decision, Advisory: x.Advisory}
	if findings && len(x.Findings) > 0 {
		d.Findings = x.Findings
	}
	return d
}

// serveUpstreamDecided answers GET
// /-/rampart/v1/moderation/upstream/decided: the released and confirmed
// proxied versions, the newest decision first.
func serveUpstreamDecided(h *Handler, c *call) error {
	if err := h.upstreamModeration(); err != nil {
		return err
	}
	limit, offset := page(c.r)
	list, total, err := h.cfg.Upstream.DecidedVersions(c.r.Context(), c.p, limit, offset)
	if err != nil {
		return err
	}
	out := struct {
		Total    int           `json:"total"`
		Versions []decidedHold `json:"versions"`
	}{Total: total, Versions: []decidedHold{}}
	for _, x := range list {
		out.Versions = append(out.Versions, decidedOf(x, false))
	}
	return writeJSON(c.w, http.StatusOK, out)
}

// serveUpstreamEvidence answers GET
// /-/rampart/v1/moderation/upstream/package/<name>/v/<version>: the hold
// in any state, its files and each finding in its file's context.
func serveUpstreamEvidence(h *Handler, c *call) error {
	if err := h.upstreamModeration(); err != nil {
		return err
	}
	ev, err := h.cfg.Upstream.Evidence(c.r.Context(), c.p, c.pkg, c.id)
	if err != nil {
		return err
	}
	type file struct {
		Path   string `json:"path"`
		Size   int64  `json:"size"`
		SHA256 string `json:"sha256"`
		Binary bool   `json:"binary,omitempty"`
	}
	type context struct {
		Rule  string   `json:"rule"`
		File  string   `json:"file"`
		First int      `json:"first_line,omitempty"`
		Lines []string `json:"lines,omitempty"`
		Match []int    `json:"match,omitempty"`
		Note  string   `json:"note,omitempty"`
	}
	out := struct {
		decidedHold
		Files      []file    `json:"files"`
		Contexts   []context `json:"contexts"`
		Unreadable string    `json:"unreadable,omitempty"`
	}{decidedHold: decidedOf(*ev.Hold, true), Files: []file{}, Contexts: []context{}, Unreadable: ev.Unreadable}
	for _, f := range ev.Files {
		out.Files = append(out.Files, file{f.Path, f.Size, f.SHA256, f.Binary})
	}
	for _, x := range ev.Contexts {
		out.Contexts = append(out.Contexts, context{x.Rule, x.File, x.First, x.Lines, x.Match, x.Note})
	}
	return writeJSON(c.w, http.StatusOK, out)
}

// maxPrefix bounds the name prefix of upstream/packages (npm names are
// at most 214 bytes).
const maxPrefix = 214

// serveUpstreamPackages answers GET
// /-/rampart/v1/moderation/upstream/packages?q=<prefix>: the proxied
// packages this registry served, by name, with their pins, complete
// downloads over upstream.UsageWindow and holds (the admin page's list).
func serveUpstreamPackages(h *Handler, c *call) error {
	if err := h.upstreamModeration(); err != nil {
		return err
	}
	prefix := c.r.URL.Query().Get("q")
	if len(prefix) > maxPrefix {
		return core.Errorf(core.KindInvalid, "the name prefix q is longer than a package name can be (%d bytes)", maxPrefix)
	}
	limit, offset := page(c.r)
	list, total, err := h.cfg.Upstream.ProxiedPackages(c.r.Context(), c.p, prefix, limit, offset)
	if err != nil {
		return err
	}
	type version struct {
		Version   string `json:"version"`
		Integrity string `json:"integrity"`
		FirstSeen string `json:"first_seen"`
		Downloads int64  `json:"downloads"`
		Total     int64  `json:"downloads_total"`
		Hold      string `json:"hold,omitempty"`
	}
	type pkg struct {
		Package   string    `json:"package"`
		Upstream  string    `json:"upstream"`
		Pinned    int       `json:"versions_pinned"`
		FirstSeen string    `json:"first_seen"`
		Downloads int64     `json:"downloads"`
		Holds     int       `json:"holds"`
		Held      int       `json:"held"`
		Versions  []version `json:"versions"`
	}
	out := struct {
		Total    int   `json:"total"`
		Days     int   `json:"downloads_days"`
		Packages []pkg `json:"packages"`
	}{Total: total, Days: int(upstream.UsageWindow.Hours() / 24), Packages: []pkg{}}
	for _, x := range list {
		p := pkg{Package: x.Ref.Name, Upstream: x.Upstream, Pinned: x.ProxiedPackage.Versions, FirstSeen: jsTime(x.FirstSeen),
			Downloads: x.Downloads, Holds: x.Holds, Held: x.Held, Versions: []version{}}
		for _, v := range x.Versions {
			p.Versions = append(p.Versions, version{v.Version, v.Integrity, jsTime(v.FirstSeen), v.Downloads, v.Total, v.Hold})
		}
		out.Packages = append(out.Packages, p)
	}
	return writeJSON(c.w, http.StatusOK, out)
}
