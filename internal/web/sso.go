package web

import (
	"context"
	"net/http"
	"net/url"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/sso"
	"github.com/rampart/rampart/internal/web/webkit"
)

// SSO is sign-in with the company's identity provider (internal/sso).
type SSO interface {
	Providers() []sso.Info
	Begin(ctx context.Context, name, next string) (authURL, cookie string, err error)
	Finish(ctx context.Context, name, cookie string, q url.Values) (*sso.Result, error)
}

// ssoCookie holds a sign-in in flight: its state, nonce and PKCE verifier.
const ssoCookie = "rampart_sso"

// WithSSO adds the "Sign in with …" buttons and the flow's two pages:
// /-/sso/<name> sends the browser to the provider, /-/sso/<name>/callback
// signs it in as a password sign-in would (a second factor, if the
// account has one, is asked next).
func (h *Handler) WithSSO(s SSO) *Handler {
	if s == nil || len(s.Providers()) == 0 {
		return h
	}
	h.sso = s
	h.mux.Handle("GET /"+sso.PathPrefix+"{provider}", h.page(h.ssoStart))
	h.mux.Handle("GET /"+sso.PathPrefix+"{provider}/callback", h.page(h.ssoCallback))
	return h
}

// ssoButtons are the sign-in page's providers.
func (h *Handler) ssoButtons() []sso.Info {
	if h.sso == nil {
		return nil
	}
	return h.sso.Providers()
}

func (h *Handler) ssoStart(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	next := webkit.SafeNext(r.URL.Query().Get("next"))
	to, cookie, err := h.sso.Begin(r.Context(), r.PathValue("provider"), next)
	if err != nil {
		return err
	}
	h.setCookie(w, ssoCookie, cookie, int(sso.CookieLifetime.Seconds()))
	webkit.Redirect(w, to)
	return nil
}

func (h *Handler) ssoCallback(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	var cookie string
	if c, err := r.Cookie(ssoCookie); err == nil && len(c.Value) <= maxSSOCookieLength {
		cookie = c.Value
	}
	// The flight is spent, whatever the outcome.
	h.setCookie(w, ssoCookie, "", -1)
	res, err := h.sso.Finish(r.Context(), r.PathValue("provider"), cookie, r.URL.Query())
	if err != nil {
		status := h.status(w, r, err)
		body := loginBody{Next: "/", Error: webkit.Message(err), SSO: h.ssoButtons()}
		return h.render(w, r, p, status, "login", pageData{Title: "Sign in", Next: "/", Body: body})
	}
	return h.continueSignIn(w, r, p, res.User, webkit.SafeNext(res.Next))
}

// maxSSOCookieLength bounds the flight cookie read back (sso.Finish
// refuses longer ones too): its state, nonce, verifier and next path.
const maxSSOCookieLength = 4096
