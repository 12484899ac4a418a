package npm

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/rampart/rampart/internal/account"
)

// npm's web login (`npm login` with the default auth-type web): POST
// /-/v1/login answers with a URL for the browser and one for the CLI to
// poll. The poll answers 202 with Retry-After while the browser has not
// approved (a 4xx would make npm fall back to password prompts), the token
// once approved, and 404 when the login expired or was collected.

// webLoginRetry is the Retry-After of a pending poll, in seconds.
const webLoginRetry = "1"

// isWebLogin reports whether the API path is part of the web login, which
// must work whatever stale token npm sends along.
func isWebLogin(segs []string) bool {
	return len(segs) >= 2 && segs[0] == "v1" && (segs[1] == "login" || segs[1] == "done")
}

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
		urls, err := h.acct.StartCLILogin(r.Context(), ClientAddr(r))
		if err != nil {
			return err
		}
		if body.Create {
			// `npm adduser`: sign up first, then approve.
			if u, err := url.Parse(urls.LoginURL); err == nil {
				signup := *u
				signup.Path = strings.TrimSuffix(u.Path, account.PathCLILogin+pathBase(u.Path)) + "signup"
				signup.RawQuery = url.Values{"next": {u.Path}}.Encode()
				urls.LoginURL = signup.String()
			}
		}
		return writeJSON(w, http.StatusOK, urls)
	case len(segs) == 3 && segs[1] == "done" && (r.Method == http.MethodGet || r.Method == http.MethodHead):
		tok, pending, err := h.acct.PollCLILogin(r.Context(), segs[2])
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
