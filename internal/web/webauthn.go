package web

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/rampart/rampart/internal/authn"
	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/clientaddr"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/secondfactor"
	"github.com/rampart/rampart/internal/web/webkit"
)

// Security keys and passkeys (WebAuthn) and the approval page of npm's web
// login. The browser side is /-/static/webauthn.js: it fetches options
// from the JSON endpoints under /-/webauthn/, calls
// navigator.credentials.create or .get, and posts the answer back. The
// endpoints are behind the same cross-origin protection as every form;
// the ceremony's challenge is named by an HttpOnly cookie.

const (
	pathSecurityKeys = "/account/security-keys"
	pathWebAuthn     = "/-/webauthn/"
	pathCLILogin     = "/" + authn.PathCLILogin
	// ceremonyCookie names the WebAuthn challenge in progress.
	ceremonyCookie = "rampart_webauthn"
	// maxWebAuthnBody bounds a WebAuthn answer.
	maxWebAuthnBody = 64 << 10
)

func (h *Handler) webauthnRoutes() {
	h.mux.Handle("GET "+pathSecurityKeys, h.page(h.securityKeysPage))
	h.mux.Handle("POST "+pathSecurityKeys+"/remove", h.page(h.removeSecurityKey))
	h.mux.Handle("GET "+pathCLILogin+"{id}", h.page(h.cliLoginPage))
	h.mux.Handle("POST "+pathCLILogin+"{id}", h.page(h.cliLoginApprove))
	h.mux.Handle("POST "+pathWebAuthn+"register/begin", h.api(h.registerBegin))
	h.mux.Handle("POST "+pathWebAuthn+"register/finish", h.api(h.registerFinish))
	h.mux.Handle("POST "+pathWebAuthn+"mfa/begin", h.api(h.mfaKeyBegin))
	h.mux.Handle("POST "+pathWebAuthn+"mfa/finish", h.api(h.mfaKeyFinish))
	h.mux.Handle("POST "+pathWebAuthn+"passkey/begin", h.api(h.passkeyBegin))
	h.mux.Handle("POST "+pathWebAuthn+"passkey/finish", h.api(h.passkeyFinish))
}

// apiFunc serves one JSON endpoint; an error becomes {"error": message}.
type apiFunc func(w http.ResponseWriter, r *http.Request, p authz.Principal) (any, error)

// errMustChangePassword answers a JSON request from a session whose
// password was found in a breach, as page redirects a page request.
var errMustChangePassword error = &core.Error{Kind: core.KindForbidden,
	Msg: "your password was found in a data breach: change it at " + pathPassword + " before you do anything else with this account"}

// api wraps an apiFunc with the headers of every response of the web UI,
// the principal of the session cookie, and the same gate as page: a
// session whose password was found in a breach may only change it.
func (h *Handler) api(f apiFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setSecurityHeaders(w)
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Content-Type", "application/json")
		p := h.principal(r)
		var v any
		err := errMustChangePassword
		if !mustChangePassword(r, p) {
			v, err = f(w, r, p)
		}
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				err = core.Errorf(core.KindTooLarge, "the request is larger than %d KiB", mbe.Limit/1024)
			}
			w.WriteHeader(h.status(w, r, err))
			json.NewEncoder(w).Encode(map[string]string{"error": webkit.Message(err)})
			return
		}
		json.NewEncoder(w).Encode(v)
	})
}

// webauthnRequest is what webauthn.js posts.
type webauthnRequest struct {
	Kind       string          `json:"kind"`
	Name       string          `json:"name"`
	Next       string          `json:"next"`
	Credential json.RawMessage `json:"credential"`
}

func readWebAuthn(w http.ResponseWriter, r *http.Request) (*webauthnRequest, error) {
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		return nil, core.Errorf(core.KindInvalid, "send JSON")
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxWebAuthnBody))
	if err != nil {
		return nil, err
	}
	var req webauthnRequest
	if len(body) > 0 {
		if err := json.Unmarshal(body, &req); err != nil {
			return nil, core.Errorf(core.KindInvalid, "the request is not valid JSON")
		}
	}
	return &req, nil
}

