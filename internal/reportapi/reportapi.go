// Package reportapi is the JSON API of reports and moderation
// (docs/reports.md): filing a report (POST /-/rampart/v1/reports, any
// signed-in user's token) and the moderation queue
// (/-/rampart/v1/moderation/reports...). It translates only:
// internal/report checks, decides and records. Bodies are bounded
// (limits.MaxReportBodyBytes, refused unread when declared larger) and
// parsed strictly (no unknown or repeated keys); a caller who may not
// act is refused before its body is read.
package reportapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/clientaddr"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/httperr"
	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/quote"
	"github.com/rampart/rampart/internal/report"
)

// The paths the server's mux mounts the handler at.
const (
	PathReports    = "/-/rampart/v1/reports"
	PathModeration = "/-/rampart/v1/moderation/reports"
)

// Authenticator turns a bearer token into a principal (authn).
type Authenticator func(ctx context.Context, token string, addr netip.Addr) (authz.Principal, error)

// Handler serves the API.
type Handler struct {
	svc  *report.Service
	auth Authenticator
	log  *slog.Logger
}

// New returns the API's handler.
func New(svc *report.Service, auth Authenticator, log *slog.Logger) *Handler {
	return &Handler{svc: svc, auth: auth, log: log}
}

// ServeHTTP routes by path and method.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := h.serve(w, r); err != nil {
		httperr.WriteJSON(w, r, h.log, err)
	}
}

func (h *Handler) serve(w http.ResponseWriter, r *http.Request) error {
	path := r.URL.Path
	if path == PathReports {
		if r.Method != http.MethodPost {
			return wrongMethod(r, http.MethodPost)
		}
		return h.file(w, r)
	}
	rest, ok := strings.CutPrefix(path, PathModeration)
	if !ok {
		return core.Errorf(core.KindNotFound, "no such endpoint %s", quote.Untrusted(path))
	}
	rest = strings.Trim(rest, "/")
	if rest == "" {
		if r.Method != http.MethodGet {
			return wrongMethod(r, http.MethodGet)
		}
		return h.list(w, r)
	}
	idText, action, _ := strings.Cut(rest, "/")
	id, err := strconv.ParseInt(idText, 10, 64)
	if err != nil || id <= 0 || strings.Contains(action, "/") {
		return core.Errorf(core.KindNotFound, "no such endpoint %s: a report is /-/rampart/v1/moderation/reports/<number>", quote.Untrusted(path))
	}
	switch action {
	case "":
		if r.Method != http.MethodGet {
			return wrongMethod(r, http.MethodGet)
		}
		return h.item(w, r, id)
	case "reply", "close":
		if r.Method != http.MethodPost {
			return wrongMethod(r, http.MethodPost)
		}
		if action == "reply" {
			return h.reply(w, r, id)
		}
		return h.close(w, r, id)
	}
	return core.Errorf(core.KindNotFound, "no such endpoint %s: a report takes reply and close", quote.Untrusted(path))
}

func wrongMethod(r *http.Request, allow string) error {
	return core.WrongMethod([]string{allow}, "%s takes only %s, not %s", quote.Untrusted(r.URL.Path), allow, quote.Untrusted(r.Method))
}

// principal authenticates the bearer token; none is anonymous.
func (h *Handler) principal(r *http.Request) (authz.Principal, error) {
	addr := clientaddr.Of(r)
	scheme, value, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	switch {
	case scheme == "":
		return authz.Principal{Addr: addr}, nil
	case strings.EqualFold(scheme, "bearer"):
		return h.auth(r.Context(), strings.TrimSpace(value), addr)
	}
	return authz.Principal{Addr: addr}, core.Errorf(core.KindUnauthenticated, "send your token as Authorization: Bearer <token> (the token of `npm login`, from ~/.npmrc)")
}

// readBody reads a bounded JSON body strictly into v.
func readBody(w http.ResponseWriter, r *http.Request, v any) error {
	if r.ContentLength > limits.MaxReportBodyBytes {
		return tooLarge()
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limits.MaxReportBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		var ce *core.Error
		switch {
		case errors.As(err, &mbe):
			return tooLarge()
		case errors.As(err, &ce):
			return err
		}
		return core.Errorf(core.KindInvalid, "the request's body could not be read: %v", err)
	}
	return decodeStrict(body, v)
}

func tooLarge() error {
	return core.Errorf(core.KindTooLarge, "the request body is larger than this registry's limit of %d bytes for reports; shorten the description (at most %d bytes)",
		limits.MaxReportBodyBytes, limits.MaxReportDescriptionBytes)
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	return json.NewEncoder(w).Encode(v)
}

// fileRequest is the body of POST /-/rampart/v1/reports.
type fileRequest struct {
	Package     string `json:"package"`
	Version     string `json:"version"`
	Reason      string `json:"reason"`
	Description string `json:"description"`
}

// FileResponse is the answer to a report.
type FileResponse struct {
	ID        int64  `json:"id"`   // the report
	Item      int64  `json:"item"` // the queue item it is on
	Package   string `json:"package"`
	Version   string `json:"version,omitempty"`
	Reason    string `json:"reason"`
	Updated   bool   `json:"updated"`   // an earlier report of yours on it was changed
	Reporters int    `json:"reporters"` // how many users reported it, you included
	Message   string `json:"message"`   // what happens next
}

