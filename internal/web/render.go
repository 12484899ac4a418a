package web

import (
	"embed"
	"errors"
	"html/template"
	"net/http"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/clientaddr"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/httperr"
	"github.com/rampart/rampart/internal/redact"
	"github.com/rampart/rampart/internal/web/webkit"
)

//go:embed templates
var templateFiles embed.FS

// templates are the shell's own pages; a page group parses its own
// (webkit.Parse).
var templates = webkit.Parse(templateFiles, "templates", template.FuncMap{"event": describeEvent})

// pageData is what the layout needs, plus the page's own Body.
type pageData = webkit.Data

// pageFunc serves one page for principal p. An error it returns is shown
// as an error page with the status of its kind.
type pageFunc = webkit.PageFunc

// page wraps a pageFunc with the headers of every page and the principal
// of the session cookie. Every page shows who is signed in, so none may be
// stored by a cache.
func (h *Handler) page(f pageFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setSecurityHeaders(w)
		w.Header().Set("Cache-Control", "no-store")
		p := h.principal(r)
		// A password found in a breach signs in only to change it.
		if mustChangePassword(r, p) {
			webkit.Redirect(w, pathPassword)
			return
		}
		// An administrator without the factor administrators need
		// signs in only to add it.
		if to := adminEnrolment(r, p); to != "" {
			webkit.Redirect(w, to)
			return
		}
		if err := f(w, r, p); err != nil {
			h.fail(w, r, p, err)
		}
	})
}

// mustChangePassword reports whether p signed in with a password found in
// a breach and r is for something it may not do before changing it. Pages
// (page) and JSON endpoints (api) both ask it.
func mustChangePassword(r *http.Request, p authz.Principal) bool {
	return p.User != nil && p.User.PasswordCompromised && !allowedWhileCompromised(r.URL.Path)
}

// principal resolves the session cookie; no cookie, or one that does not
// hold, is an anonymous principal.
func (h *Handler) principal(r *http.Request) authz.Principal {
	var value string
	if c, err := r.Cookie(sessionCookie); err == nil && len(c.Value) <= maxCookieLength {
		value = c.Value
	}
	return h.authn.WebPrincipal(r.Context(), value, clientaddr.Of(r))
}

// render writes the page name with status.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, p authz.Principal, status int, name string, d pageData) error {
	return templates.Render(w, r, p, status, name, d)
}

// errorBody is the error page.
type errorBody struct {
	Status     int
	StatusText string
	Message    string
}

// status maps err to its HTTP status (through httperr, the one mapping),
// sets the headers its kind implies and logs internal errors (with the
// URL's secrets redacted).
func (h *Handler) status(w http.ResponseWriter, r *http.Request, err error) int {
	status := httperr.SetHeaders(w, err)
	if status == http.StatusInternalServerError {
		h.log.ErrorContext(r.Context(), "web request failed", "method", r.Method, "path", redact.URL(r.URL), "err", err)
	}
	return status
}

// fail shows err as an error page.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, p authz.Principal, err error) {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		err = core.Errorf(core.KindTooLarge, "the form is larger than %d KiB", mbe.Limit/1024)
	}
	if h.stepUpRedirect(w, r, p, err) {
		return
	}
	status := h.status(w, r, err)
	d := pageData{Title: http.StatusText(status), Body: errorBody{Status: status, StatusText: http.StatusText(status), Message: webkit.Message(err)}}
	if rerr := h.render(w, r, p, status, "error", d); rerr != nil {
		h.log.ErrorContext(r.Context(), "rendering error page", "path", redact.URL(r.URL), "err", rerr)
		http.Error(w, webkit.Message(err), status)
	}
}

// crossOriginDenied answers a state-changing request sent from another
// site (CSRF), as http.CrossOriginProtection detected it.
func (h *Handler) crossOriginDenied(w http.ResponseWriter, r *http.Request) {
	setSecurityHeaders(w)
	w.Header().Set("Cache-Control", "no-store")
	h.fail(w, r, authz.Principal{Addr: clientaddr.Of(r)}, core.Errorf(core.KindForbidden,
		"this form was sent from another site, so it was refused; open the page on this registry and try again"))
}
