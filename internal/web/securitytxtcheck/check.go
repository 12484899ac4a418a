// Package securitytxtcheck checks a security.txt file against RFC 9116's
// rules, independently of the code that writes it, so that tests of the
// served file (internal/web, test/e2e) assert what a researcher's tools
// would check. It is imported by tests only.
package securitytxtcheck

import (
	"fmt"
	"mime"
	"net"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// fieldLine is RFC 9116 §4's field: a field-name (RFC 5322 ftext: printable
// ASCII except ":"), ":", optional whitespace, a value.
var fieldLine = regexp.MustCompile(`^([!-9;-~]+):[ \t]*(.*?)[ \t]*$`)

// languageTag is a loose RFC 5646 tag.
var languageTag = regexp.MustCompile(`^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$`)

// Fields are the parsed fields of a file, by lower-cased name, in order.
type Fields map[string][]string

// ContentType checks the media type RFC 9116 §3 requires:
// "text/plain" with charset "utf-8".
func ContentType(ct string) error {
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return fmt.Errorf("Content-Type %q: %v", ct, err)
	}
	if mt != "text/plain" || !strings.EqualFold(params["charset"], "utf-8") {
		return fmt.Errorf("Content-Type %q: RFC 9116 §3 requires text/plain; charset=utf-8", ct)
	}
	return nil
}

// Check parses body, fetched from fetchedURL at time now, and returns the
// fields and every rule of RFC 9116 it breaks. Web URIs must be https
// (§2.5.3 ff.), except on a loopback host, which tests serve over http.
func Check(body, fetchedURL string, now time.Time) (Fields, []error) {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if !utf8.ValidString(body) {
		bad("the file is not UTF-8 (§3)")
	}
	f := Fields{}
	for i, line := range strings.Split(strings.TrimSuffix(body, "\n"), "\n") {
		line = strings.TrimSuffix(line, "\r")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		m := fieldLine.FindStringSubmatch(line)
		if m == nil {
			bad("line %d %q is not a comment, a blank line or a field (§4)", i+1, line)
			continue
		}
		name := strings.ToLower(m[1])
		f[name] = append(f[name], m[2])
	}
	uri := func(field, v string) *url.URL {
		u, err := url.Parse(v)
		if err != nil || u.Scheme == "" {
			bad("%s %q is not a URI", field, v)
			return nil
		}
		if (u.Scheme == "http" && !loopback(u.Hostname())) || (u.Scheme == "https" && u.Host == "") {
			bad("%s %q: a web URI must begin with https:// (§2.5)", field, v)
		}
		return u
	}
	if len(f["contact"]) == 0 {
		bad("no Contact field: it is required (§2.5.3)")
	}
	for _, v := range f["contact"] {
		if u := uri("Contact", v); u != nil && u.Scheme != "mailto" && u.Scheme != "https" && u.Scheme != "http" && u.Scheme != "tel" {
			bad("Contact %q: want an e-mail (mailto:), web (https:) or telephone (tel:) URI (§2.5.3)", v)
		}
	}
	switch exp := f["expires"]; len(exp) {
	case 0:
		bad("no Expires field: it is required (§2.5.5)")
	case 1:
		t, err := time.Parse(time.RFC3339, exp[0])
		if err != nil {
			bad("Expires %q is not an RFC 3339 date-time (§2.5.5)", exp[0])
		} else if !t.After(now) {
			bad("Expires %q is past: the file is stale (§2.5.5)", exp[0])
		}
	default:
		bad("Expires appears %d times: it must appear once (§2.5.5)", len(exp))
	}
	for _, name := range []string{"canonical", "policy", "encryption", "acknowledgments", "hiring", "csaf"} {
		for _, v := range f[name] {
			uri(name, v)
		}
	}
	if c := f["canonical"]; len(c) > 0 {
		found := false
		for _, v := range c {
			found = found || v == fetchedURL
		}
		if !found {
			bad("Canonical %q does not contain the URL the file was fetched from, %q (§2.5.2)", c, fetchedURL)
		}
	}
	switch pl := f["preferred-languages"]; len(pl) {
	case 0:
	case 1:
		for _, tag := range strings.Split(pl[0], ",") {
			if !languageTag.MatchString(strings.TrimSpace(tag)) {
				bad("Preferred-Languages %q: %q is not a language tag (§2.5.8)", pl[0], tag)
			}
		}
	default:
		bad("Preferred-Languages appears %d times: at most once (§2.5.8)", len(pl))
	}
	return f, errs
}

func loopback(host string) bool {
	ip := net.ParseIP(host)
	return host == "localhost" || ip != nil && ip.IsLoopback()
}
