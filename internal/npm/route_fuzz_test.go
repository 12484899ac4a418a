package npm

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzParsePath: for any request path, parsing and routing never panic;
// a path with a NUL, an empty segment or a "." or ".." segment (also
// behind an escaped slash) is refused; and every route a path reaches
// with a package name is reached again when the path is rebuilt with the
// name escaped the way npm escapes it ("@scope%2fname"), with %2F, and
// with a literal slash.
func FuzzParsePath(f *testing.F) {
	for _, s := range []string{
		"/left-pad", "/@acme%2fwidget", "/@acme%2Fwidget", "/@acme/widget", "/@acme/widget/-/widget-1.0.0.tgz",
		"/left-pad/-/left-pad-1.1.0.tgz/-rev/7-abc", "/-/package/@acme%2fwidget/dist-tags/beta",
		"/-/user/org.couchdb.user:alice", "/-/user/token/package", "/-/v1/done/abc", "/a..b",
		"/left-pad/-/../x", "/@acme%2f..", "//x", "/x/", "/x%00", "/%2e%2e", "/@%2fx", "/@a%2fb%2fc", "/-/-rev/x",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, path string) {
		segs, err := parsePath(path)
		if bad := refusable(path); bad != "" && err == nil {
			t.Fatalf("parsePath(%q) accepted a path with %s: %q", path, bad, segs)
		}
		if err != nil {
			return
		}
		for _, pp := range routes {
			a, ok := pp.match(segs)
			if !ok || a.pkg == "" {
				continue
			}
			for _, form := range npmForms(a.pkg) {
				again := rebuild(pp, a, form)
				segs2, err := parsePath(again)
				if err != nil {
					t.Fatalf("%q reached %s with %+v, but %q does not parse: %v", path, pp.pattern, a, again, err)
				}
				a2, ok := pp.match(segs2)
				if !ok || a2 != a {
					t.Fatalf("%q reached %s with %+v; rebuilt as %q it gives %+v, %v", path, pp.pattern, a, again, a2, ok)
				}
			}
		}
	})
}

// refusable says why a path must be refused, from the raw text: a NUL
// (raw or %00), or a segment, split on "/" and on an escaped slash, that
// is empty, "." or ".." once unescaped; "" when none of these holds.
func refusable(path string) string {
	if strings.Contains(path, "\x00") || strings.Contains(path, "%00") {
		return "a NUL"
	}
	for _, seg := range strings.Split(strings.TrimPrefix(path, "/"), "/") {
		for _, part := range splitEscapedSlash(seg) {
			u, err := url.PathUnescape(part)
			if err != nil {
				continue // malformed: refused or not, no claim here
			}
			switch u {
			case "":
				return "an empty segment"
			case ".", "..":
				return "a dot segment"
			}
		}
	}
	return ""
}

// splitEscapedSlash splits s at each "%2f", in any case.
func splitEscapedSlash(s string) []string {
	var out []string
	start := 0
	for i := 0; i+3 <= len(s); i++ {
		if s[i] == '%' && s[i+1] == '2' && (s[i+2] == 'f' || s[i+2] == 'F') {
			out = append(out, s[start:i])
			start = i + 3
			i += 2
		}
	}
	return append(out, s[start:])
}

// npmForms are the ways a package name appears in a request path: npm's
// escapedName (name.replace('/', '%2f')), the same with %2F, and a literal
// slash (tarball URLs, unpublish). Each part is percent-encoded as the
// URL parser would encode it.
func npmForms(name string) []string {
	scope, bare, scoped := strings.Cut(name, "/")
	if !scoped {
		return []string{url.PathEscape(name)}
	}
	s, b := url.PathEscape(scope), url.PathEscape(bare)
	return []string{s + "%2f" + b, s + "%2F" + b, s + "/" + b}
}

// rebuild writes the path of pattern pp with the wildcards a, the package
// name in form.
func rebuild(pp *pathPattern, a args, form string) string {
	var b strings.Builder
	vals := map[string]string{"file": a.file, "rev": a.rev, "tag": a.tag, "user": a.user, "token": a.token,
		"key": a.key, "id": a.id, "org": a.org, "team": a.team}
	for _, s := range pp.segs {
		b.WriteString("/")
		switch s.wild {
		case "":
			b.WriteString(url.PathEscape(s.lit))
		case "pkg":
			b.WriteString(form)
		default:
			b.WriteString(url.PathEscape(s.lit + vals[s.wild]))
		}
	}
	return b.String()
}