func (h *Handler) file(w http.ResponseWriter, r *http.Request) error {
	p, err := h.principal(r)
	if err != nil {
		return err
	}
	if p.Anonymous() {
		return core.Errorf(core.KindUnauthenticated, "sign in to report a package: send your token as Authorization: Bearer <token> (run `npm login` to get one)")
	}
	var req fileRequest
	if err := readBody(w, r, &req); err != nil {
		return err
	}
	f, err := h.svc.File(r.Context(), p, report.Filing{Name: req.Package, Version: req.Version, Category: core.ReportCategory(req.Reason), Description: req.Description})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, FileResponse{ID: f.Report.ID, Item: f.Item.ID, Package: f.Item.Ref.Name, Version: f.Item.Version,
		Reason: string(f.Report.Category), Updated: f.Updated, Reporters: f.Item.Count, Message: report.NextSteps(f)})
}

// ItemJSON is a queue item as the API lists it.
type ItemJSON struct {
	ID          int64    `json:"id"`
	Package     string   `json:"package"`
	Version     string   `json:"version,omitempty"`
	State       string   `json:"state"`
	Reporters   int      `json:"reporters"`
	Reasons     []string `json:"reasons,omitempty"`
	FirstAt     string   `json:"firstReportedAt"`
	LastAt      string   `json:"lastReportedAt"`
	ClosedAt    string   `json:"closedAt,omitempty"`
	ClosedBy    string   `json:"closedBy,omitempty"`
	ClosingNote string   `json:"closingNote,omitempty"`
	URL         string   `json:"url"` // the item's page in the web UI
}

// ReportJSON is one report on an item.
type ReportJSON struct {
	ID          int64  `json:"id"`
	Reporter    string `json:"reporter"`
	Reason      string `json:"reason"`
	Description string `json:"description"`
	CreatedAt   string `json:"createdAt"`
	UpdatedAt   string `json:"updatedAt"`
}

// ReplyJSON is a moderator's reply on an item.
type ReplyJSON struct {
	By   string `json:"by"`
	Text string `json:"text"`
	At   string `json:"at"`
}

// ItemDetail is one item with its reports and replies.
type ItemDetail struct {
	ItemJSON
	Reports []ReportJSON `json:"reports"`
	Replies []ReplyJSON  `json:"replies"`
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

func (h *Handler) itemJSON(it core.ReportItem) ItemJSON {
	return ItemJSON{ID: it.ID, Package: it.Ref.Name, Version: it.Version, State: string(it.State), Reporters: it.Count,
		FirstAt: stamp(it.FirstAt), LastAt: stamp(it.LastAt), ClosedAt: stamp(it.ClosedAt), ClosedBy: it.ClosedBy, ClosingNote: it.ClosingNote,
		URL: h.svc.ItemURL(it.ID)}
}

func (h *Handler) list(w http.ResponseWriter, r *http.Request) error {
	p, err := h.principal(r)
	if err != nil {
		return err
	}
	state := core.ReportState(r.URL.Query().Get("state"))
	items, err := h.svc.Overview(r.Context(), p, state)
	if err != nil {
		return err
	}
	out := struct {
		Items []ItemJSON `json:"items"`
	}{Items: []ItemJSON{}}
	for _, v := range items {
		j := h.itemJSON(v.Item)
		for _, c := range v.Categories() {
			j.Reasons = append(j.Reasons, string(c))
		}
		out.Items = append(out.Items, j)
	}
	return writeJSON(w, http.StatusOK, out)
}

func (h *Handler) item(w http.ResponseWriter, r *http.Request, id int64) error {
	p, err := h.principal(r)
	if err != nil {
		return err
	}
	return h.writeItem(w, r, p, id, http.StatusOK)
}

func (h *Handler) writeItem(w http.ResponseWriter, r *http.Request, p authz.Principal, id int64, status int) error {
	v, err := h.svc.Item(r.Context(), p, id)
	if err != nil {
		return err
	}
	out := ItemDetail{ItemJSON: h.itemJSON(v.Item), Reports: []ReportJSON{}, Replies: []ReplyJSON{}}
	for _, rp := range v.Reports {
		out.Reports = append(out.Reports, ReportJSON{ID: rp.ID, Reporter: rp.Reporter, Reason: string(rp.Category), Description: rp.Description,
			CreatedAt: stamp(rp.CreatedAt), UpdatedAt: stamp(rp.UpdatedAt)})
	}
	for _, c := range v.Categories() {
		out.Reasons = append(out.Reasons, string(c))
	}
	for _, rp := range v.Replies {
		out.Replies = append(out.Replies, ReplyJSON{By: rp.By, Text: rp.Text, At: stamp(rp.At)})
	}
	return writeJSON(w, status, out)
}

// moderator authenticates a moderation request and refuses a caller who
// may not moderate before its body is read.
func (h *Handler) moderator(r *http.Request) (authz.Principal, error) {
	p, err := h.principal(r)
	if err != nil {
		return p, err
	}
	return p, report.MayModerate(p)
}

func (h *Handler) reply(w http.ResponseWriter, r *http.Request, id int64) error {
	p, err := h.moderator(r)
	if err != nil {
		return err
	}
	var req struct {
		Message string `json:"message"`
	}
	if err := readBody(w, r, &req); err != nil {
		return err
	}
	if err := h.svc.Reply(r.Context(), p, id, req.Message); err != nil {
		return err
	}
	return h.writeItem(w, r, p, id, http.StatusOK)
}

func (h *Handler) close(w http.ResponseWriter, r *http.Request, id int64) error {
	p, err := h.moderator(r)
	if err != nil {
		return err
	}
	var req struct {
		Outcome string `json:"outcome"`
		Message string `json:"message"`
	}
	if err := readBody(w, r, &req); err != nil {
		return err
	}
	if err := h.svc.Close(r.Context(), p, id, core.ReportState(req.Outcome), req.Message); err != nil {
		return err
	}
	return h.writeItem(w, r, p, id, http.StatusOK)
}
