// Package moderationapi is the JSON API of the moderators' actions on
// versions (/-/rampart/v1/moderation/..., docs/moderation.md): the list of
// held versions, a version's evidence, hold, release, remove, restore and
// confirm, and rescans. Its caller is a moderator's `npm login` token with
// a one-time password (npm-otp) on every request (authz.Moderate). It
// translates only: internal/quarantine decides. The reports' queue under
// the same prefix is internal/reportapi's (the server's mux gives it the
// more specific /-/rampart/v1/moderation/reports).
package moderationapi

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/clientaddr"
	"github.com/rampart/rampart/internal/core"
	npmfmt "github.com/rampart/rampart/internal/ecosystem/npm"
	"github.com/rampart/rampart/internal/httperr"
	"github.com/rampart/rampart/internal/quarantine"
	"github.com/rampart/rampart/internal/quote"
	"github.com/rampart/rampart/internal/reqinfo"
)

// Prefix is the path the server's mux mounts the handler at.
const Prefix = "/-/rampart/v1/moderation/"

// otpHeader carries the one-time password, as npm sends it (--otp).
const otpHeader = "Npm-Otp"

// Config is what the handler needs from the account services, injected by
// the composition root.
type Config struct {
	// Authenticate turns a bearer token into a principal (authn).
	Authenticate func(ctx context.Context, token string, addr netip.Addr) (authz.Principal, error)
	// WithOTP attaches the request's one-time password, unchecked: it is
	// spent only when authz decides the action needs it
	// (secondfactor.WithOTP).
	WithOTP func(ctx context.Context, p authz.Principal, otp string) authz.Principal
	// Challenge answers a refusal for want of a one-time password from an
	// account that has only security keys with npm's web OTP challenge,
	// and reports whether it did (npm.Handler.WebOTP); nil: never.
	Challenge func(w http.ResponseWriter, r *http.Request, p authz.Principal, err error) bool
	// Upstream is the proxy's moderation of the proxied versions its scan
	// held (upstream.go); nil: the registry proxies nothing.
	Upstream Upstream
}

// Handler serves the API.
type Handler struct {
	moderation *quarantine.Service
	cfg        Config
	log        *slog.Logger
}

// New returns the API's handler; q nil answers every request "not
// available".
func New(q *quarantine.Service, cfg Config, log *slog.Logger) *Handler {
	return &Handler{moderation: q, cfg: cfg, log: log}
}

// call is a request on its way to an endpoint: the response, the
// request, who sent it, the package and version its path names.
type call struct {
	w       http.ResponseWriter
	r       *http.Request
	p       authz.Principal
	pkg, id string
}

// endpoint is one of the API's routes.
type endpoint struct {
	method, pattern string
	serve           func(h *Handler, c *call) error
}

var (
	held     = []endpoint{{http.MethodGet, "/-/rampart/v1/moderation/held", serveModerationHeld}}
	rescan   = []endpoint{{http.MethodPost, "/-/rampart/v1/moderation/rescan", serveModerationRescan}, {http.MethodGet, "/-/rampart/v1/moderation/rescan", serveModerationRescanStatus}}
	evidence = []endpoint{{http.MethodGet, "/-/rampart/v1/moderation/package/{pkg}/v/{id}", serveModerationEvidence}}
	actions  = map[string][]endpoint{}
)

func init() {
	for _, a := range []string{"hold", "release", "remove", "restore", "confirm"} {
		actions[a] = []endpoint{{http.MethodPost, "/-/rampart/v1/moderation/package/{pkg}/v/{id}/" + a, moderationAction(a)}}
	}
}

// ServeHTTP routes by path and method (405 with Allow for a wrong one),
// authenticates, and serves.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ep, pkg, id, err := route(r.Method, r.URL.EscapedPath())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	reqinfo.SetRoute(w, ep.pattern)
	p, err := h.principal(r)
	if p.User != nil {
		reqinfo.SetUser(w, p.User.Name)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if h.cfg.WithOTP != nil {
		p = h.cfg.WithOTP(r.Context(), p, r.Header.Get(otpHeader))
	}
	if err := ep.serve(h, &call{w: w, r: r, p: p, pkg: pkg, id: id}); err != nil {
		if h.cfg.Challenge != nil && h.cfg.Challenge(w, r, p, err) {
			return
		}
		h.fail(w, r, err)
	}
}

