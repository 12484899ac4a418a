package web

import (
	"net/http"

	"github.com/rampart/rampart/internal/authz"
)

// Principal is the browser session r signs in with, anonymous if none:
// the same resolution every page makes, for the registry's read gate
// (internal/server), which decides before any page or package read runs.
func (h *Handler) Principal(r *http.Request) authz.Principal {
	return h.principal(h.ownCookies(r))
}
