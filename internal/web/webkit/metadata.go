package webkit

import (
	"regexp"
	"strings"

	"github.com/rampart/rampart/internal/quote"
)

// What a package page shows of a manifest's metadata, vetted: every
// page that shows a package (the registry's own, a proxied one) words it
// alike and links only to http(s) URLs.

// LicenseOf reads package.json's "license": an SPDX string, or the old
// {"type": "MIT"} form.
func LicenseOf(v any) string {
	switch v := v.(type) {
	case string:
		return quote.TruncateUTF8(v, 100)
	case map[string]any:
		return quote.TruncateUTF8(str(v["type"]), 100)
	}
	return ""
}

var githubShorthand = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$`)

// RepositoryURL turns package.json's "repository" (a string or
// {"type": "git", "url": ...}) into a web link, or "" when it is not, or
// cannot become, an http(s) URL.
func RepositoryURL(v any) string {
	s := str(v)
	if m, ok := v.(map[string]any); ok {
		s = str(m["url"])
	}
	s = strings.TrimPrefix(s, "git+")
	switch {
	case strings.HasPrefix(s, "github:"):
		s = "https://github.com/" + strings.TrimPrefix(s, "github:")
	case githubShorthand.MatchString(s):
		s = "https://github.com/" + s
	case strings.HasPrefix(s, "git://"):
		s = "https://" + strings.TrimPrefix(s, "git://")
	}
	return HTTPURL(strings.TrimSuffix(s, ".git"))
}

func str(v any) string {
	s, _ := v.(string)
	return s
}
