package moderationapi

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
)

// The moderation API for proxied versions the malware scan held
// (internal/upstream moderation.go), beside the one for local versions:
// the same caller, a moderator's npm login token with a one-time password
// on each request.

// Upstream is the proxy's side of moderation (upstream.Service).
type Upstream interface {
	HeldVersions(ctx context.Context, p authz.Principal, limit, offset int) ([]core.UpstreamHold, int, error)
	Release(ctx context.Context, p authz.Principal, name, version, why string) error
	Confirm(ctx context.Context, p authz.Principal, name, version, why string) (string, error)
}

var (
	upstreamHeld    = []endpoint{{http.MethodGet, "/-/rampart/v1/moderation/upstream/held", serveUpstreamHeld}}
	upstreamActions = map[string][]endpoint{
		"release": {{http.MethodPost, "/-/rampart/v1/moderation/upstream/package/{pkg}/v/{id}/release", upstreamModerationAction("release")}},
		"confirm": {{http.MethodPost, "/-/rampart/v1/moderation/upstream/package/{pkg}/v/{id}/confirm", upstreamModerationAction("confirm")}},
	}
)

// routeUpstream finds the endpoint for the segments after "upstream":
// "held", or "package/<name...>/v/<version>/<release|confirm>".
func routeUpstream(segs []string) (eps []endpoint, pkg, id string) {
	n := len(segs)
	switch {
	case n == 1 && segs[0] == "held":
		return upstreamHeld, "", ""
	case n >= 5 && segs[0] == "package" && segs[n-3] == "v" && upstreamActions[segs[n-1]] != nil && validName(segs[1:n-3]):
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

// serveUpstreamHeld answers GET /-/rampart/v1/moderation/upstream/held.
func serveUpstreamHeld(h *Handler, c *call) error {
	if err := h.upstreamModeration(); err != nil {
		return err
	}
	limit, offset := 100, 0
	if v, err := strconv.Atoi(c.r.URL.Query().Get("limit")); err == nil && v > 0 && v <= 500 {
		limit = v
	}
	if v, err := strconv.Atoi(c.r.URL.Query().Get("offset")); err == nil && v >= 0 {
		offset = v
	}
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
