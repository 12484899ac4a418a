package npm

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/rampart/rampart/internal/authn"
	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/clientaddr"
	"github.com/rampart/rampart/internal/core"
)

// npm's web login (`npm login` with the default auth-type web): POST
// /-/v1/login answers with a URL for the browser and one for the CLI to
// poll. The poll answers 202 with Retry-After while the browser has not
// approved (a 4xx would make npm fall back to password prompts), the token
// once approved, and 404 when the login expired or was collected.

// webLoginRetry is the Retry-After of a pending poll, in seconds.
const webLoginRetry = "1"

func (h *Handler) webLogin(w http.ResponseWriter, r *http.Request, segs []string) error {
	switch {
	case len(segs) == 2 && segs[1] == "login" && r.Method == http.MethodPost:
		var body struct {
			Create bool `json:"create"`
		}
		if r.ContentLength != 0 {
			if err := readJSON(w, r, &body); err != nil {
				return err
			}
		}
		urls, err := h.authn.StartCLILogin(r.Context(), clientaddr.Of(r))
		if err != nil {
			return err
		}
		if body.Create {
			// `npm adduser`: sign up first, then approve.
			if u, err := url.Parse(urls.LoginURL); err == nil {
				signup := *u
				signup.Path = strings.TrimSuffix(u.Path, authn.PathCLILogin+pathBase(u.Path)) + "signup"
				signup.RawQuery = url.Values{"next": {u.Path}}.Encode()
				urls.LoginURL = signup.String()
			}
		}
		return writeJSON(w, http.StatusOK, urls)
	case len(segs) == 3 && segs[1] == "done" && (r.Method == http.MethodGet || r.Method == http.MethodHead):
		tok, pending, err := h.authn.PollCLILogin(r.Context(), segs[2])
		if err != nil {
			return err
		}
		if pending {
			w.Header().Set("Retry-After", webLoginRetry)
			return writeJSON(w, http.StatusAccepted, map[string]any{})
		}
		return writeJSON(w, http.StatusOK, map[string]string{"token": tok.Value})
	}
	return methodNotAllowed(r)
}

func pathBase(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}

// WebOTP is webOTP for another front-end whose callers are npm's users
// (the moderation API, internal/moderationapi).
func (h *Handler) WebOTP(w http.ResponseWriter, r *http.Request, p authz.Principal, err error) bool {
	return h.webOTP(w, r, p, err)
}

// webOTP answers a write refused for want of a one-time password with
// npm's web OTP challenge when the account's only second factors are
// security keys or passkeys, which npm cannot prompt for: a 401 with
// WWW-Authenticate: OTP whose body has authUrl (the browser approves with
// the key) and doneUrl (npm polls it like a web login and sends the value
// it gets as npm-otp). It reports whether it answered.
func (h *Handler) webOTP(w http.ResponseWriter, r *http.Request, p authz.Principal, err error) bool {
	if core.KindOf(err) != core.KindOTPRequired || p.User == nil || p.Token == nil {
		return false
	}
	ctx := r.Context()
	if need, nerr := h.authn.NeedsWebOTP(ctx, p.User); nerr != nil || !need {
		return false
	}
	urls, serr := h.authn.StartWebOTP(ctx, p.User, clientaddr.Of(r))
	if serr != nil {
		h.log.ErrorContext(ctx, "starting web OTP", "user", p.User.Name, "err", serr)
		return false
	}
	w.Header().Set("WWW-Authenticate", "OTP")
	writeJSON(w, http.StatusUnauthorized, map[string]string{
		"error":   "This operation needs your security key or passkey: approve it in the browser at " + urls.LoginURL,
		"authUrl": urls.LoginURL,
		"doneUrl": urls.DoneURL,
	})
	return true
}
