package server

import (
	"context"
	"log/slog"
	"time"

	"github.com/rampart/rampart/internal/config"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/ecosystem"
	"github.com/rampart/rampart/internal/idtoken"
	"github.com/rampart/rampart/internal/mail"
	"github.com/rampart/rampart/internal/notifier"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/throttle"
	"github.com/rampart/rampart/internal/trust"
)

// Trust is trusted publishing's wiring: the service and the notifier that
// mails its owners' notices from the event outbox.
type Trust struct {
	Service *trust.Service
	Notices *notifier.Notifier
}

// openTrust builds trusted publishing from [trusted_publishing]: the ID
// token verifier (package idtoken, the network client) and the service.
func openTrust(st store.Store, cfg config.Config, format ecosystem.Format, limiter *throttle.Limiter, mailer mail.Mailer,
	now func() time.Time, log *slog.Logger) (*Trust, error) {
	tp := cfg.TrustedPublishing
	verifierIssuers := make([]idtoken.Issuer, 0, len(tp.Issuers))
	issuers := make([]trust.Issuer, 0, len(tp.Issuers))
	for _, is := range tp.Issuers {
		verifierIssuers = append(verifierIssuers, idtoken.Issuer{Name: is.Name, URL: is.URL, JWKSURL: is.JWKSURL, Algs: is.Algs})
		issuers = append(issuers, trust.Issuer{Name: is.Name, Kind: is.Kind, RepositoryClaim: is.RepositoryClaim,
			WorkflowClaim: is.WorkflowClaim, EnvironmentClaim: is.EnvironmentClaim, StableClaims: is.StableClaims})
	}
	notes := notifier.New(st, mailer, trust.MetaNoticeCursor, trust.Notices(cfg.PublicURL), log).
		Types(core.EventTrustAdd, core.EventTrustRemove, core.EventTrustPolicy)
	svc, err := trust.New(trust.Deps{
		Store: st, Verifier: verifier{idtoken.New(verifierIssuers, nil, now)}, Limiter: limiter, Format: format, Now: now, Log: log,
		Issuers: issuers, PublicURL: cfg.PublicURL, TokenLifetime: tp.TokenLifetime.Duration, PendingExpiry: tp.PendingExpiry.Duration,
		Wake: notes.Wake,
	})
	if err != nil {
		return nil, err
	}
	return &Trust{Service: svc, Notices: notes}, nil
}

// verifier adapts idtoken's verifier to the trust service's interface.
type verifier struct{ v *idtoken.Verifier }

func (a verifier) Verify(ctx context.Context, raw, audience string) (*trust.IDToken, error) {
	t, err := a.v.Verify(ctx, raw, audience)
	if err != nil {
		return nil, err
	}
	return &trust.IDToken{Issuer: t.Issuer, Subject: t.Subject, JTI: t.JTI, Expiry: t.Expiry, Claims: t.Claims}, nil
}
