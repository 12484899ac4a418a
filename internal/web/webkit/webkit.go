// Package webkit is what a group of web pages needs from the web UI's
// shell (internal/web), so that each group (organisations, trusted
// publishing, staged releases, and every new area) lives in a package of
// its own instead of growing internal/web:
//
//   - the layout every page shares and the data it takes (Data);
//   - template parsing and rendering (Parse, Templates.Render): a group
//     embeds its own page templates, each defining "content";
//   - the page wrapper, through Shell: the security and cache headers, the
//     session's principal, the redirects a breached password or an
//     administrator without a strong factor imposes, and the error page;
//   - small helpers every form needs (ParseForm, Redirect, SafeNext,
//     NeedSignIn, Message).
//
// A group is a value with a Mount(Shell) method that registers its routes
// with Shell.Handle; the server mounts it with web.Handler.Mount. A group
// never imports internal/web (the shell imports no group either), and
// every route it mounts is behind the shell's cross-origin (CSRF)
// protection, like the shell's own.
package webkit

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/ecosystem/npm"
)

// PathLogin is the sign-in page; ?next= says where to return.
const PathLogin = "/login"

// MaxFormBytes bounds a form body (every form of the web UI is small).
const MaxFormBytes = 16 << 10

// PageFunc serves one page for principal p. An error it returns is shown
// as an error page with the status of its kind (a step-up refusal sends
// the browser to confirm a second factor and back).
type PageFunc func(w http.ResponseWriter, r *http.Request, p authz.Principal) error

// Shell is the web UI's shell as a page group sees it.
type Shell interface {
	// Handle serves pattern (a ServeMux pattern with its method) with f
	// as a page.
	Handle(pattern string, f PageFunc)
	// Status is err's HTTP status (the one mapping, internal/httperr),
	// with the headers its kind implies; internal errors are logged. A
	// group that shows a refusal on its own page, not the error page,
	// renders with this status.
	Status(w http.ResponseWriter, r *http.Request, err error) int
	// StepUpRedirect reports whether err asks a browser session for a
	// fresh second factor and, if so, has sent the browser to confirm
	// one; the confirm page returns to where the form was.
	StepUpRedirect(w http.ResponseWriter, r *http.Request, p authz.Principal, err error) bool
}

// Group is a set of pages in a package of its own.
type Group interface {
	Mount(Shell)
}

// Redirect answers a form with 303 See Other to a local path.
func Redirect(w http.ResponseWriter, to string) {
	w.Header().Set("Location", to)
	w.WriteHeader(http.StatusSeeOther)
}

// SafeNext returns next if it is a path on this site, else "/". It must
// start with one "/" (not "//", a host) and hold nothing a browser reads
// differently from us: a backslash becomes "/" and control characters
// vanish, so "/\evil.example" would be "//evil.example".
func SafeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || len(next) > 2048 || strings.ContainsRune(next, '\\') {
		return "/"
	}
	for i := 0; i < len(next); i++ {
		if c := next[i]; c < 0x20 || c == 0x7f {
			return "/"
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return "/"
	}
	return next
}

// ParseForm reads a bounded form body.
func ParseForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, MaxFormBytes)
	if err := r.ParseForm(); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return core.Errorf(core.KindInvalid, "the form could not be read; reload the page and try again")
	}
	return nil
}

// NeedSignIn is the refusal of a page that needs a signed-in user.
func NeedSignIn(r *http.Request) error {
	return core.Errorf(core.KindUnauthenticated, "sign in to see your account: %s?next=%s", PathLogin, r.URL.Path)
}

// SignInFirst sends an anonymous visitor to sign in and come back to this
// page.
func SignInFirst(w http.ResponseWriter, r *http.Request) {
	Redirect(w, PathLogin+"?"+url.Values{"next": {SafeNext(r.URL.RequestURI())}}.Encode())
}

// Message is what a page shows of err. The web UI serves npm's users
// today, so an authorization refusal's advice names npm's commands, as
// the npm CLI shows it.
func Message(err error) string { return core.Message(authz.Render(err, npm.Hints{})) }

// FormatCount writes n with thousands separators: 1234567 is "1,234,567".
func FormatCount(n int64) string {
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
