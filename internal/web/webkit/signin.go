package webkit

import (
	"net/http"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
)

// SignInShell is the shell's sign-in, for a group that proves who a
// browser is in a way of its own (an identity provider: ssopages). A
// group finds it by type assertion on the Shell it is mounted in; the
// shell keeps the one sign-in: the second factor, the session, the
// cookies.
type SignInShell interface {
	Shell
	// SetCookie sets (maxAge > 0) or clears (maxAge < 0) a cookie of the
	// web UI's own (HttpOnly, SameSite=Lax, under the __Host- prefix on
	// https); name must be one the shell knows as its own
	// (CookieSSOFlight).
	SetCookie(w http.ResponseWriter, name, value string, maxAge int)
	// ContinueSignIn signs u in once they proved who they are: with a
	// second factor next if the account has one, else at once, then to
	// next (a local path).
	ContinueSignIn(w http.ResponseWriter, r *http.Request, p authz.Principal, u *core.User, next string) error
	// SignInFailed shows the sign-in page with err's message, under its
	// status.
	SignInFailed(w http.ResponseWriter, r *http.Request, p authz.Principal, err error) error
	// AddSignInOptions adds buttons to the sign-in page, listed by f on
	// each view.
	AddSignInOptions(f func() []SignInOption)
}

// SignInOption is a button on the sign-in page: "Sign in with <Label>",
// a link to Path with ?next=, its element id "sso-<Name>".
type SignInOption struct {
	Name, Label, Path string
}

// CookieSSOFlight is the cookie that holds a sign-in with an identity
// provider in flight (its state, nonce and PKCE verifier).
const CookieSSOFlight = "rampart_sso"
