package server

import (
	"log/slog"
	"net/http"
	"strings"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/clientaddr"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/ecosystem/npm"
	"github.com/rampart/rampart/internal/httperr"
	"github.com/rampart/rampart/internal/orgfacts"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/web"
	"github.com/rampart/rampart/internal/web/webkit"
)

// readGate keeps a private registry private ([access] read): every
// request but the public ones (publicPath) is asked authz.ReadRegistry
// before anything else runs, so the npm and web front-ends, the fast
// paths (fastreads.go) and the read caches behind them never answer a
// caller the policy refuses. Deny by default: a new endpoint is private
// until it is listed in publicPath.
//
// A package client is answered 401 with `WWW-Authenticate: Bearer`, which
// npm turns into "Unable to authenticate … npm login"; a browser is sent
// to sign in and back.
type readGate struct {
	next   http.Handler
	policy authz.ReadPolicy
	svc    *Services
	web    *web.Handler
	addrs  *clientaddr.Resolver
	log    *slog.Logger
}

func newReadGate(next http.Handler, policy authz.ReadPolicy, svc *Services, webH *web.Handler, addrs *clientaddr.Resolver, log *slog.Logger) http.Handler {
	if !policy.Private() {
		return next
	}
	return &readGate{next: next, policy: policy, svc: svc, web: webH, addrs: addrs, log: log}
}

func (g *readGate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if publicPath(r.Method, r.URL.Path) {
		g.next.ServeHTTP(w, r)
		return
	}
	ctx := g.addrs.Context(r)
	rc := r.WithContext(ctx)
	p, err := g.principal(rc)
	if err == nil {
		res := authz.Resource{Read: g.policy, Write: r.Method != http.MethodGet && r.Method != http.MethodHead}
		if g.policy.Mode == authz.ReadOrgMembers && p.User != nil {
			err = g.svc.Store.View(ctx, func(tx store.Tx) error {
				_, facts, err := orgfacts.Org(tx, g.policy.Org)
				if err != nil && core.KindOf(err) != core.KindNotFound {
					return err
				}
				res.Org = facts
				return nil
			})
		}
		if err == nil {
			err = authz.Authorize(p, authz.ReadRegistry, res)
		}
	}
	if err == nil {
		g.next.ServeHTTP(&privateCache{ResponseWriter: w}, r)
		return
	}
	if web.IsBrowser(r) && (r.Method == http.MethodGet || r.Method == http.MethodHead) && core.KindOf(err) == core.KindUnauthenticated {
		webkit.SignInFirst(w, r)
		return
	}
	if core.KindOf(err) == core.KindUnauthenticated {
		// npm reads the first challenge word: Bearer means "log in".
		w.Header().Set("WWW-Authenticate", `Bearer realm="rampart"`)
	}
	httperr.WriteJSON(w, rc, g.log, authz.Render(err, npm.Hints{}))
}

// principal is the request's bearer token or, without one, its browser
// session; an unusable token is an error (as npm's own front-end answers).
func (g *readGate) principal(r *http.Request) (authz.Principal, error) {
	auth := r.Header.Get("Authorization")
	if auth == "" {
		return g.web.Principal(r), nil
	}
	scheme, value, _ := strings.Cut(auth, " ")
	if !strings.EqualFold(scheme, "bearer") {
		return authz.Principal{}, core.Errorf(core.KindUnauthenticated, "this registry is private and takes tokens, not passwords: run `npm login`")
	}
	return g.svc.Authn.Authenticate(r.Context(), strings.TrimSpace(value), clientaddr.Of(r))
}

// publicPath lists what a private registry serves to anyone: signing in
// (the web pages and ceremonies, `npm login` in both of its flows, signing
// out), signing up and the links mailed for it, the trusted-publishing
// exchange (its bearer is a CI's ID token, checked by trust), scanners'
// reports of leaked tokens (verified by signature), liveness, static
// assets, the policies and /.well-known files. None of them reads a
// package.
func publicPath(method, p string) bool {
	switch p {
	case "/-/ping", "/-/healthz", "/-/readyz", "/-/metrics", "/login", "/login/otp", "/logout", "/signup", "/forgot-password",
		"/verify-email", "/reset-password", "/confirm-email", "/account/recovery/cancel", "/-/v1/login":
		return true
	}
	for _, prefix := range []string{"/-/static/", "/.well-known/", "/-/policies/", "/policies/", "/-/webauthn/",
		"/-/v1/done/", "/-/secret-scanning/", "/-/npm/v1/oidc/token/exchange/", "/-/sso/",
		"/-/debug/pprof/"} { // the operator endpoints have their own token (internal/ops/opshttp.go)
		if strings.HasPrefix(p, prefix) {
			return true
		}
	}
	switch {
	case p == "/-/log/checkpoint" || p == "/-/log/key" || strings.HasPrefix(p, "/-/log/tile/"):
		// The transparency log's checkpoint, keys, hash tiles and entry
		// bundles: on a private registry every leaf is sealed (tlog.SealPolicy),
		// so they hold hashes and commitments only, and auditors and
		// mirrors can check the log's consistency without an account. Its
		// lookup and feed stay behind the gate.
		return true
	case method == http.MethodPut && strings.HasPrefix(p, "/-/user/org.couchdb.user:"):
		return true // npm login --auth-type=legacy, npm adduser
	case method == http.MethodDelete && strings.HasPrefix(p, "/-/user/token/"):
		return true // npm logout
	}
	return false
}

// privateCache keeps what a private registry answers out of shared
// caches (a CDN or proxy in front would otherwise serve a packument or
// tarball it kept to the next, anonymous, caller): a "public"
// Cache-Control becomes "private", keeping its other directives.
type privateCache struct {
	http.ResponseWriter
	done bool
}

func (p *privateCache) fix() {
	if p.done {
		return
	}
	p.done = true
	h := p.ResponseWriter.Header()
	if cc := h.Get("Cache-Control"); strings.Contains(cc, "public") {
		h.Set("Cache-Control", strings.Replace(cc, "public", "private", 1))
	}
}

func (p *privateCache) WriteHeader(code int) {
	p.fix()
	p.ResponseWriter.WriteHeader(code)
}

func (p *privateCache) Write(b []byte) (int, error) {
	p.fix()
	return p.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (deadlines,
// flushing) through the wrapper.
func (p *privateCache) Unwrap() http.ResponseWriter { return p.ResponseWriter }
