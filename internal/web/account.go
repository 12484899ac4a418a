package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/rampart/rampart/internal/authn"
	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/clientaddr"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/identity"
	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/quote"
	"github.com/rampart/rampart/internal/web/webkit"
)

// Pages for signing up, following mailed links, and the account page.
// Every decision is the account service's; these only carry forms.

// allowedWhileCompromised lists what a user whose password was found in a
// breach may still open: the change form, signing out, the policies.
func allowedWhileCompromised(path string) bool {
	return path == pathPassword || path == pathLogout || strings.HasPrefix(path, pathPolicies) || strings.HasPrefix(path, pathPoliciesA)
}

// signIn starts a fresh browser session for u.
func (h *Handler) signIn(w http.ResponseWriter, r *http.Request, u *core.User) error {
	value, err := h.authn.StartWebSession(r.Context(), u)
	if err != nil {
		return err
	}
	h.setSessionCookie(w, value, int(authn.WebSessionLifetime/time.Second))
	return nil
}

type noticeBody struct {
	Heading, Message, Link, LinkText string
}

func (h *Handler) notice(w http.ResponseWriter, r *http.Request, p authz.Principal, b noticeBody) error {
	return h.render(w, r, p, http.StatusOK, "notice", pageData{Title: b.Heading, Next: pathHome, Body: b})
}

// ---- sign up ----

type signupBody struct {
	Name, Email, Error string
	// Next is where to go after sign-up ("" for the account page): npm
	// adduser's web login sends the browser here on its way to approving.
	Next string
	// Mode is the registration mode (identity.Registration); Invite the
	// invitation's secret from the link, carried through the form.
	Mode, Invite string
}

func (h *Handler) signupForm(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	var next string
	if q := r.URL.Query().Get("next"); q != "" {
		next = webkit.SafeNext(q)
	}
	body := signupBody{Next: next, Mode: h.id.Registration(), Invite: quote.TruncateUTF8(r.URL.Query().Get("invite"), 128)}
	return h.render(w, r, p, http.StatusOK, "signup", pageData{Title: "Create an account", Body: body})
}

func (h *Handler) signup(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	if err := webkit.ParseForm(w, r); err != nil {
		return err
	}
	nu := identity.NewUser{
		Name:     strings.TrimSpace(r.PostForm.Get("name")),
		Email:    strings.TrimSpace(r.PostForm.Get("email")),
		Password: r.PostForm.Get("password"),
		Invite:   strings.TrimSpace(r.PostForm.Get("invite")),
	}
	u, err := h.id.Register(r.Context(), nu, clientaddr.Of(r))
	if err != nil {
		status := h.status(w, r, err)
		body := signupBody{Name: quote.TruncateUTF8(nu.Name, limits.MaxNameLength), Email: quote.TruncateUTF8(nu.Email, 254), Error: webkit.Message(err), Next: r.PostForm.Get("next"),
			Mode: h.id.Registration(), Invite: quote.TruncateUTF8(nu.Invite, 128)}
		return h.render(w, r, p, status, "signup", pageData{Title: "Create an account", Body: body})
	}
	if err := h.signIn(w, r, u); err != nil {
		return err
	}
	if next := r.PostForm.Get("next"); next != "" {
		webkit.Redirect(w, webkit.SafeNext(next))
		return nil
	}
	webkit.Redirect(w, pathAccount+"?welcome=1")
	return nil
}

// ---- mailed links ----

type linkBody struct {
	Heading, Error, Token, Action, Button string
	NewPassword                           bool
}

// The GET of a mailed link only shows a button: mail scanners that open
// links must not use them up. The POST does the work.
func (h *Handler) verifyForm(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	token := r.URL.Query().Get("token")
	b := linkBody{Heading: "Verify your email address", Action: "/" + identity.PathVerifyEmail, Button: "Verify my email address"}
	if err := h.id.CheckLink(r.Context(), token, core.PurposeVerifyEmail, clientaddr.Of(r)); err != nil {
		b.Error = webkit.Message(err)
		return h.render(w, r, p, h.status(w, r, err), "link", pageData{Title: b.Heading, Next: pathHome, Body: b})
	}
	b.Token = token
	return h.render(w, r, p, http.StatusOK, "link", pageData{Title: b.Heading, Next: pathHome, Body: b})
}

