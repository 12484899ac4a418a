package npm

import (
	"net/http"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
)

// readJSONSignedIn is readJSON for endpoints only a signed-in caller may
// use: an anonymous request is refused before any of its body is read, so
// nobody who is not allowed makes the server receive and hold up to
// limits.MaxJSONBodyBytes (security review, 5 December 2026). The service
// still decides everything else after the body.
func readJSONSignedIn(w http.ResponseWriter, r *http.Request, p authz.Principal, v any) error {
	if p.Anonymous() {
		return core.Errorf(core.KindUnauthenticated, "this action needs you to be logged in: run `npm login`")
	}
	return readJSON(w, r, v)
}

// tooLargeDeclared refuses a body whose declared length is already over
// max, before reading it.
func tooLargeDeclared(r *http.Request, max int64) error {
	if r.ContentLength > max {
		return core.Errorf(core.KindTooLarge, "request body is larger than the limit of %d MiB", max>>20)
	}
	return nil
}
