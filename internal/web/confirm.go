package web

import (
	"net/http"
	"net/url"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/web/webkit"
)

// The web step-up: a sensitive action (creating a token, removing a
// second factor, changing the email address) refused because the
// session's second factor is older than the step-up window sends the
// browser to /account/confirm, which asks for the factor again, records
// it on the session and returns to the page the action came from.

const pathConfirm = "/account/confirm"

type confirmBody struct {
	Next  string
	TOTP  bool // an authenticator app is on
	Keys  bool // a security key or passkey is registered
	Error string
}

// stepUpRedirect reports whether err is the step-up refusal of a browser
// session and, if so, sends the browser to the confirm page.
func (h *Handler) stepUpRedirect(w http.ResponseWriter, r *http.Request, p authz.Principal, err error) bool {
	if core.KindOf(err) != core.KindOTPRequired || p.User == nil || p.Token != nil || p.SessionID == "" {
		return false
	}
	webkit.Redirect(w, pathConfirm+"?"+url.Values{"next": {stepUpNext(r)}}.Encode())
	return true
}

// stepUpNext is where the confirm page returns to: the page itself for a
// GET, the page the form was on (same site) for a POST.
func stepUpNext(r *http.Request) string {
	if r.Method == http.MethodGet {
		return webkit.SafeNext(r.URL.RequestURI())
	}
	if ref, err := url.Parse(r.Referer()); err == nil && ref.Host == r.Host && ref.Path != "" {
		return webkit.SafeNext(ref.RequestURI())
	}
	return pathAccount
}

func (h *Handler) confirmForm(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	next := webkit.SafeNext(r.URL.Query().Get("next"))
	return h.renderConfirm(w, r, p, http.StatusOK, confirmBody{Next: next})
}

func (h *Handler) confirm(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	if err := webkit.ParseForm(w, r); err != nil {
		return err
	}
	next := webkit.SafeNext(r.PostForm.Get("next"))
	if p.User == nil {
		webkit.Redirect(w, pathLogin+"?"+url.Values{"next": {next}}.Encode())
		return nil
	}
	if err := h.factors.ConfirmWebSession(r.Context(), p, r.PostForm.Get("code")); err != nil {
		return h.renderConfirm(w, r, p, h.status(w, r, err), confirmBody{Next: next, Error: webkit.Message(err)})
	}
	webkit.Redirect(w, next)
	return nil
}

func (h *Handler) renderConfirm(w http.ResponseWriter, r *http.Request, p authz.Principal, status int, b confirmBody) error {
	if p.User == nil {
		webkit.Redirect(w, pathLogin+"?"+url.Values{"next": {pathConfirm + "?" + url.Values{"next": {b.Next}}.Encode()}}.Encode())
		return nil
	}
	st, err := h.factors.MFAStatus(r.Context(), p)
	if err != nil {
		return err
	}
	keys, err := h.factors.SecurityKeys(r.Context(), p)
	if err != nil {
		return err
	}
	b.TOTP, b.Keys = st.TOTP, len(keys) > 0
	return h.render(w, r, p, status, "confirm", pageData{Title: "Confirm it's you", Next: b.Next, Body: b})
}
