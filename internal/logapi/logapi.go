// Package logapi is the HTTP front-end of the transparency log
// (internal/tlog), under /-/log/:
//
//	GET /-/log/checkpoint            the latest signed checkpoint (C2SP tlog-checkpoint, signed-note)
//	GET /-/log/tile/...              tiles and entry bundles (C2SP tlog-tiles), static files
//	GET /-/log/key                   the note verifier keys of the checkpoints, current first
//	GET /-/log/lookup/<name>@<ver>   the leaf indexes of a version's events (a
//	                                 private package's only to a caller who may
//	                                 read it, with the openings of its sealed leaves)
//	GET /-/log/lookup/event/<seq>    the leaf index of an event
//	GET /-/log/feed?after=N&limit=M  the public events after event N, read from the log
//
// It translates only: who may see a private package's entries is
// decided by tlog.LookupFor with the registry's read decision (Access).
// The static files are served from the log's folder
// through an os.Root, and only under checkpoint and tile/ (never
// Tessera's .state folder).
package logapi

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"net/netip"
	"os"
	"strconv"
	"strings"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/clientaddr"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/httperr"
	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/quote"
	"github.com/rampart/rampart/internal/tlog"
)

// Prefix is the path the log is served under, for the server's mux.
const Prefix = "/-/log/"

// Cache lifetimes: a full tile or bundle never changes; a partial one
// never changes either but is deleted once its full tile exists; the
// checkpoint changes with every batch.
const (
	cacheImmutable  = "public, max-age=31536000, immutable"
	cachePartial    = "public, max-age=3600"
	cacheCheckpoint = "public, max-age=1, must-revalidate"
)

// Handler serves the log.
type Handler struct {
	log    *tlog.Log
	root   fs.FS
	lg     *slog.Logger
	access Access
}

// Access is how the lookup learns who asks and what they may read. Its
// zero value treats every caller as anonymous and opens nothing.
type Access struct {
	// Authenticate turns a bearer token into its principal.
	Authenticate func(ctx context.Context, token string, addr netip.Addr) (authz.Principal, error)
	// Readable is the registry's read decision on a package.
	Readable tlog.ReadCheck
}

// New returns the handler of l, whose files are in dir (tlog.LogDir).
func New(l *tlog.Log, dir string, access Access, lg *slog.Logger) (*Handler, error) {
	if lg == nil {
		lg = slog.Default()
	}
	r, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	return &Handler{log: l, root: r.FS(), lg: lg, access: access}, nil
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		httperr.WriteJSON(w, r, h.lg, core.WrongMethod([]string{http.MethodGet, http.MethodHead}, "%s takes only GET, not %s",
			quote.Untrusted(r.URL.Path), quote.Untrusted(r.Method)))
		return
	}
	rest := strings.TrimPrefix(r.URL.Path, Prefix)
	switch {
	case rest == "checkpoint":
		h.file(w, r, "checkpoint", cacheCheckpoint, "text/plain; charset=utf-8")
	case strings.HasPrefix(rest, "tile/"):
		if !cleanTilePath(rest) {
			h.notFound(w, r)
			return
		}
		cache := cacheImmutable
		if strings.Contains(rest, ".p/") {
			cache = cachePartial
		}
		h.file(w, r, rest, cache, "application/octet-stream")
	case rest == "key":
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "public, max-age=300")
		for _, k := range h.log.VerifierKeys() {
			w.Write([]byte(k + "\n"))
		}
	case strings.HasPrefix(rest, "lookup/event/"):
		h.lookupEvent(w, r, strings.TrimPrefix(rest, "lookup/event/"))
	case strings.HasPrefix(rest, "lookup/"):
		h.lookup(w, r, strings.TrimPrefix(rest, "lookup/"))
	case rest == "feed":
		h.feed(w, r)
	default:
		h.notFound(w, r)
	}
}

// cleanTilePath accepts tile/... paths made of the characters the
// tlog-tiles layout uses, with no empty, "." or ".." segment and no
// segment starting with a dot.
func cleanTilePath(p string) bool {
	for seg := range strings.SplitSeq(p, "/") {
		if seg == "" || seg[0] == '.' {
			return false
		}
		for _, c := range seg {
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c == '.') {
				return false
			}
		}
	}
	return true
}

func (h *Handler) file(w http.ResponseWriter, r *http.Request, name, cache, ctype string) {
	b, err := fs.ReadFile(h.root, name)
	if errors.Is(err, fs.ErrNotExist) {
		h.notFound(w, r)
		return
	}
	if err != nil {
		httperr.WriteJSON(w, r, h.lg, err)
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Cache-Control", cache)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	if r.Method == http.MethodHead {
		return
	}
	w.Write(b)
}

func (h *Handler) notFound(w http.ResponseWriter, r *http.Request) {
	httperr.WriteJSON(w, r, h.lg, core.Errorf(core.KindNotFound, "%s is not a file of the transparency log; see docs/transparency-log.md for its layout", quote.Untrusted(r.URL.Path)))
}

