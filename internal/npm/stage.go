package npm

import (
	"net/http"
	"strconv"
	"time"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/ecosystem"
	npmfmt "github.com/rampart/rampart/internal/ecosystem/npm"
	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/quote"
	"github.com/rampart/rampart/internal/stage"
)

// `npm stage` (npm-protocol.md §11.5): staged publishing's endpoints,
// translated to internal/stage. A staged version is the publish body of
// §3.2 POSTed to /-/stage/package/<name>, answered {"stageId": "<uuid>"}.

// WithStaging serves staged publishing through st; without it, its
// endpoints answer that it is not available.
func (h *Handler) WithStaging(st *stage.Service) *Handler {
	h.stage = st
	return h
}

// staging is the staged-publishing service, or the refusal of a
// registry without it.
func (h *Handler) staging() (*stage.Service, error) {
	if h.stage == nil {
		return nil, core.Errorf(core.KindNotFound, "staged publishing is not available on this registry")
	}
	return h.stage, nil
}

// stagePublish is `npm stage publish`: a publish through the same
// pipeline, admitted as a stage (no one-time password; the approval
// needs one), landing pending.
func (h *Handler) stagePublish(w http.ResponseWriter, r *http.Request, p authz.Principal, name string) error {
	if _, err := h.staging(); err != nil {
		return err
	}
	up, err := h.reg.BeginStage(r.Context(), p, name, r.ContentLength)
	if err != nil {
		return err
	}
	defer up.Close()
	spool, err := up.Scratch()
	if err != nil {
		return err
	}
	doc, err := h.readUpload(w, r, spool)
	if err != nil {
		return err
	}
	if !doc.IsPublish() {
		return core.Errorf(core.KindInvalid, "a staged publish needs the package's tarball in _attachments, as `npm stage publish` sends it; nothing to stage")
	}
	pub, err := up.Publish(r.Context(), func() (*ecosystem.Publish, error) {
		return npmfmt.ParsedUpload(doc, name, h.limits, spool)
	})
	if err != nil {
		return err
	}
	w.Header().Set("npm-notice", stagedNotice(pub.Name, pub.Version, pub.StageID, pub.StageReason))
	return writeJSON(w, http.StatusCreated, map[string]any{"ok": true, "stageId": pub.StageID, "id": pub.Name, "version": pub.Version})
}

// stagedNotice tells the publisher that a version was staged, and how to
// release it (npm prints it as `npm notice`).
func stagedNotice(name, version, id, reason string) string {
	return name + "@" + version + " was staged, awaiting approval (" + reason + "): nobody but its maintainers can install it until one of them runs `npm stage approve " + id + "` (with a one-time password), or rejects it with `npm stage reject " + id + "`"
}

// stageItem is a stage as `npm stage list` and `view` print it: the
// fields npm names (id, packageName, version, tag, createdAt, actor,
// actorType, shasum), then ours.
func stageItem(st *core.Stage) map[string]any {
	item := map[string]any{
		"id": st.ID, "packageName": st.Package, "version": st.Version, "tag": st.Tag,
		"createdAt": st.CreatedAt.UTC().Format(time.RFC3339), "actor": st.Actor, "actorType": st.ActorType,
		"shasum": st.Shasum, "integrity": st.Integrity, "status": string(st.Status), "reason": st.Reason,
		"expiresAt": st.ExpiresAt.UTC().Format(time.RFC3339),
	}
	if !st.DecidedAt.IsZero() {
		item["decidedAt"] = st.DecidedAt.UTC().Format(time.RFC3339)
		if st.DecidedBy != "" {
			item["decidedBy"] = st.DecidedBy
		}
	}
	return item
}

// stageList is `npm stage list [pkg]`: GET /-/stage?page=&perPage=&package=.
func (h *Handler) stageList(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	st, err := h.staging()
	if err != nil {
		return err
	}
	q := r.URL.Query()
	page, err := listNumber(q.Get("page"), "page", 0, 0, limits.MaxStagePage)
	if err != nil {
		return err
	}
	perPage, err := listNumber(q.Get("perPage"), "perPage", limits.MaxStagePerPage, 1, limits.MaxStagePerPage)
	if err != nil {
		return err
	}
	name := q.Get("package")
	if len(name) > limits.MaxNameLength {
		return core.Errorf(core.KindInvalid, "package %s…: no package has so long a name", quote.Untrusted(name[:64]))
	}
	list, total, err := st.List(r.Context(), p, name, page, perPage)
	if err != nil {
		return err
	}
	items := make([]map[string]any, 0, len(list))
	for i := range list {
		items = append(items, stageItem(&list[i]))
	}
	return writeJSON(w, http.StatusOK, map[string]any{"items": items, "total": total})
}

// listNumber reads a whole-number parameter of `npm stage list` between
// lo and hi; empty means def.
func listNumber(raw, name string, def, lo, hi int) (int, error) {
	if raw == "" {
		return def, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < lo || n > hi {
		return 0, core.Errorf(core.KindInvalid, "stage list parameter %s must be a whole number from %d to %d, not %s", name, lo, hi, quote.Untrusted(raw))
	}
	return n, nil
}

// stageView is `npm stage view <id>`.
func (h *Handler) stageView(w http.ResponseWriter, r *http.Request, p authz.Principal, id string) error {
	st, err := h.staging()
	if err != nil {
		return err
	}
	s, err := st.Get(r.Context(), p, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, stageItem(s))
}

// stageTarball is `npm stage download <id>`: the staged tarball's bytes.
func (h *Handler) stageTarball(w http.ResponseWriter, r *http.Request, p authz.Principal, id string) error {
	st, err := h.staging()
	if err != nil {
		return err
	}
	f, size, s, err := st.Tarball(r.Context(), p, id)
	if err != nil {
		return err
	}
	defer f.Close()
	hdr := w.Header()
	hdr.Set("Content-Type", "application/octet-stream")
	// A maintainer's view of an unreleased file: no shared cache keeps it.
	hdr.Set("Cache-Control", "private, no-store")
	hdr.Set("Content-Length", strconv.FormatInt(size, 10))
	hdr.Set("ETag", `"`+s.Integrity+`"`)
	http.ServeContent(w, r, s.Version+".tgz", s.CreatedAt, f)
	return nil
}

// stageApprove is `npm stage approve <id>`: the version goes live and its
// tag moves. npm sends the one-time password (it prompts on 401 OTP).
func (h *Handler) stageApprove(w http.ResponseWriter, r *http.Request, p authz.Principal, id string) error {
	st, err := h.staging()
	if err != nil {
		return err
	}
	s, err := st.Approve(r.Context(), p, id)
	if err != nil {
		return err
	}
	item := stageItem(s)
	item["ok"] = true
	return writeJSON(w, http.StatusOK, item)
}

// stageReject is `npm stage reject <id>`: the version is discarded, its
// number used for good.
func (h *Handler) stageReject(w http.ResponseWriter, r *http.Request, p authz.Principal, id string) error {
	st, err := h.staging()
	if err != nil {
		return err
	}
	if _, err := st.Reject(r.Context(), p, id); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"ok": true})
}
