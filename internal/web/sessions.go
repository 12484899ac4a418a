package web

import (
	"net/http"

	"github.com/rampart/rampart/internal/authz"
)

// pathSessions is where a signed-in browser is signed out from the account page.
const pathSessions = "/account/sessions/revoke"

// revokeSession signs one browser out: another one the user no longer
// trusts, or this one.
func (h *Handler) revokeSession(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	if p.User == nil {
		return needSignIn(r)
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	if err := h.acct.RevokeSession(r.Context(), p, r.PostForm.Get("session")); err != nil {
		return err
	}
	redirect(w, pathAccount+"?session-revoked=1")
	return nil
}
