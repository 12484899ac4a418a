package web

import (
	"net/http"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/clientaddr"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/identity"
	"github.com/rampart/rampart/internal/quote"
	"github.com/rampart/rampart/internal/web/webkit"
)

// Changing the account's address, and the prompt to do so when the
// current address's domain was found abandoned (AUTHN-2a).

const pathEmail = "/account/email"

// domainPrompt fills the account page's email-domain fields.
func (h *Handler) domainPrompt(r *http.Request, p authz.Principal, b *accountBody) error {
	st, err := h.id.EmailDomainStatus(r.Context(), p)
	if err != nil || st == nil {
		return err
	}
	if st.Status == core.DomainAbandoned {
		b.DomainAbandoned, b.DomainReasons = true, st.Reasons
	}
	return nil
}

// changeEmail asks for a change-of-address link to the new address.
func (h *Handler) changeEmail(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	if p.User == nil {
		return webkit.NeedSignIn(r)
	}
	if err := webkit.ParseForm(w, r); err != nil {
		return err
	}
	newEmail := r.PostForm.Get("email")
	if err := h.id.RequestEmailChange(r.Context(), p, r.PostForm.Get("password"), newEmail); err != nil {
		if h.stepUpRedirect(w, r, p, err) {
			return nil
		}
		status := h.status(w, r, err)
		b := accountBody{Email: p.User.Email, Verified: p.User.EmailVerified, Error: webkit.Message(err), NewEmail: quote.TruncateUTF8(newEmail, 254)}
		if err := h.domainPrompt(r, p, &b); err != nil {
			return err
		}
		// A pending change stays in view, with its cancel button.
		if b.PendingEmail, err = h.id.PendingEmailChange(r.Context(), p); err != nil {
			return err
		}
		return h.render(w, r, p, status, "account", pageData{Title: "Your account", Body: b})
	}
	webkit.Redirect(w, pathAccount+"?email-sent=1")
	return nil
}

func (h *Handler) confirmEmailForm(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	token := r.URL.Query().Get("token")
	b := linkBody{Heading: "Confirm your new email address", Action: "/" + identity.PathConfirmEmail, Button: "Use this address for my account"}
	if err := h.id.CheckLink(r.Context(), token, core.PurposeChangeEmail, clientaddr.Of(r)); err != nil {
		b.Error = webkit.Message(err)
		return h.render(w, r, p, h.status(w, r, err), "link", pageData{Title: b.Heading, Next: pathHome, Body: b})
	}
	b.Token = token
	return h.render(w, r, p, http.StatusOK, "link", pageData{Title: b.Heading, Next: pathHome, Body: b})
}

func (h *Handler) confirmEmail(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	if err := webkit.ParseForm(w, r); err != nil {
		return err
	}
	u, err := h.id.ConfirmEmailChange(r.Context(), r.PostForm.Get("token"), clientaddr.Of(r))
	if err != nil {
		b := linkBody{Heading: "Confirm your new email address", Error: webkit.Message(err)}
		return h.render(w, r, p, h.status(w, r, err), "link", pageData{Title: b.Heading, Next: pathHome, Body: b})
	}
	return h.notice(w, r, p, noticeBody{Heading: "Email address changed",
		Message: "Thank you, " + u.Name + ": " + u.Email + " is now your account's verified address. We have told the old address too.",
		Link:    pathAccount, LinkText: "Go to your account"})
}
