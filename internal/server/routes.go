package server

import (
	"net/http"

	"github.com/rampart/rampart/internal/scanapi"
	"github.com/rampart/rampart/internal/web"
)

// muxRoute is one pattern of the server's mux besides the catch-all.
type muxRoute struct {
	pattern string
	handler http.Handler
}

// serverRoutes lists the mux's patterns besides the catch-all ("/"), in
// this one place, each with the handler h gives for its name. Handler
// serves them and TestFastReadsRoutesAsMux checks fastReads against the
// same list. Every pattern's path starts "/-/" or "/.": fastReads sends
// any other clean path straight to the catch-all (catchAllOnly), so a
// route outside them must be excluded there too (the test says so).
func serverRoutes(h func(name string) http.Handler) []muxRoute {
	return []muxRoute{
		{"GET /-/healthz", h("healthz")},
		{"/-/static/", h("static")},
		// WebAuthn's JSON endpoints (webauthn.js) belong to the web UI.
		{"POST /-/webauthn/", h("webauthn")},
		{"GET /-/policies/{name}", h("policies")},
		{"GET " + web.PathSecurityTxt, h("security.txt")},
		{scanapi.Path, h("secret-scanning")},
	}
}

// newMux is a mux with routes; the caller adds the catch-all ("/").
func newMux(routes []muxRoute) *http.ServeMux {
	mux := http.NewServeMux()
	for _, r := range routes {
		mux.Handle(r.pattern, r.handler)
	}
	return mux
}
