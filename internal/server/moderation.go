package server

import (
	"log/slog"
	"net/http"

	"github.com/rampart/rampart/internal/moderationapi"
	"github.com/rampart/rampart/internal/npm"
)

// mountModeration mounts the moderation API (internal/moderationapi) on
// mux; the reports' queue under the same prefix is reportapi's, on its
// more specific patterns (mountReports). A moderator's client is npm's
// login, so an account with only security keys gets npm's web OTP
// challenge, as on npm's own endpoints.
func mountModeration(mux *http.ServeMux, svc *Services, npmH *npm.Handler, wrap func(http.Handler) http.Handler, log *slog.Logger) {
	cfg := moderationapi.Config{
		Authenticate: svc.Authn.Authenticate,
		WithOTP:      svc.Factors.WithOTP,
		Challenge:    npmH.WebOTP,
	}
	if svc.Upstream != nil { // a nil *upstream.Service must stay a nil interface
		cfg.Upstream = svc.Upstream
	}
	h := moderationapi.New(svc.Quarantine, cfg, log)
	mux.Handle(moderationapi.Prefix, wrap(h))
}