// route finds the endpoint for a path under Prefix: "held", "rescan",
// "package/<name>/v/<version>[/<action>]", the name as npm writes it
// ("name", "@scope%2fname") or with a literal slash ("@scope/name").
func route(method, escaped string) (*endpoint, string, string, error) {
	rest, ok := strings.CutPrefix(escaped, Prefix)
	var segs []string
	if ok {
		for _, s := range strings.Split(rest, "/") {
			u, err := url.PathUnescape(s)
			if err != nil || u == "" || u == "." || u == ".." || strings.ContainsRune(u, 0) {
				ok = false
				break
			}
			segs = append(segs, u)
		}
	}
	var eps []endpoint
	var pkg, id string
	switch {
	case !ok:
	case len(segs) == 1 && segs[0] == "held":
		eps = held
	case len(segs) == 1 && segs[0] == "rescan":
		eps = rescan
	case len(segs) >= 2 && segs[0] == "upstream":
		eps, pkg, id = routeUpstream(method, segs[1:])
	case len(segs) >= 4 && segs[0] == "package":
		// package/<name...>/v/<version>, or with an action after it; the
		// method says which when a path could read either way.
		n := len(segs)
		isEvidence := segs[n-2] == "v" && validName(segs[1:n-2])
		isAction := n >= 5 && segs[n-3] == "v" && actions[segs[n-1]] != nil && validName(segs[1:n-3])
		switch {
		case isEvidence && (method == http.MethodGet || !isAction):
			eps, pkg, id = evidence, joinName(segs[1:n-2]), segs[n-1]
		case isAction:
			eps, pkg, id = actions[segs[n-1]], joinName(segs[1:n-3]), segs[n-2]
		}
	}
	if eps == nil {
		return nil, "", "", core.Errorf(core.KindNotFound, "no such endpoint: %s", quote.Untrusted(escaped))
	}
	var allow []string
	for i := range eps {
		if eps[i].method == method {
			return &eps[i], pkg, id, nil
		}
		allow = append(allow, eps[i].method)
	}
	return nil, "", "", core.WrongMethod(allow, "%s takes only %s, not %s", quote.Untrusted(escaped), strings.Join(allow, ", "), quote.Untrusted(method))
}

// joinName is the package name of validName's segments.
func joinName(segs []string) string { return strings.Join(segs, "/") }

// validName is a package name's segments: "name", "@scope/name" in one,
// or "@scope" and "name" in two.
func validName(segs []string) bool {
	switch len(segs) {
	case 1:
		scope, bare, scoped := strings.Cut(segs[0], "/")
		if !strings.HasPrefix(segs[0], "@") {
			return !scoped && segs[0] != "-"
		}
		return scoped && scope != "@" && bare != "" && !strings.Contains(bare, "/")
	case 2:
		return strings.HasPrefix(segs[0], "@") && segs[0] != "@" && !strings.Contains(segs[0], "/") && !strings.Contains(segs[1], "/")
	}
	return false
}

// principal authenticates the request's bearer token, if any; a token
// that does not hold is refused.
func (h *Handler) principal(r *http.Request) (authz.Principal, error) {
	addr := clientaddr.Of(r)
	auth := r.Header.Get("Authorization")
	if auth == "" {
		return authz.Principal{Addr: addr}, nil
	}
	scheme, value, _ := strings.Cut(auth, " ")
	if !strings.EqualFold(scheme, "bearer") {
		return authz.Principal{Addr: addr}, core.Errorf(core.KindUnauthenticated, "send the token of `npm login` as Authorization: Bearer <token>, not %q", scheme)
	}
	return h.cfg.Authenticate(r.Context(), strings.TrimSpace(value), addr)
}

func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		err = core.Errorf(core.KindTooLarge, "the request body is over %d KiB", mbe.Limit>>10)
	}
	// The refusals are worded for npm's users, as the npm front-end words
	// them: a moderator's client is npm's login.
	httperr.WriteJSON(w, r, h.log, authz.Render(err, npmfmt.Hints{}))
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	return json.NewEncoder(w).Encode(v)
}
