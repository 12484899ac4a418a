package web

import (
	"net/http"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/web/webkit"
)

// The shell's sign-in for page groups that prove who a browser is in a
// way of their own (webkit.SignInShell; ssopages).

// SetCookie sets or clears one of the web UI's own cookies
// (webkit.SignInShell).
func (h *Handler) SetCookie(w http.ResponseWriter, name, value string, maxAge int) {
	h.setCookie(w, name, value, maxAge)
}

// ContinueSignIn signs u in (webkit.SignInShell).
func (h *Handler) ContinueSignIn(w http.ResponseWriter, r *http.Request, p authz.Principal, u *core.User, next string) error {
	return h.continueSignIn(w, r, p, u, next)
}

// SignInFailed shows the sign-in page with err (webkit.SignInShell).
func (h *Handler) SignInFailed(w http.ResponseWriter, r *http.Request, p authz.Principal, err error) error {
	status := h.status(w, r, err)
	body := loginBody{Next: "/", Error: webkit.Message(err), SSO: h.ssoButtons()}
	return h.render(w, r, p, status, "login", pageData{Title: "Sign in", Next: "/", Body: body})
}

// AddSignInOptions adds buttons to the sign-in page (webkit.SignInShell).
func (h *Handler) AddSignInOptions(f func() []webkit.SignInOption) {
	h.signInOptions = append(h.signInOptions, f)
}

// ssoButtons are the sign-in page's other ways in.
func (h *Handler) ssoButtons() []webkit.SignInOption {
	var out []webkit.SignInOption
	for _, f := range h.signInOptions {
		out = append(out, f()...)
	}
	return out
}
