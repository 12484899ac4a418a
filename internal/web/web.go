// Package web is Rampart's server-rendered HTML interface.
package web

import (
	"log/slog"
	"net/http"
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
}

// New builds the web UI.
func New(reg *registry.Service, acct *account.Service, cfg Config, log *slog.Logger) *Handler {
	return &Handler{reg: reg, acct: acct, cfg: cfg, log: log}
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

// ServeHTTP serves a page.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "the web interface is not built yet", http.StatusNotFound)
}
