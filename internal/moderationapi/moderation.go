package moderationapi

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/quarantine"
)

func (h *Handler) moderationService() (*quarantine.Service, error) {
	if h.moderation == nil {
		return nil, core.Errorf(core.KindNotFound, "moderation is not available on this registry")
	}
	return h.moderation, nil
}

// maxModerationBody bounds a moderation request's JSON body: a reason
// and a flag.
const maxModerationBody = 16 << 10

type moderationBody struct {
	Reason       string `json:"reason"`
	RevokeTokens bool   `json:"revoke_tokens"`
	Package      string `json:"package"`
}

// readModeration reads a moderation body: anonymous callers are refused
// before it is read, and it is small.
func readModeration(r *http.Request, p authz.Principal) (moderationBody, error) {
	var b moderationBody
	if p.Anonymous() {
		return b, core.Errorf(core.KindUnauthenticated, "moderation needs you to be logged in: run `npm login` as a moderator")
	}
	if r.ContentLength > maxModerationBody {
		return b, core.Errorf(core.KindTooLarge, "the request body is over %d KiB", maxModerationBody>>10)
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, maxModerationBody+1))
	if err != nil {
		return b, core.Errorf(core.KindInvalid, "reading the request: %v", err)
	}
	if len(raw) > maxModerationBody {
		return b, core.Errorf(core.KindTooLarge, "the request body is over %d KiB", maxModerationBody>>10)
	}
	if len(raw) == 0 {
		return b, nil
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.DisallowUnknownFields()
	if err := d.Decode(&b); err != nil {
		return b, core.Errorf(core.KindInvalid, `the body must be JSON like {"reason": "why"}: %v`, err)
	}
	return b, nil
}

type heldJSON struct {
	Package     string `json:"package"`
	Version     string `json:"version"`
	Hold        string `json:"hold"`
	Reason      string `json:"reason"`
	HeldBy      string `json:"held_by"`
	HeldAt      string `json:"held_at,omitempty"`
	PublishedAt string `json:"published_at"`
	Findings    int    `json:"findings"`
	URL         string `json:"url"`
}

func jsTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

func serveModerationHeld(h *Handler, c *call) error {
	q, err := h.moderationService()
	if err != nil {
		return err
	}
	limit, offset := 100, 0
	if v, err := strconv.Atoi(c.r.URL.Query().Get("limit")); err == nil && v > 0 && v <= 500 {
		limit = v
	}
	if v, err := strconv.Atoi(c.r.URL.Query().Get("offset")); err == nil && v >= 0 {
		offset = v
	}
	list, total, err := q.HeldVersions(c.r.Context(), c.p, limit, offset)
	if err != nil {
		return err
	}
	out := struct {
		Total    int        `json:"total"`
		Versions []heldJSON `json:"versions"`
	}{Total: total, Versions: []heldJSON{}}
	for _, hv := range list {
		out.Versions = append(out.Versions, heldJSON{Package: hv.Ref.Name, Version: hv.Version, Hold: string(hv.Hold.Kind), Reason: hv.Hold.Reason,
			HeldBy: hv.Hold.By, HeldAt: jsTime(hv.Hold.At), PublishedAt: jsTime(hv.PublishedAt), Findings: hv.Findings, URL: q.VersionURL(hv.Ref.Name, hv.Version)})
	}
	return writeJSON(c.w, http.StatusOK, out)
}

func serveModerationEvidence(h *Handler, c *call) error {
	q, err := h.moderationService()
	if err != nil {
		return err
	}
	ev, err := q.Evidence(c.r.Context(), c.p, c.pkg, c.id)
	if err != nil {
		return err
	}
	out := map[string]any{
		"package": ev.Package, "version": ev.Version, "state": string(ev.State), "published_at": jsTime(ev.PublishedAt),
		"publisher": ev.Publisher, "integrity": ev.Integrity, "previous": ev.Previous, "url": q.VersionURL(ev.Package, ev.Version),
	}
	if ev.Hold != nil {
		out["hold"] = map[string]string{"kind": string(ev.Hold.Kind), "reason": ev.Hold.Reason, "by": ev.Hold.By, "at": jsTime(ev.Hold.At), "tag": ev.Hold.Tag}
	}
	fs := []map[string]string{}
	for _, f := range ev.Findings {
		fs = append(fs, map[string]string{"rule": f.Rule, "severity": f.Severity, "summary": f.Summary, "file": f.File, "excerpt": f.Excerpt})
	}
	out["findings"] = fs
	fps := []string{}
	for _, f := range ev.FalsePositives {
		fps = append(fps, f.Rule)
	}
	out["released_rules"] = fps
	files := []map[string]any{}
	for _, f := range ev.Files {
		files = append(files, map[string]any{"path": f.Path, "size": f.Size, "sha256": f.SHA256})
	}
	out["files"] = files
	diff := []map[string]any{}
	for _, d := range ev.Diff {
		diff = append(diff, map[string]any{"path": d.Path, "status": d.Status, "lines": d.Lines, "note": d.Note})
	}
	out["diff"] = diff
	return writeJSON(c.w, http.StatusOK, out)
}

// moderationAction is one of the actions on a version.
func moderationAction(action string) func(h *Handler, c *call) error {
	return func(h *Handler, c *call) error {
		q, err := h.moderationService()
		if err != nil {
			return err
		}
		b, err := readModeration(c.r, c.p)
		if err != nil {
			return err
		}
		ctx := c.r.Context()
		var out *quarantine.Outcome
		switch action {
		case "hold":
			out, err = q.Hold(ctx, c.p, c.pkg, c.id, b.Reason)
		case "release":
			out, err = q.Release(ctx, c.p, c.pkg, c.id, b.Reason)
		case "remove":
			out, err = q.Remove(ctx, c.p, c.pkg, c.id, b.Reason)
		case "restore":
			out, err = q.Restore(ctx, c.p, c.pkg, c.id, b.Reason)
		case "confirm":
			out, err = q.Confirm(ctx, c.p, c.pkg, c.id, b.Reason, quarantine.ConfirmOptions{RevokeTokens: b.RevokeTokens})
		}
		if err != nil {
			return err
		}
		return writeJSON(c.w, http.StatusOK, map[string]any{
			"package": out.Package, "version": out.Version, "state": string(out.State), "hold": string(out.Hold), "tag": out.Tag,
			"advisory": out.Advisory, "blocked": out.Blocked, "tokens_revoked": out.TokensRevoked,
		})
	}
}

func rescanJSON(r *core.Rescan) map[string]any {
	return map[string]any{"id": r.ID, "package": r.Package, "by": r.By, "state": r.State, "total": r.Total, "done": r.Done,
		"held": r.Held, "error": r.Error, "started_at": jsTime(r.StartedAt), "finished_at": jsTime(r.FinishedAt)}
}

func serveModerationRescan(h *Handler, c *call) error {
	q, err := h.moderationService()
	if err != nil {
		return err
	}
	b, err := readModeration(c.r, c.p)
	if err != nil {
		return err
	}
	r, err := q.StartRescan(c.r.Context(), c.p, b.Package)
	if err != nil {
		return err
	}
	return writeJSON(c.w, http.StatusAccepted, rescanJSON(r))
}

func serveModerationRescanStatus(h *Handler, c *call) error {
	q, err := h.moderationService()
	if err != nil {
		return err
	}
	r, err := q.RescanStatus(c.r.Context(), c.p)
	if err != nil {
		return err
	}
	return writeJSON(c.w, http.StatusOK, rescanJSON(r))
}
