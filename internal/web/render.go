package web

import (
	"bytes"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/rampart/rampart/internal/ecosystem/npm"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/clientaddr"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/httperr"
	"github.com/rampart/rampart/internal/redact"
)

//go:embed templates
var templateFiles embed.FS

// templates holds one template set per page: the layout plus the page's
// "content". They are embedded, so a parse error is a bug the tests catch.
var templates = parseTemplates()

var templateFuncs = template.FuncMap{
	"date":     func(t time.Time) string { return t.UTC().Format("2 Jan 2006") },
	"datetime": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"count":    formatCount,
	"event":    describeEvent,
}

func parseTemplates() map[string]*template.Template {
	layout := template.Must(template.New("layout.html").Funcs(templateFuncs).ParseFS(templateFiles, "templates/layout.html"))
	names, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		panic(err)
	}
	out := map[string]*template.Template{}
	for _, n := range names {
		if path.Base(n) == "layout.html" {
			continue
		}
		t := template.Must(template.Must(layout.Clone()).ParseFS(templateFiles, n))
		out[strings.TrimSuffix(path.Base(n), ".html")] = t
	}
	return out
}

// pageData is what the layout needs, plus the page's own Body.
type pageData struct {
	Title string
	User  string // the signed-in user; "" when anonymous
	Query string // the text in the header's search box
	Next  string // where signing in returns to
	Body  any
}

// pageFunc serves one page for principal p. An error it returns is shown
// as an error page with the status of its kind.
type pageFunc func(w http.ResponseWriter, r *http.Request, p authz.Principal) error

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
			redirect(w, pathPassword)
			return
		}
		// An administrator without the factor administrators need
		// signs in only to add it.
		if to := adminEnrolment(r, p); to != "" {
			redirect(w, to)
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
	t, ok := templates[name]
	if !ok {
		return core.Errorf(core.KindInternal, "no template %q", name)
	}
	d.User = p.Name()
	if d.Next == "" {
		d.Next = "/"
		if r.Method == http.MethodGet && r.URL.Path != pathLogin {
			d.Next = safeNext(r.URL.RequestURI())
		}
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", d); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	w.Write(buf.Bytes()) // an error here is a client gone away: nothing to tell it
	return nil
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
	d := pageData{Title: http.StatusText(status), Body: errorBody{Status: status, StatusText: http.StatusText(status), Message: message(err)}}
	if rerr := h.render(w, r, p, status, "error", d); rerr != nil {
		h.log.ErrorContext(r.Context(), "rendering error page", "path", redact.URL(r.URL), "err", rerr)
		http.Error(w, message(err), status)
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

// formatCount writes n with thousands separators: 1234567 is "1,234,567".
func formatCount(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// message is what a page shows of err. The web UI serves npm's users
// today, so an authorization refusal's advice names npm's commands, as
// the npm CLI shows it.
func message(err error) string { return core.Message(authz.Render(err, npm.Hints{})) }