func (h *Handler) verify(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	if err := webkit.ParseForm(w, r); err != nil {
		return err
	}
	u, err := h.id.VerifyEmail(r.Context(), r.PostForm.Get("token"), clientaddr.Of(r))
	if err != nil {
		b := linkBody{Heading: "Verify your email address", Error: webkit.Message(err)}
		return h.render(w, r, p, h.status(w, r, err), "link", pageData{Title: b.Heading, Next: pathHome, Body: b})
	}
	return h.notice(w, r, p, noticeBody{Heading: "Email address verified",
		Message: "Thank you, " + u.Name + ": " + u.Email + " is verified. One step is left before you can publish: turn on two-factor authentication (an authenticator app, a security key or a passkey); publishing and publishing tokens need it.",
		Link:    pathMFA, LinkText: "Turn on two-factor authentication"})
}

func (h *Handler) forgotForm(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	return h.render(w, r, p, http.StatusOK, "forgot", pageData{Title: "Forgotten password", Body: linkBody{}})
}

func (h *Handler) forgot(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	if err := webkit.ParseForm(w, r); err != nil {
		return err
	}
	if err := h.id.RequestPasswordReset(r.Context(), r.PostForm.Get("email"), clientaddr.Of(r)); err != nil {
		return h.render(w, r, p, h.status(w, r, err), "forgot", pageData{Title: "Forgotten password", Body: linkBody{Error: webkit.Message(err)}})
	}
	return h.notice(w, r, p, noticeBody{Heading: "Check your mail",
		Message: "If that address belongs to an account and is verified, we have mailed it a link to choose a new password. The link works once, for one hour."})
}

func (h *Handler) resetForm(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	token := r.URL.Query().Get("token")
	b := linkBody{Heading: "Choose a new password", Action: "/" + identity.PathResetPassword, Button: "Set the new password", NewPassword: true}
	if err := h.id.CheckLink(r.Context(), token, core.PurposePasswordReset, clientaddr.Of(r)); err != nil {
		b.Error = webkit.Message(err)
		return h.render(w, r, p, h.status(w, r, err), "link", pageData{Title: b.Heading, Next: pathHome, Body: b})
	}
	b.Token = token
	return h.render(w, r, p, http.StatusOK, "link", pageData{Title: b.Heading, Next: pathHome, Body: b})
}

func (h *Handler) reset(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	if err := webkit.ParseForm(w, r); err != nil {
		return err
	}
	token := r.PostForm.Get("token")
	_, err := h.id.ResetPassword(r.Context(), token, r.PostForm.Get("password"), clientaddr.Of(r))
	if err != nil {
		b := linkBody{Heading: "Choose a new password", Action: "/" + identity.PathResetPassword, Button: "Set the new password", NewPassword: true, Error: webkit.Message(err)}
		if core.KindOf(err) == core.KindInvalid && strings.HasPrefix(webkit.Message(err), "choose another password") {
			b.Token = token // the link still works: let the user try another password
		}
		return h.render(w, r, p, h.status(w, r, err), "link", pageData{Title: b.Heading, Next: pathHome, Body: b})
	}
	h.setSessionCookie(w, "", -1)
	return h.notice(w, r, authz.Principal{Addr: p.Addr}, noticeBody{Heading: "Password changed",
		Message: "Your new password is set. Every browser and token of your account was signed out; sign in again, and create new tokens where you need them.",
		Link:    pathLogin, LinkText: "Sign in"})
}

// ---- the account page ----

type accountBody struct {
	Email    string
	Verified bool
	Notice   string
	Error    string
	Tokens   []core.Token
	Events   []core.Event
	// DomainAbandoned: the address's domain was found abandoned; the page
	// asks for another address (email.go).
	DomainAbandoned bool
	DomainReasons   []string
	NewEmail        string // the change-of-address form, refilled after an error
	Sessions        []authn.SessionInfo
	// PendingEmail is a change of address waiting for its link, shown
	// with a button to cancel it (emailchange.go).
	PendingEmail *identity.PendingEmailChange
}

