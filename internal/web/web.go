// Package web is Rampart's server-rendered HTML interface: search, package
// and user pages, sign-in, and the policy documents. Pages are html/template
// files embedded in the binary. The only JavaScript is the WebAuthn glue
// (static/webauthn.js, for security keys and passkeys); the
// Content-Security-Policy allows script from this origin only, never
// inline. Every decision about who may see what is made by the registry
// and account services; this package only renders.
package web

import (
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/rampart/rampart/internal/authn"
	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/identity"
	"github.com/rampart/rampart/internal/registry"
	"github.com/rampart/rampart/internal/secondfactor"
	"github.com/rampart/rampart/internal/web/webkit"
)

// Config is what the web UI needs to know about the deployment.
type Config struct {
	PublicURL string
	// Policies maps a policy name ("unpublish") to its Markdown text.
	Policies map[string]string
	// SecurityContacts are where to report a vulnerability in this
	// registry ([security_contact] contact), shown on the security policy
	// page; empty when the operator configured none.
	SecurityContacts []string
}

// Accounts are the account services the web UI calls.
type Accounts struct {
	Identity *identity.Service
	Authn    *authn.Service
	Factors  *secondfactor.Service
}

// Handler serves the web UI.
type Handler struct {
	reg     *registry.Service
	id      *identity.Service
	authn   *authn.Service
	factors *secondfactor.Service
	cfg     Config
	log     *slog.Logger

	// secureCookie marks the session cookie Secure: the public URL is
	// https, or it is localhost, which browsers treat as a secure context.
	secureCookie bool
	// cookiePrefix is "__Host-" when the public URL is https, else "".
	// Browsers accept a __Host- cookie only from this very origin over
	// https (Secure, Path=/, no Domain), so a sibling subdomain cannot
	// plant a session or a pending sign-in. On http://localhost, where
	// browsers refuse the prefix, the plain names are used.
	cookiePrefix string
	mux          *http.ServeMux
	// root is mux behind cross-origin (CSRF) protection.
	root http.Handler
	// sections are the groups' parts of package pages (packagesections.go).
	sections []webkit.PackageSection
	// fallbacks serve pages of packages not held here (packagesections.go).
	fallbacks []webkit.PackageFallback

	// signInOptions list the sign-in page's other ways in (signin.go:
	// ssopages' identity providers).
	signInOptions []func() []webkit.SignInOption
}

// New builds the web UI.
func New(reg *registry.Service, accts Accounts, cfg Config, log *slog.Logger) *Handler {
	if log == nil {
		log = slog.Default()
	}
	h := &Handler{reg: reg, id: accts.Identity, authn: accts.Authn, factors: accts.Factors, cfg: cfg, log: log, mux: http.NewServeMux()}
	cop := http.NewCrossOriginProtection()
	if u, err := url.Parse(cfg.PublicURL); err == nil && u.Host != "" {
		h.secureCookie = u.Scheme == "https" || u.Hostname() == "localhost"
		if u.Scheme == "https" {
			h.cookiePrefix = hostCookiePrefix
		}
		// Behind a proxy the Host header may differ from the public
		// name; the public origin is ours whatever the proxy sends.
		if err := cop.AddTrustedOrigin(u.Scheme + "://" + u.Host); err != nil {
			log.Warn("web: public URL is not a valid origin for CSRF checks", "public_url", cfg.PublicURL, "err", err)
		}
	}
	cop.SetDenyHandler(http.HandlerFunc(h.crossOriginDenied))
	h.routes()
	h.root = cop.Handler(h.mux)
	return h
}

// IsBrowser reports whether r comes from a browser rather than a package
// client: npm never asks for text/html, browsers always do.
func IsBrowser(r *http.Request) bool {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		return strings.Contains(r.Header.Get("Accept"), "text/html")
	case http.MethodPost:
		ct := r.Header.Get("Content-Type")
		return strings.HasPrefix(ct, "application/x-www-form-urlencoded") || strings.HasPrefix(ct, "multipart/form-data")
	}
	return false
}

