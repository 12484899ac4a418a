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
	"strings"

	"github.com/rampart/rampart/internal/account"
	"github.com/rampart/rampart/internal/registry"
)

// Config is what the web UI needs to know about the deployment.
type Config struct {
	PublicURL string
	// Policies maps a policy name ("unpublish") to its Markdown text.
	Policies map[string]string
}

// Handler serves the web UI.
type Handler struct {
	reg  *registry.Service
	acct *account.Service
	cfg  Config
	log  *slog.Logger

	// secureCookie marks the session cookie Secure: the public URL is
	// https, or it is localhost, which browsers treat as a secure context.
	secureCookie bool
	mux          *http.ServeMux
	// root is mux behind cross-origin (CSRF) protection.
	root http.Handler
}

// New builds the web UI.
func New(reg *registry.Service, acct *account.Service, cfg Config, log *slog.Logger) *Handler {
	if log == nil {
		log = slog.Default()
	}
	h := &Handler{reg: reg, acct: acct, cfg: cfg, log: log, mux: http.NewServeMux()}
	cop := http.NewCrossOriginProtection()
	if u, err := url.Parse(cfg.PublicURL); err == nil && u.Host != "" {
		h.secureCookie = u.Scheme == "https" || u.Hostname() == "localhost"
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
	h.root.ServeHTTP(w, r)
}
