package npm

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/rampart/rampart/internal/core"
)

// The moderation API for proxied versions the malware scan held
// (internal/upstream moderation.go), beside the one for local versions:
// a moderator's npm login token with a one-time password on each
// request, as there.

func (h *Handler) upstreamModeration() error {
	if h.up == nil {
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
	list, total, err := h.up.HeldVersions(c.r.Context(), c.p, limit, offset)
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
			err = h.up.Release(ctx, c.p, c.pkg, c.id, b.Reason)
		case "confirm":
			state = core.UpstreamConfirmed
			advisory, err = h.up.Confirm(ctx, c.p, c.pkg, c.id, b.Reason)
		}
		if err != nil {
			return err
		}
		return writeJSON(c.w, http.StatusOK, map[string]any{"package": c.pkg, "version": c.id, "state": state, "advisory": advisory})
	}
}
