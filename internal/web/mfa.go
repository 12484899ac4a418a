package web

import (
	"encoding/base64"
	"errors"
	"html/template"
	"net/http"

	"github.com/rampart/rampart/internal/authn"
	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/clientaddr"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/web/webkit"
)

// Two-factor authentication pages: the second sign-in step, and enrolling,
// regenerating recovery codes and turning the authenticator app off. The
// account service decides everything; these carry forms.

// loginOTP is the second sign-in step: the code for the pending sign-in.
func (h *Handler) loginOTP(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	if err := webkit.ParseForm(w, r); err != nil {
		return err
	}
	next := webkit.SafeNext(r.PostForm.Get("next"))
	var pending string
	if c, err := r.Cookie(pendingCookie); err == nil && len(c.Value) <= maxCookieLength {
		pending = c.Value
	}
	u, value, err := h.authn.FinishWebSignIn(r.Context(), pending, r.PostForm.Get("code"), clientaddr.Of(r))
	if err != nil {
		status := h.status(w, r, err)
		if errors.Is(err, authn.ErrSignInExpired) {
			h.setCookie(w, pendingCookie, "", -1)
			return h.render(w, r, p, status, "login", pageData{Title: "Sign in", Next: next, Body: loginBody{Next: next, Error: webkit.Message(err)}})
		}
		totp, keys, _ := h.authn.PendingFactors(r.Context(), pending)
		return h.render(w, r, p, status, "login_otp", pageData{Title: "Two-factor authentication", Next: next, Body: loginBody{Next: next, Error: webkit.Message(err), TOTP: totp, Keys: keys}})
	}
	h.setCookie(w, pendingCookie, "", -1)
	return h.finishSignIn(w, r, u, value, next)
}

type mfaBody struct {
	On            bool
	RecoveryCodes int
	// Enrolment, while the app is not set up yet.
	Secret string
	QR     template.URL // data:image/png;base64,...
	// NewCodes are shown once, right after they were made.
	NewCodes []string
	Notice   string
	Error    string
	// HasKey: the account has a security key or passkey already.
	HasKey bool
}

func (h *Handler) mfaPage(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	if p.User == nil {
		webkit.Redirect(w, pathLogin+"?next="+pathMFA)
		return nil
	}
	b := mfaBody{}
	if r.URL.Query().Get("disabled") != "" {
		b.Notice = "Two-factor authentication is off."
	}
	if missing, _ := authz.AdminFactorMissing(p); missing {
		b.Notice = adminMFANotice
	}
	return h.renderMFA(w, r, p, http.StatusOK, b)
}

// renderMFA fills in the status (and, when off, the enrolment) and renders.
func (h *Handler) renderMFA(w http.ResponseWriter, r *http.Request, p authz.Principal, status int, b mfaBody) error {
	st, err := h.factors.MFAStatus(r.Context(), p)
	if err != nil {
		return err
	}
	b.On, b.RecoveryCodes, b.HasKey = st.TOTP, st.RecoveryCodes, p.HasKey
	if !b.On {
		e, err := h.factors.BeginTOTP(r.Context(), p)
		if core.KindOf(err) == core.KindForbidden && b.Error == "" {
			// A first factor only from a fresh sign-in: say so, show
			// no enrolment.
			b.Error = webkit.Message(err)
			return h.render(w, r, p, status, "mfa", pageData{Title: "Two-factor authentication", Body: b})
		}
		if err != nil {
			return err
		}
		b.Secret = e.Secret
		// The PNG is ours, and the CSP allows data: images.
		b.QR = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(e.QRPNG))
	}
	return h.render(w, r, p, status, "mfa", pageData{Title: "Two-factor authentication", Body: b})
}

func (h *Handler) mfaConfirm(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	if p.User == nil {
		return webkit.NeedSignIn(r)
	}
	if err := webkit.ParseForm(w, r); err != nil {
		return err
	}
	codes, err := h.factors.ConfirmTOTP(r.Context(), p, r.PostForm.Get("code"))
	if err != nil {
		return h.renderMFA(w, r, p, h.status(w, r, err), mfaBody{Error: webkit.Message(err)})
	}
	return h.render(w, r, p, http.StatusOK, "mfa", pageData{Title: "Two-factor authentication", Body: mfaBody{
		On: true, RecoveryCodes: len(codes), NewCodes: codes,
		Notice: "Two-factor authentication is on. Save these recovery codes now: they are shown only once.",
	}})
}

func (h *Handler) mfaRegenerate(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	if p.User == nil {
		return webkit.NeedSignIn(r)
	}
	if err := webkit.ParseForm(w, r); err != nil {
		return err
	}
	codes, err := h.factors.RegenerateRecoveryCodes(r.Context(), p, r.PostForm.Get("code"))
	if err != nil {
		return h.renderMFA(w, r, p, h.status(w, r, err), mfaBody{Error: webkit.Message(err)})
	}
	return h.render(w, r, p, http.StatusOK, "mfa", pageData{Title: "Two-factor authentication", Body: mfaBody{
		On: true, RecoveryCodes: len(codes), NewCodes: codes,
		Notice: "New recovery codes: the old ones no longer work. Save these now: they are shown only once.",
	}})
}

func (h *Handler) mfaDisable(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	if p.User == nil {
		return webkit.NeedSignIn(r)
	}
	if err := webkit.ParseForm(w, r); err != nil {
		return err
	}
	if err := h.factors.DisableTOTP(r.Context(), p, r.PostForm.Get("password"), r.PostForm.Get("code")); err != nil {
		return h.renderMFA(w, r, p, h.status(w, r, err), mfaBody{Error: webkit.Message(err)})
	}
	webkit.Redirect(w, pathMFA+"?disabled=1")
	return nil
}
