package web

import (
	"net/http"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/web/webkit"
)

// A pending change of address, shown on the account page with a button
// that cancels it: the link goes only to the new address, so this page
// is where the owner of the current one sees it (and the notice mailed
// to the current address points here).

const pathEmailCancel = "/account/email/cancel"

func (h *Handler) cancelEmailChange(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	if p.User == nil {
		return webkit.NeedSignIn(r)
	}
	if err := webkit.ParseForm(w, r); err != nil {
		return err
	}
	if err := h.id.CancelEmailChange(r.Context(), p); err != nil {
		return err
	}
	webkit.Redirect(w, pathAccount+"?email-change-cancelled=1")
	return nil
}
