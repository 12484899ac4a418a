package web

import (
	"embed"
	"io/fs"
	"net/http"
	"strings"

	"github.com/rampart/rampart/internal/account"
	"github.com/rampart/rampart/internal/identity"
)

// Paths of the web UI. User pages are /~<name>, which a ServeMux pattern
// cannot express (a wildcard is a whole segment), so the catch-all serves
// them.
const (
	pathHome      = "/"
	pathSearch    = "/search"
	pathPackage   = "/package/"
	pathLogin     = "/login"
	pathLogout    = "/logout"
	pathSignup    = "/signup"
	pathForgot    = "/forgot-password"
	pathAccount   = "/account"
	pathPassword  = "/account/password"
	pathLoginOTP  = "/login/otp"
	pathMFA       = "/" + account.PathMFA
	pathPolicies  = "/policies/"
	pathPoliciesA = "/-/policies/" // for any client, not only browsers
	pathStatic    = "/-/static/"
	catchAll      = "GET /"
)

//go:embed static
var staticFiles embed.FS

func (h *Handler) routes() {
	h.mux.Handle("GET "+pathHome+"{$}", h.page(h.home))
	h.mux.Handle("GET "+pathSearch, h.page(h.search))
	h.mux.Handle("GET "+pathPackage+"{name...}", h.page(h.pkg))
	h.mux.Handle("POST "+pathProvenancePolicy, h.page(h.setProvenancePolicy))
	h.mux.Handle("GET "+pathLogin, h.page(h.loginForm))
	h.mux.Handle("POST "+pathLogin, h.page(h.login))
	h.mux.Handle("POST "+pathLoginOTP, h.page(h.loginOTP))
	h.mux.Handle("GET "+pathMFA, h.page(h.mfaPage))
	h.mux.Handle("POST "+pathMFA+"/confirm", h.page(h.mfaConfirm))
	h.mux.Handle("POST "+pathMFA+"/recovery-codes", h.page(h.mfaRegenerate))
	h.mux.Handle("POST "+pathMFA+"/disable", h.page(h.mfaDisable))
	h.mux.Handle("POST "+pathLogout, h.page(h.logout))
	h.mux.Handle("GET "+pathSignup, h.page(h.signupForm))
	h.mux.Handle("POST "+pathSignup, h.page(h.signup))
	h.mux.Handle("GET /"+identity.PathVerifyEmail, h.page(h.verifyForm))
	h.mux.Handle("POST /"+identity.PathVerifyEmail, h.page(h.verify))
	h.mux.Handle("GET "+pathForgot, h.page(h.forgotForm))
	h.mux.Handle("POST "+pathForgot, h.page(h.forgot))
	h.mux.Handle("GET /"+identity.PathResetPassword, h.page(h.resetForm))
	h.mux.Handle("POST /"+identity.PathResetPassword, h.page(h.reset))
	h.mux.Handle("GET "+pathAccount, h.page(h.accountPage))
	h.mux.Handle("POST "+pathAccount+"/verify", h.page(h.resend))
	h.mux.Handle("POST "+pathEmail, h.page(h.changeEmail))
	h.mux.Handle("POST "+pathEmailCancel, h.page(h.cancelEmailChange))
	h.mux.Handle("GET /"+identity.PathConfirmEmail, h.page(h.confirmEmailForm))
	h.mux.Handle("POST /"+identity.PathConfirmEmail, h.page(h.confirmEmail))
	h.mux.Handle("GET "+pathPassword, h.page(h.passwordForm))
	h.mux.Handle("POST "+pathPassword, h.page(h.changePassword))
	h.mux.Handle("POST "+pathSessions, h.page(h.revokeSession))
	h.mux.Handle("POST "+pathSignOutOthers, h.page(h.signOutOthers))
	h.mux.Handle("GET "+pathConfirm, h.page(h.confirmForm))
	h.mux.Handle("POST "+pathConfirm, h.page(h.confirm))
	h.mux.Handle("GET /"+identity.PathCancelRecovery, h.page(h.cancelRecoveryForm))
	h.mux.Handle("POST /"+identity.PathCancelRecovery, h.page(h.cancelRecovery))
	h.webauthnRoutes()
	h.mux.Handle("POST "+pathWebAuthn+"stepup/begin", h.api(h.stepUpKeyBegin))
	h.mux.Handle("POST "+pathWebAuthn+"stepup/finish", h.api(h.stepUpKeyFinish))
	h.mux.Handle("GET "+pathPolicies+"{name}", h.page(h.policy))
	h.mux.Handle("GET "+pathPoliciesA+"{name}", h.page(h.policy))
	static, err := fs.Sub(staticFiles, "static")
	if err != nil {
		panic(err) // the directory is embedded above
	}
	h.mux.Handle("GET "+pathStatic, http.StripPrefix(pathStatic, staticHandler(http.FileServerFS(static))))
	h.mux.Handle(catchAll, h.page(h.fallback))
}

// isUserPath reports whether path is a user page, /~<name>.
func isUserPath(path string) bool {
	return strings.HasPrefix(path, "/~") && len(path) > 2 && !strings.Contains(path[2:], "/")
}

// staticHandler serves the embedded CSS and images. They hold nothing
// private, so they may be cached.
func staticHandler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setSecurityHeaders(w)
		if r.URL.Path == "" || strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r) // no directory listings
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=3600")
		next.ServeHTTP(w, r)
	})
}

// contentSecurityPolicy allows script only from here (the WebAuthn glue in
// /-/static/, never inline), fetches only to here, styles and images from
// here (README images from any https origin), forms posting only here, and
// no framing.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self' https: data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// setSecurityHeaders sets the headers every response of the web UI carries.
func setSecurityHeaders(w http.ResponseWriter) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", contentSecurityPolicy)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "same-origin")
	hd.Set("X-Frame-Options", "DENY")
}
