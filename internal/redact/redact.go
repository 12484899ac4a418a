// Package redact takes the secrets out of request URLs before they are
// logged. Some URLs are credentials: the npm web-login approval page
// (/login/cli/<secret>) and the address npm polls for its token
// (/-/v1/done/<secret>), `npm logout` (DELETE /-/user/token/<token>), and
// the links in mails (?token=<secret>). Every log line that names a
// request's URL writes URL(r.URL), never r.URL itself.
package redact

import (
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/rampart/rampart/internal/limits"
)

// Mask stands in for a secret.
const Mask = "REDACTED"

// secretPaths are the segments after which the rest of a path is a
// secret. They match anywhere in the path, so a registry served under a
// prefix is covered too. (account.PathCLILogin and PathCLIDone are the
// first two; a test keeps them equal.)
var secretPaths = [][]string{
	{"login", "cli"},
	{"-", "v1", "done"},
	{"-", "user", "token"},
}

// secretParams are query parameters whose values are secrets.
var secretParams = map[string]bool{"token": true, "secret": true, "password": true, "otp": true}

// URL returns u's path, and its query if it has one, with every secret
// replaced by Mask: what follows a secretPaths prefix, the values of
// secretParams, and such paths inside other query values
// (/login?next=/login/cli/<secret>).
//
// The result is cut at limits.MaxLoggedBytes (Cut): the URL is the
// client's choice, and a log line must not grow with it.
func URL(u *url.URL) string {
	p := Path(u.Path)
	if u.RawQuery == "" {
		return Cut(p)
	}
	return Cut(p + "?" + query(u.RawQuery))
}

// Cut bounds a client-chosen value (a URL, a header) for a log line: past
// limits.MaxLoggedBytes it is cut on a character boundary and marked with
// "…" and the full length.
func Cut(s string) string {
	if len(s) <= limits.MaxLoggedBytes {
		return s
	}
	n := limits.MaxLoggedBytes
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…(" + strconv.Itoa(len(s)) + " bytes)"
}

// Path returns p with the secrets in it replaced by Mask.
func Path(p string) string {
	segs := strings.Split(p, "/")
	for i := range segs {
		for _, prefix := range secretPaths {
			if i+len(prefix) < len(segs) && equalFold(segs[i:i+len(prefix)], prefix) {
				return strings.Join(append(segs[:i+len(prefix):i+len(prefix)], Mask), "/")
			}
		}
	}
	return p
}

func equalFold(a, b []string) bool {
	for i := range b {
		if !strings.EqualFold(a[i], b[i]) {
			return false
		}
	}
	return true
}

// query redacts a raw query string, keeping its order and encoding
// wherever nothing is secret.
func query(raw string) string {
	pairs := strings.Split(raw, "&")
	for i, pair := range pairs {
		k, v, hasValue := strings.Cut(pair, "=")
		key, err := url.QueryUnescape(k)
		if err != nil {
			pairs[i] = Mask // an unreadable name might hide "token"
			continue
		}
		if !hasValue {
			continue
		}
		if secretParams[strings.ToLower(key)] {
			pairs[i] = k + "=" + Mask
			continue
		}
		val, err := url.QueryUnescape(v)
		if err != nil {
			pairs[i] = k + "=" + Mask
			continue
		}
		if r := redactValue(val); r != val {
			pairs[i] = k + "=" + url.QueryEscape(r)
		}
	}
	return strings.Join(pairs, "&")
}

// redactValue redacts a query value that is itself a URL or path, such as
// a sign-in page's next; it returns any other value as it is.
func redactValue(v string) string {
	u, err := url.Parse(v)
	if err != nil {
		if Path(v) != v {
			return Mask
		}
		return v
	}
	p, q := Path(u.Path), query(u.RawQuery)
	if p == u.Path && q == u.RawQuery {
		return v
	}
	u.Path, u.RawPath, u.RawQuery = p, "", q
	return u.String()
}
