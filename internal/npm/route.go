// Package npm is the npm registry protocol front-end: it turns the npm
// CLI's requests (../shared/reference/npm-protocol.md) into calls on the
// registry and account services and their answers back into npm's JSON.
// It decides nothing itself: authorization lives in authz, policy in the
// services.
package npm

import (
	"net/url"
	"strings"
)

// route is a parsed npm request path.
type route struct {
	// api is set for "/-/..." paths: the segments after "-".
	api []string
	// pkg is the package name for package paths; rest are the segments
	// after it ("-", "<file>.tgz", "-rev", "<rev>").
	pkg  string
	rest []string
}

// parsePath splits an escaped request path. Scoped names arrive as
// "@scope%2fname" (any case of %2f) or with a literal slash; both are
// accepted.
func parsePath(escaped string) (route, bool) {
	p := strings.TrimPrefix(escaped, "/")
	if p == "" {
		return route{}, false
	}
	raw := strings.Split(p, "/")
	segs := make([]string, 0, len(raw))
	for _, s := range raw {
		u, err := url.PathUnescape(s)
		if err != nil {
			return route{}, false
		}
		segs = append(segs, u)
	}
	if segs[0] == "-" {
		return route{api: segs[1:]}, true
	}
	// "@scope%2fname" unescapes to "@scope/name" in one segment.
	if strings.HasPrefix(segs[0], "@") {
		if strings.Contains(segs[0], "/") {
			return route{pkg: segs[0], rest: segs[1:]}, true
		}
		if len(segs) < 2 {
			return route{}, false
		}
		return route{pkg: segs[0] + "/" + segs[1], rest: segs[2:]}, true
	}
	return route{pkg: segs[0], rest: segs[1:]}, true
}

// packageFromSegments joins "/-/package/<pkg>/..." style segments: the
// package may be one segment ("@scope/name" after unescaping) or two.
func packageFromSegments(segs []string) (string, []string, bool) {
	if len(segs) == 0 || segs[0] == "" {
		return "", nil, false
	}
	if strings.HasPrefix(segs[0], "@") && !strings.Contains(segs[0], "/") {
		if len(segs) < 2 {
			return "", nil, false
		}
		return segs[0] + "/" + segs[1], segs[2:], true
	}
	return segs[0], segs[1:], true
}
