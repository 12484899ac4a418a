package web

import (
	"net/http"
	"time"

	"github.com/rampart/rampart/internal/authn"
	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/web/webkit"
)

// pathSessions is where a signed-in browser is signed out from the account
// page; pathSignOutOthers signs out all the others at once.
const (
	pathSessions      = "/account/sessions/revoke"
	pathSignOutOthers = "/account/sessions/revoke-others"
)

// revokeSession signs one browser out: another one the user no longer
// trusts, or this one.
func (h *Handler) revokeSession(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	if p.User == nil {
		return webkit.NeedSignIn(r)
	}
	if err := webkit.ParseForm(w, r); err != nil {
		return err
	}
	if err := h.authn.RevokeSession(r.Context(), p, r.PostForm.Get("session")); err != nil {
		return err
	}
	webkit.Redirect(w, pathAccount+"?session-revoked=1")
	return nil
}

// signOutOthers signs out every other browser and npm login of the
// account (a lost laptop, a shared computer), keeping this one.
func (h *Handler) signOutOthers(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	if p.User == nil {
		return webkit.NeedSignIn(r)
	}
	if err := webkit.ParseForm(w, r); err != nil {
		return err
	}
	// This browser gets a new cookie: a stolen copy of the old one is
	// signed out with the others.
	_, value, err := h.authn.SignOutOthers(r.Context(), p)
	if err != nil {
		return err
	}
	h.setSessionCookie(w, value, int(authn.WebSessionLifetime/time.Second))
	webkit.Redirect(w, pathAccount+"?others-signed-out=1")
	return nil
}
