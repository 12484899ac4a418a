// Package ssopages is the web UI's sign-in with the company's identity
// provider (internal/sso): the "Sign in with …" buttons on the sign-in
// page, /-/sso/<name> that sends the browser to the provider, and
// /-/sso/<name>/callback that signs it in as a password sign-in would (a
// second factor, if the account has one, is asked next), through the
// shell's sign-in (webkit.SignInShell). The flight (state, nonce, PKCE
// verifier) lives in a short-lived cookie, spent by the callback whatever
// its outcome.
package ssopages

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

// Pages serves the sign-in with s.
type Pages struct {
	sso SSO
	sh  webkit.SignInShell
}

// New returns the pages; with no provider they mount nothing.
func New(s SSO) *Pages { return &Pages{sso: s} }

// Mount adds the buttons and the flow's two pages, in a shell that can
// sign in (webkit.SignInShell).
func (g *Pages) Mount(sh webkit.Shell) {
	si, ok := sh.(webkit.SignInShell)
	if !ok || g.sso == nil || len(g.sso.Providers()) == 0 {
		return
	}
	g.sh = si
	si.Handle("GET /"+sso.PathPrefix+"{provider}", g.start)
	si.Handle("GET /"+sso.PathPrefix+"{provider}/callback", g.callback)
	si.AddSignInOptions(g.buttons)
}

// buttons are the sign-in page's providers.
func (g *Pages) buttons() []webkit.SignInOption {
	var out []webkit.SignInOption
	for _, p := range g.sso.Providers() {
		out = append(out, webkit.SignInOption{Name: p.Name, Label: p.DisplayName, Path: "/" + sso.PathPrefix + p.Name})
	}
	return out
}

func (g *Pages) start(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	next := webkit.SafeNext(r.URL.Query().Get("next"))
	to, cookie, err := g.sso.Begin(r.Context(), r.PathValue("provider"), next)
	if err != nil {
		return err
	}
	g.sh.SetCookie(w, webkit.CookieSSOFlight, cookie, int(sso.CookieLifetime.Seconds()))
	webkit.Redirect(w, to)
	return nil
}

func (g *Pages) callback(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	var cookie string
	if c, err := r.Cookie(webkit.CookieSSOFlight); err == nil && len(c.Value) <= maxSSOCookieLength {
		cookie = c.Value
	}
	// The flight is spent, whatever the outcome.
	g.sh.SetCookie(w, webkit.CookieSSOFlight, "", -1)
	res, err := g.sso.Finish(r.Context(), r.PathValue("provider"), cookie, r.URL.Query())
	if err != nil {
		return g.sh.SignInFailed(w, r, p, err)
	}
	return g.sh.ContinueSignIn(w, r, p, res.User, webkit.SafeNext(res.Next))
}

// maxSSOCookieLength bounds the flight cookie read back (sso.Finish
// refuses longer ones too): its state, nonce, verifier and next path.
const maxSSOCookieLength = 4096