func (h *Handler) accountPage(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	if p.User == nil {
		webkit.Redirect(w, pathLogin+"?next="+pathAccount)
		return nil
	}
	b := accountBody{Email: p.User.Email, Verified: p.User.EmailVerified}
	switch {
	case r.URL.Query().Get("welcome") != "":
		b.Notice = "Welcome! We have mailed a link to " + p.User.Email + ": follow it to verify the address."
	case r.URL.Query().Get("sent") != "":
		b.Notice = "A new verification link is on its way to " + p.User.Email + "."
	case r.URL.Query().Get("changed") != "":
		b.Notice = "Your password was changed. Other browsers and npm login sessions were signed out."
	case r.URL.Query().Get("revoked") != "":
		b.Notice = "The token was revoked."
	case r.URL.Query().Get("session-revoked") != "":
		b.Notice = "That browser was signed out."
	case r.URL.Query().Get("others-signed-out") != "":
		b.Notice = "Every other browser and npm login was signed out. API tokens stay until you revoke them."
	case r.URL.Query().Get("email-sent") != "":
		b.Notice = "We have mailed a link to your new address: follow it to make it your account's address. Until then, " + p.User.Email + " stays."
	case r.URL.Query().Get("email-change-cancelled") != "":
		b.Notice = "The change of your email address was cancelled: the link mailed to the new address no longer works."
	}
	if err := h.domainPrompt(r, p, &b); err != nil {
		return err
	}
	var err error
	if b.Tokens, err = h.authn.Tokens(r.Context(), p); err != nil {
		return err
	}
	if b.PendingEmail, err = h.id.PendingEmailChange(r.Context(), p); err != nil {
		return err
	}
	if b.Sessions, err = h.authn.Sessions(r.Context(), p); err != nil {
		return err
	}
	if b.Events, err = h.id.SecurityEvents(r.Context(), p, 20); err != nil {
		return err
	}
	return h.render(w, r, p, http.StatusOK, "account", pageData{Title: "Your account", Body: b})
}

func (h *Handler) resend(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	if p.User == nil {
		return webkit.NeedSignIn(r)
	}
	if err := h.id.ResendVerification(r.Context(), p); err != nil {
		return err
	}
	webkit.Redirect(w, pathAccount+"?sent=1")
	return nil
}

type passwordBody struct {
	Forced bool
	Error  string
}

func (h *Handler) passwordForm(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	if p.User == nil {
		webkit.Redirect(w, pathLogin+"?next="+pathPassword)
		return nil
	}
	return h.render(w, r, p, http.StatusOK, "password", pageData{Title: "Change your password", Body: passwordBody{Forced: p.User.PasswordCompromised}})
}

func (h *Handler) changePassword(w http.ResponseWriter, r *http.Request, p authz.Principal) error {
	if p.User == nil {
		return webkit.NeedSignIn(r)
	}
	if err := webkit.ParseForm(w, r); err != nil {
		return err
	}
	u, err := h.id.ChangePassword(r.Context(), p, r.PostForm.Get("current"), r.PostForm.Get("password"))
	if err != nil {
		body := passwordBody{Forced: p.User.PasswordCompromised, Error: webkit.Message(err)}
		return h.render(w, r, p, h.status(w, r, err), "password", pageData{Title: "Change your password", Body: body})
	}
	// Every session ended, this one too: sign this browser in afresh,
	// keeping its second-factor record (a key's included).
	value, err := h.authn.ContinueWebSession(r.Context(), authz.Principal{User: u, Addr: p.Addr, MFAVerifiedAt: p.MFAVerifiedAt, SignedInAt: p.SignedInAt, PhishingResistantAt: p.PhishingResistantAt})
	if err != nil {
		return err
	}
	h.setSessionCookie(w, value, int(authn.WebSessionLifetime/time.Second))
	webkit.Redirect(w, pathAccount+"?changed=1")
	return nil
}