func (h *Handler) ceremony(w http.ResponseWriter, r *http.Request, o *secondfactor.Options) any {
	h.setCookie(w, ceremonyCookie, o.Ceremony, int(secondfactor.CeremonyLifetime/time.Second))
	return o.Options
}

func (h *Handler) takeCeremonyCookie(w http.ResponseWriter, r *http.Request) string {
	h.setCookie(w, ceremonyCookie, "", -1)
	if c, err := r.Cookie(ceremonyCookie); err == nil && len(c.Value) <= maxCookieLength {
		return c.Value
	}
	return ""
}

func pendingValue(r *http.Request) string {
	if c, err := r.Cookie(pendingCookie); err == nil && len(c.Value) <= maxCookieLength {
		return c.Value
	}
	return ""
}

func (h *Handler) registerBegin(w http.ResponseWriter, r *http.Request, p authz.Principal) (any, error) {
	req, err := readWebAuthn(w, r)
	if err != nil {
		return nil, err
	}
	o, err := h.factors.BeginRegisterKey(r.Context(), p, req.Kind)
	if err != nil {
		return nil, err
	}
	return h.ceremony(w, r, o), nil
}

func (h *Handler) registerFinish(w http.ResponseWriter, r *http.Request, p authz.Principal) (any, error) {
	req, err := readWebAuthn(w, r)
	if err != nil {
		return nil, err
	}
	c, err := h.factors.FinishRegisterKey(r.Context(), p, h.takeCeremonyCookie(w, r), req.Kind, req.Name, req.Credential)
	if err != nil {
		return nil, err
	}
	return map[string]string{"redirect": pathSecurityKeys + "?added=" + strconv.FormatInt(c.ID, 10)}, nil
}

func (h *Handler) mfaKeyBegin(w http.ResponseWriter, r *http.Request, p authz.Principal) (any, error) {
	o, err := h.authn.BeginKeySignIn(r.Context(), pendingValue(r))
	if err != nil {
		return nil, err
	}
	return h.ceremony(w, r, o), nil
}

func (h *Handler) mfaKeyFinish(w http.ResponseWriter, r *http.Request, p authz.Principal) (any, error) {
	req, err := readWebAuthn(w, r)
	if err != nil {
		return nil, err
	}
	u, value, err := h.authn.FinishKeySignIn(r.Context(), pendingValue(r), h.takeCeremonyCookie(w, r), req.Credential, clientaddr.Of(r))
	if err != nil {
		return nil, err
	}
	h.setCookie(w, pendingCookie, "", -1)
	return h.jsonSignIn(w, r, u, value, req.Next), nil
}

func (h *Handler) passkeyBegin(w http.ResponseWriter, r *http.Request, p authz.Principal) (any, error) {
	o, err := h.factors.BeginPasskeySignIn(r.Context(), clientaddr.Of(r))
	if err != nil {
		return nil, err
	}
	return h.ceremony(w, r, o), nil
}

func (h *Handler) passkeyFinish(w http.ResponseWriter, r *http.Request, p authz.Principal) (any, error) {
	req, err := readWebAuthn(w, r)
	if err != nil {
		return nil, err
	}
	u, value, err := h.authn.FinishPasskeySignIn(r.Context(), h.takeCeremonyCookie(w, r), req.Credential, clientaddr.Of(r))
	if err != nil {
		return nil, err
	}
	return h.jsonSignIn(w, r, u, value, req.Next), nil
}

// jsonSignIn is finishSignIn for script: the new session cookie, and
// where to go next.
func (h *Handler) jsonSignIn(w http.ResponseWriter, r *http.Request, u *core.User, value, next string) any {
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" && len(c.Value) <= maxCookieLength {
		if err := h.authn.EndWebSession(r.Context(), c.Value); err != nil {
			h.log.WarnContext(r.Context(), "ending the previous web session", "err", err)
		}
	}
	h.setSessionCookie(w, value, int(authn.WebSessionLifetime/time.Second))
	h.noteDevice(w, r, u)
	next = webkit.SafeNext(next)
	if u.PasswordCompromised {
		next = pathPassword
	}
	return map[string]string{"redirect": next}
}

