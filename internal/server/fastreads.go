package server

import (
	"net/http"
	"path"
)

// fastReads sends the requests that make most of a registry's traffic,
// GET and HEAD of a package's document or tarball, straight to catchAll,
// the handler mux would pick for them anyway: its pattern match (a method
// and host lookup, the path's segments walked through the routing tree)
// costs as much as the npm front-end's answer to a revalidation (a 304
// from memory). Every other request goes through mux.
//
// A request takes the short way only when mux would certainly give it to
// catchAll ("/"): every other pattern starts "/-/" or "/." (security.txt
// under "/.well-known/"; no package name starts with a dot), and mux
// redirects a path that is not clean (cleanPath), so only a clean path
// whose first segment neither is "-", starts with "." nor starts with an
// escape ("%2D" is "-", "%2E" is ".") does.
func fastReads(mux http.Handler, catchAll http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if (r.Method == http.MethodGet || r.Method == http.MethodHead) && catchAllOnly(r.URL.EscapedPath()) {
			catchAll(w, r)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// catchAllOnly reports whether p, a request's escaped path, is one that
// mux routes to "/" without a redirect.
func catchAllOnly(p string) bool {
	if len(p) < 2 || p[0] != '/' || p[1] == '-' || p[1] == '.' || p[1] == '%' {
		return false
	}
	return cleanPath(p) == p
}

// cleanPath is net/http's (ServeMux redirects to it): path.Clean, keeping
// a trailing slash. path.Clean returns a clean path without allocating.
func cleanPath(p string) string {
	np := path.Clean(p)
	if p[len(p)-1] == '/' && np != "/" {
		if len(p) == len(np)+1 && p[:len(np)] == np {
			return p
		}
		return np + "/"
	}
	return np
}
