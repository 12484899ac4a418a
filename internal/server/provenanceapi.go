package server

import (
	"log/slog"
	"net/http"

	"github.com/rampart/rampart/internal/npm"
	"github.com/rampart/rampart/internal/provenanceapi"
)

// mountProvenance mounts Rampart's provenance API (internal/provenanceapi:
// the continuity policy, the publish attestations) on mux. Its client is
// npm's login, so an account with only security keys gets npm's web OTP
// challenge, as on npm's own endpoints.
func mountProvenance(mux *http.ServeMux, svc *Services, npmH *npm.Handler, wrap func(http.Handler) http.Handler, log *slog.Logger) {
	h := wrap(provenanceapi.New(svc.Registry, svc.Signing, provenanceapi.Config{
		Authenticate: svc.Authn.Authenticate,
		WithOTP:      svc.Factors.WithOTP,
		Challenge:    npmH.WebOTP,
	}, log))
	mux.Handle(provenanceapi.PrefixPackage, h)
	mux.Handle(provenanceapi.PrefixAttestations, h)
}