// ---- the security keys page ----

type securityKeysBody struct {
	Keys   []core.WebAuthnCredential
	Notice string
	Error  string
}

func (h *Handler) securityKeysPage(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	if p.User == nil {
		webkit.Redirect(w, pathLogin+"?next="+pathSecurityKeys)
		return nil
	}
	b := securityKeysBody{}
	switch {
	case r.URL.Query().Get("added") != "":
		b.Notice = "Added. You can now use it to sign in."
	case r.URL.Query().Get("removed") != "":
		b.Notice = "Removed."
	}
	if missing, _ := authz.AdminFactorMissing(p); missing {
		b.Notice = adminKeyNotice
	}
	// Adding a key needs a recent second factor (or, for a first one, a
	// fresh sign-in): ask for it before the form, not after the ceremony.
	if err := authz.Authorize(p, authz.AddMFA, authz.Resource{}); err != nil {
		if h.stepUpRedirect(w, r, p, err) {
			return nil
		}
		b.Error = webkit.Message(err)
	}
	return h.renderSecurityKeys(w, r, p, http.StatusOK, b)
}

func (h *Handler) renderSecurityKeys(w http.ResponseWriter, r *http.Request, p authz.Principal, status int, b securityKeysBody) error {
	keys, err := h.factors.SecurityKeys(r.Context(), p)
	if err != nil {
		return err
	}
	b.Keys = keys
	return h.render(w, r, p, status, "security_keys", pageData{Title: "Security keys and passkeys", Body: b})
}

func (h *Handler) removeSecurityKey(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	if p.User == nil {
		return webkit.NeedSignIn(r)
	}
	if err := webkit.ParseForm(w, r); err != nil {
		return err
	}
	id, err := strconv.ParseInt(r.PostForm.Get("id"), 10, 64)
	if err == nil {
		err = h.factors.RemoveKey(r.Context(), p, id)
	} else {
		err = core.Errorf(core.KindInvalid, "choose a key to remove")
	}
	if h.stepUpRedirect(w, r, p, err) {
		return nil
	}
	if err != nil {
		return h.renderSecurityKeys(w, r, p, h.status(w, r, err), securityKeysBody{Error: webkit.Message(err)})
	}
	webkit.Redirect(w, pathSecurityKeys+"?removed=1")
	return nil
}

// ---- npm web login ----

type cliLoginBody struct {
	ID       string
	Addr     string
	Expires  time.Time
	Approved bool
	OTP      bool // a web OTP: an npm command waiting for a second factor
	Error    string
}

func (h *Handler) cliLoginPage(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	id := r.PathValue("id")
	if p.User == nil {
		webkit.Redirect(w, pathLogin+"?next="+pathCLILogin+id)
		return nil
	}
	req, err := h.authn.CLILogin(r.Context(), id)
	if err != nil {
		return err
	}
	title := "Approve npm login"
	if req.ForUserID != 0 {
		title = "Approve npm command"
	}
	return h.render(w, r, p, http.StatusOK, "cli_login", pageData{Title: title, Body: cliLoginBody{ID: id, Addr: req.Addr, Expires: req.ExpiresAt, Approved: req.Approved, OTP: req.ForUserID != 0}})
}

func (h *Handler) cliLoginApprove(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	id := r.PathValue("id")
	if p.User == nil {
		return webkit.NeedSignIn(r)
	}
	if err := webkit.ParseForm(w, r); err != nil {
		return err
	}
	req, err := h.authn.CLILogin(r.Context(), id)
	if err != nil {
		return err
	}
	if err := h.authn.ApproveCLILogin(r.Context(), p, id); err != nil {
		return err
	}
	if req.ForUserID != 0 {
		return h.notice(w, r, p, noticeBody{Heading: "npm command approved", Message: "The npm command waiting for your second factor can go on. You can close this tab and return to your terminal."})
	}
	return h.notice(w, r, p, noticeBody{Heading: "npm login approved", Message: "The npm CLI is now logged in as " + p.User.Name + ". You can close this tab and return to your terminal."})
}