// lookupBody is the lookup endpoints' answer.
type lookupBody struct {
	Name    string         `json:"name,omitempty"`
	Version string         `json:"version,omitempty"`
	Size    uint64         `json:"tree_size"` // of the checkpoint the entries are in
	Entries []tlog.Located `json:"entries"`
}

func (h *Handler) lookup(w http.ResponseWriter, r *http.Request, ref string) {
	at := strings.LastIndex(ref, "@")
	if at <= 0 || at == len(ref)-1 {
		httperr.WriteJSON(w, r, h.lg, core.Errorf(core.KindInvalid, "look up name@version, e.g. /-/log/lookup/left-pad@1.3.0, not %s", quote.Untrusted(ref)))
		return
	}
	name, version := ref[:at], ref[at+1:]
	p, err := h.principal(r)
	if err != nil {
		httperr.WriteJSON(w, r, h.lg, err)
		return
	}
	found, size, err := h.log.LookupFor(r.Context(), h.access.Readable, p, name, version)
	if err != nil {
		httperr.WriteJSON(w, r, h.lg, err)
		return
	}
	// The answer depends on the caller: no shared cache keeps it.
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("Vary", "Authorization")
	if len(found) == 0 {
		// One answer for a name never logged, a private package the caller
		// may not read, and a version with no entry yet: no oracle.
		httperr.WriteJSON(w, r, h.lg, core.Errorf(core.KindNotFound,
			"the transparency log has no entry about %s@%s that you may see: if it is a private package, send a token of an account that may read it (npm login)",
			quote.Untrusted(name), quote.Untrusted(version)))
		return
	}
	writeJSON(w, lookupBody{Name: name, Version: version, Size: size, Entries: found})
}

// principal is the caller of a bearer token, else anonymous; a token
// that does not authenticate is refused (as npm's own front-end does).
func (h *Handler) principal(r *http.Request) (authz.Principal, error) {
	addr := clientaddr.Of(r)
	auth := r.Header.Get("Authorization")
	if auth == "" || h.access.Authenticate == nil {
		return authz.Principal{Addr: addr}, nil
	}
	scheme, value, _ := strings.Cut(auth, " ")
	if !strings.EqualFold(scheme, "bearer") {
		return authz.Principal{}, core.Errorf(core.KindUnauthenticated, "send your token as Authorization: Bearer <token> (the token of `npm login`, from ~/.npmrc)")
	}
	return h.access.Authenticate(r.Context(), strings.TrimSpace(value), addr)
}

func (h *Handler) lookupEvent(w http.ResponseWriter, r *http.Request, s string) {
	seq, err := strconv.ParseInt(s, 10, 64)
	if err != nil || seq < 1 {
		httperr.WriteJSON(w, r, h.lg, core.Errorf(core.KindInvalid, "an event is named by its sequence number, 1 or more, not %s", quote.Untrusted(s)))
		return
	}
	_, cp, err := h.log.Checkpoint(r.Context())
	if err != nil {
		httperr.WriteJSON(w, r, h.lg, err)
		return
	}
	if uint64(seq) > cp.Size {
		httperr.WriteJSON(w, r, h.lg, core.Errorf(core.KindNotFound, "event %d is not in the log's latest checkpoint (size %d) yet", seq, cp.Size))
		return
	}
	writeJSON(w, lookupBody{Size: cp.Size, Entries: []tlog.Located{{Index: uint64(seq - 1), Seq: seq}}})
}

// feedBody is one page of the changes feed.
type feedBody struct {
	Entries []tlog.FeedItem `json:"entries"`
	Next    uint64          `json:"next"`      // the after= of the next page
	Size    uint64          `json:"tree_size"` // of the checkpoint the page was read within
}

func (h *Handler) feed(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	after, limit := uint64(0), limits.LogFeedDefault
	if s := q.Get("after"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			httperr.WriteJSON(w, r, h.lg, core.Errorf(core.KindInvalid, "after is the sequence number of the last event you have (0 for the start), not %s", quote.Untrusted(s)))
			return
		}
		after = n
	}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > limits.LogFeedPage {
			httperr.WriteJSON(w, r, h.lg, core.Errorf(core.KindInvalid, "limit is a number from 1 to %d, not %s", limits.LogFeedPage, quote.Untrusted(s)))
			return
		}
		limit = n
	}
	items, size, err := h.log.Feed(r.Context(), after, limit)
	if err != nil {
		httperr.WriteJSON(w, r, h.lg, err)
		return
	}
	if items == nil {
		items = []tlog.FeedItem{}
	}
	next := after
	if len(items) > 0 {
		next = items[len(items)-1].Index + 1
	}
	w.Header().Set("Cache-Control", "no-cache")
	writeJSON(w, feedBody{Entries: items, Next: next, Size: size})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	if w.Header().Get("Cache-Control") == "" {
		w.Header().Set("Cache-Control", "public, max-age=1")
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}
