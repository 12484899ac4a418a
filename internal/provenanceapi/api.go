// Package provenanceapi is Rampart's own JSON API on build provenance,
// beside npm's protocol but not part of it: a package's provenance
// continuity policy (docs/provenance.md) and a version's publish
// attestation signed with the registry's key:
//
//	GET /-/rampart/v1/package/<name>/provenance-policy
//	PUT /-/rampart/v1/package/<name>/provenance-policy  {"continuity": "enforce"|"off", "repository": "https://..."}
//	GET /-/rampart/v1/attestations/<name>@<version>
//
// Its callers are npm's users: a token of `npm login` and npm's one-time
// password header (npm-otp) work as for `npm owner`, and an account with
// only security keys gets npm's web OTP challenge (npm.Handler.WebOTP,
// injected). It translates only: the registry's provenance policy
// (internal/provenancepolicy) and the signing service decide.
package provenanceapi

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
	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/quote"
	"github.com/rampart/rampart/internal/registry"
	"github.com/rampart/rampart/internal/reqinfo"
	"github.com/rampart/rampart/internal/signing"
)

// The paths the server's mux mounts the handler at.
const (
	PrefixPackage      = "/-/rampart/v1/package/"
	PrefixAttestations = "/-/rampart/v1/attestations/"
)

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
}

// Handler serves the API.
type Handler struct {
	reg     *registry.Service
	signing *signing.Service // nil: no attestations
	cfg     Config
	log     *slog.Logger
}

// New returns the API's handler; sg nil answers attestations "not
// available".
func New(reg *registry.Service, sg *signing.Service, cfg Config, log *slog.Logger) *Handler {
	return &Handler{reg: reg, signing: sg, cfg: cfg, log: log}
}

// call is a request on its way to an endpoint: the response, the
// request, who sent it, and what its path names (a package, or
// "<name>@<version>").
type call struct {
	w   http.ResponseWriter
	r   *http.Request
	p   authz.Principal
	arg string
}

// endpoint is one of the API's routes.
type endpoint struct {
	method, pattern string
	serve           func(h *Handler, c *call) error
}

var (
	policy = []endpoint{
		{http.MethodGet, "/-/rampart/v1/package/{pkg}/provenance-policy", (*Handler).getPolicy},
		{http.MethodPut, "/-/rampart/v1/package/{pkg}/provenance-policy", (*Handler).putPolicy},
	}
	attestation = []endpoint{{http.MethodGet, "/-/rampart/v1/attestations/{id}", (*Handler).getAttestation}}
)

// ServeHTTP routes by path and method (405 with Allow for a wrong one),
// authenticates (a token that does not hold is refused, even on a read),
// and serves.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ep, arg, err := route(r.Method, r.URL.EscapedPath())
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
	if err := ep.serve(h, &call{w: w, r: r, p: p, arg: arg}); err != nil {
		if h.cfg.Challenge != nil && h.cfg.Challenge(w, r, p, err) {
			return
		}
		h.fail(w, r, err)
	}
}

// route finds the endpoint for a path: "package/<name>/provenance-policy",
// the name as npm writes it ("name", "@scope%2fname") or with a literal
// slash ("@scope/name"), and "attestations/<name>@<version>".
func route(method, escaped string) (*endpoint, string, error) {
	var segs []string
	ok := strings.HasPrefix(escaped, "/-/rampart/v1/")
	if ok {
		for _, s := range strings.Split(strings.TrimPrefix(escaped, "/-/rampart/v1/"), "/") {
			u, err := url.PathUnescape(s)
			if err != nil || strings.ContainsRune(u, 0) || hasDotOrEmpty(u) {
				ok = false
				break
			}
			segs = append(segs, u)
		}
	}
	var eps []endpoint
	var arg string
	switch n := len(segs); {
	case !ok:
	case n >= 3 && segs[0] == "package" && segs[n-1] == "provenance-policy" && validName(segs[1:n-1]):
		eps, arg = policy, strings.Join(segs[1:n-1], "/")
	case n == 2 && segs[0] == "attestations":
		eps, arg = attestation, segs[1]
	}
	if eps == nil {
		return nil, "", core.Errorf(core.KindNotFound, "no such endpoint: %s", quote.Untrusted(escaped))
	}
	var allow []string
	for i := range eps {
		if eps[i].method == method {
			return &eps[i], arg, nil
		}
		allow = append(allow, eps[i].method)
	}
	return nil, "", core.WrongMethod(allow, "%s takes only %s, not %s", quote.Untrusted(escaped), strings.Join(allow, ", "), quote.Untrusted(method))
}

// hasDotOrEmpty reports whether an unescaped segment, read as path
// cleaners between npm and us would read it, has an empty, "." or ".."
// part, also behind an escaped slash ("@scope%2f..").
func hasDotOrEmpty(u string) bool {
	for part := range strings.SplitSeq(u, "/") {
		if part == "" || part == "." || part == ".." {
			return true
		}
	}
	return false
}

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
// that does not hold is refused, in npm's words.
func (h *Handler) principal(r *http.Request) (authz.Principal, error) {
	addr := clientaddr.Of(r)
	auth := r.Header.Get("Authorization")
	if auth == "" {
		return authz.Principal{Addr: addr}, nil
	}
	scheme, value, _ := strings.Cut(auth, " ")
	switch strings.ToLower(scheme) {
	case "bearer":
		if h.cfg.Authenticate == nil {
			return authz.Principal{Addr: addr}, core.Errorf(core.KindUnauthenticated, "this registry does not accept tokens here")
		}
		return h.cfg.Authenticate(r.Context(), strings.TrimSpace(value), addr)
	case "basic":
		return authz.Principal{Addr: addr}, core.Errorf(core.KindUnauthenticated, "this registry does not accept passwords on every request; run `npm login` to get a token")
	}
	return authz.Principal{Addr: addr}, core.Errorf(core.KindUnauthenticated, "unsupported Authorization scheme %q; run `npm login`", scheme)
}

func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		err = core.Errorf(core.KindTooLarge, "request body is larger than the limit of %d MiB", mbe.Limit/limits.MiB)
	}
	// The refusals are worded for npm's users, as the npm front-end words
	// them: the client is npm's login.
	httperr.WriteJSON(w, r, h.log, authz.Render(err, npmfmt.Hints{}))
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	return json.NewEncoder(w).Encode(v)
}
