package web

import (
	"net/http"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/clientaddr"
	"github.com/rampart/rampart/internal/identity"
	"github.com/rampart/rampart/internal/web/webkit"
)

// cancelRecoveryForm is the page the assisted-recovery notice links to.
// Following the link only shows a button: a mail scanner that opens links
// cancels nothing.
func (h *Handler) cancelRecoveryForm(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	token := r.URL.Query().Get("token")
	b := linkBody{Heading: "Cancel the recovery of your account", Action: "/" + identity.PathCancelRecovery, Button: "Cancel the recovery"}
	if err := h.id.CheckRecoveryCancel(r.Context(), token, clientaddr.Of(r)); err != nil {
		b.Error = webkit.Message(err)
		return h.render(w, r, p, h.status(w, r, err), "link", pageData{Title: b.Heading, Next: pathHome, Body: b})
	}
	b.Token = token
	return h.render(w, r, p, http.StatusOK, "link", pageData{Title: b.Heading, Next: pathHome, Body: b})
}

func (h *Handler) cancelRecovery(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	if err := webkit.ParseForm(w, r); err != nil {
		return err
	}
	u, err := h.id.CancelRecovery(r.Context(), r.PostForm.Get("token"), clientaddr.Of(r))
	if err != nil {
		b := linkBody{Heading: "Cancel the recovery of your account", Error: webkit.Message(err)}
		return h.render(w, r, p, h.status(w, r, err), "link", pageData{Title: b.Heading, Next: pathHome, Body: b})
	}
	return h.notice(w, r, p, noticeBody{Heading: "Recovery cancelled",
		Message: "The assisted recovery of " + u.Name + " is cancelled: nothing about the account changes. If you did not ask for it, someone may be trying to take the account over; review your account security page.",
		Link:    pathAccount, LinkText: "Go to your account"})
}
