package httpguard

import (
	"bytes"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
)

// A registry served under a path (public_url = "https://example.com/npm/"),
// behind a reverse proxy that passes the prefix on or strips it. Requests
// under the prefix have it cut before routing, so every handler sees the
// paths it knows; requests without it (the proxy stripped it) pass as
// they are. On the way out, what the handlers write as site-absolute
// paths gets the prefix: redirects' Location, and the web UI's HTML
// (links, forms, scripts, styles, and data-base, which the WebAuthn
// script reads for its calls). Everything built from the public URL
// (tarball links, mail links, npm's login URLs) carries the prefix
// already.

// maxRewrittenPage bounds an HTML page held to add the prefix to its
// links; the web UI's pages are far smaller.
const maxRewrittenPage = 8 << 20

// pagePaths finds the site-absolute URLs in the web UI's HTML attributes
// ("/x", never "//host/x").
var pagePaths = regexp.MustCompile(`(\s(?:href|src|action|formaction)=")/([^/])`)

// WithPathPrefix serves next under prefix ("" serves it at the root).
func WithPathPrefix(prefix string, next http.Handler) http.Handler {
	if prefix == "" {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == prefix {
			to := prefix + "/"
			if r.URL.RawQuery != "" {
				to += "?" + r.URL.RawQuery
			}
			http.Redirect(w, r, to, http.StatusPermanentRedirect)
			return
		}
		if rest, ok := strings.CutPrefix(r.URL.Path, prefix+"/"); ok {
			r2 := r.Clone(r.Context())
			r2.URL.Path = "/" + rest
			if r.URL.RawPath != "" {
				r2.URL.RawPath = "/" + strings.TrimPrefix(r.URL.RawPath, prefix+"/")
			}
			r2.RequestURI = r2.URL.RequestURI()
			r = r2
		}
		pw := &prefixWriter{ResponseWriter: w, prefix: prefix}
		next.ServeHTTP(pw, r)
		pw.flushPage()
	})
}

// prefixWriter adds the prefix to a redirect's Location and to the links
// of an HTML page; other bodies (packuments, tarballs) stream through.
type prefixWriter struct {
	http.ResponseWriter
	prefix  string
	decided bool
	page    *bytes.Buffer // an HTML body being held; nil otherwise
	status  int
	tooBig  bool
}

func (w *prefixWriter) WriteHeader(code int) {
	if w.decided {
		return
	}
	w.decided = true
	h := w.Header()
	if loc := h.Get("Location"); strings.HasPrefix(loc, "/") && !strings.HasPrefix(loc, "//") {
		h.Set("Location", w.prefix+loc)
	}
	if strings.HasPrefix(h.Get("Content-Type"), "text/html") && h.Get("Content-Encoding") == "" {
		w.page, w.status = &bytes.Buffer{}, code
		return
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *prefixWriter) Write(b []byte) (int, error) {
	if !w.decided {
		w.WriteHeader(http.StatusOK)
	}
	if w.page == nil {
		return w.ResponseWriter.Write(b)
	}
	if w.page.Len()+len(b) > maxRewrittenPage {
		w.tooBig = true
	}
	if !w.tooBig {
		return w.page.Write(b)
	}
	return len(b), nil
}

// flushPage writes the held page with its links prefixed.
func (w *prefixWriter) flushPage() {
	if w.page == nil {
		return
	}
	if w.tooBig {
		http.Error(w.ResponseWriter, "page too large", http.StatusInternalServerError)
		return
	}
	out := pagePaths.ReplaceAll(w.page.Bytes(), []byte("${1}"+strings.ReplaceAll(w.prefix, "$", "$$")+"/${2}"))
	out = bytes.Replace(out, []byte(`data-base=""`), []byte(`data-base="`+w.prefix+`"`), 1)
	w.Header().Set("Content-Length", strconv.Itoa(len(out)))
	w.ResponseWriter.WriteHeader(w.status)
	w.ResponseWriter.Write(out)
}

func (w *prefixWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// ReadFrom keeps the server's sendfile path for tarballs.
func (w *prefixWriter) ReadFrom(r io.Reader) (int64, error) {
	if !w.decided {
		w.WriteHeader(http.StatusOK)
	}
	if rf, ok := w.ResponseWriter.(io.ReaderFrom); ok && w.page == nil {
		return rf.ReadFrom(r)
	}
	return io.Copy(writerOnly{w}, r)
}

// writerOnly hides ReadFrom, so io.Copy does not call it back.
type writerOnly struct{ io.Writer }