// WantsPage reports whether r, a GET that is not a browser's, may still
// be answered with a page: a link from a mail, the CLI's output or the
// start-up banner opened by a client that sends no Accept header naming
// HTML (a mail client's link preview, curl, a text browser). The npm CLI
// always asks for JSON, so its requests never qualify, and a path is a
// page only if the web UI has one there (Serves).
func WantsPage(r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	return !strings.Contains(r.Header.Get("Accept"), "json") && !strings.HasPrefix(r.UserAgent(), "npm/")
}

// Serves reports whether r is for a page of the web UI. Other browser
// requests (a packument or a tarball opened in a browser) belong to the
// package protocol.
func (h *Handler) Serves(r *http.Request) bool {
	if isUserPath(r.URL.Path) {
		return r.Method == http.MethodGet || r.Method == http.MethodHead
	}
	_, pattern := h.mux.Handler(r)
	return pattern != "" && pattern != catchAll
}

// ServeHTTP serves a page.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.root.ServeHTTP(w, h.ownCookies(r))
}

// hostCookiePrefix is the cookie name prefix browsers accept only from
// the host itself over https.
const hostCookiePrefix = "__Host-"

// ownCookieNames are the cookies the web UI sets (with setCookie).
var ownCookieNames = []string{sessionCookie, pendingCookie, deviceCookie, ceremonyCookie, webkit.CookieSSOFlight}

// ownCookies is where the cookie prefix is undone, so that every handler
// reads a cookie by its plain name (r.Cookie(sessionCookie)) whatever the
// deployment. With the __Host- prefix on, it hands the handlers
// "__Host-rampart_session" as "rampart_session", and drops any cookie sent
// under a plain name of ours: one a sibling subdomain planted, or one
// left from before the public URL was https.
func (h *Handler) ownCookies(r *http.Request) *http.Request {
	if h.cookiePrefix == "" || r.Header.Get("Cookie") == "" {
		return r
	}
	cookies := r.Cookies()
	changed := false
	kept := cookies[:0]
	for _, c := range cookies {
		if slices.Contains(ownCookieNames, c.Name) {
			changed = true
			continue
		}
		if name, ok := strings.CutPrefix(c.Name, h.cookiePrefix); ok && slices.Contains(ownCookieNames, name) {
			c.Name, changed = name, true
		}
		kept = append(kept, c)
	}
	if !changed {
		return r
	}
	r = r.Clone(r.Context())
	r.Header.Del("Cookie")
	for _, c := range kept {
		r.AddCookie(c)
	}
	return r
}

// Mount adds page groups (packages of pages built on webkit) to the web
// UI, behind the same wrapper and cross-origin protection as its own.
func (h *Handler) Mount(groups ...webkit.Group) *Handler {
	for _, g := range groups {
		g.Mount(h)
	}
	return h
}

// Handle serves pattern with f as a page (webkit.Shell).
func (h *Handler) Handle(pattern string, f webkit.PageFunc) { h.mux.Handle(pattern, h.page(f)) }

// Status is err's HTTP status, with its headers (webkit.Shell).
func (h *Handler) Status(w http.ResponseWriter, r *http.Request, err error) int {
	return h.status(w, r, err)
}

// StepUpRedirect sends a browser session asked for a fresh second factor
// to confirm one (webkit.Shell).
func (h *Handler) StepUpRedirect(w http.ResponseWriter, r *http.Request, p authz.Principal, err error) bool {
	return h.stepUpRedirect(w, r, p, err)
}

// NotFoundPage answers a browser with the HTML error page for a 404 that
// another front-end (the package protocol) decided, with its message.
func (h *Handler) NotFoundPage(w http.ResponseWriter, r *http.Request, message string) {
	setSecurityHeaders(w)
	w.Header().Set("Cache-Control", "no-store")
	p := h.principal(r)
	d := pageData{Title: http.StatusText(http.StatusNotFound), Body: errorBody{Status: http.StatusNotFound, StatusText: http.StatusText(http.StatusNotFound), Message: message}}
	if err := h.render(w, r, p, http.StatusNotFound, "error", d); err != nil {
		http.Error(w, message, http.StatusNotFound)
	}
}
