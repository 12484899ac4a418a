// Package trust is trusted publishing (AUTHZ-3a): which CI workflows may
// publish a package without a person's token. Owners configure trusted
// publishers per package (npm trust, the web, the JSON API); a verified
// user may register one for a name that does not exist yet (a pending
// publisher, which reserves the name to them until it expires); a
// package may be set to publish only through trusted publishing. The
// token exchange turns a CI's OIDC ID token (verified by an injected
// Verifier: package idtoken) into a token that lives minutes, publishes
// that one package and nothing else (authz.Publisher), and is stored only
// as its hash, like every token.
//
// Every change is an event in its own transaction (internal/event,
// trust.go), and the owners are mailed from the event outbox (Notices).
package trust

import (
	"context"
	"errors"
	"log/slog"
	"net/url"
	"slices"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/ecosystem"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/throttle"
)

// IDToken is a verified OIDC ID token.
type IDToken struct {
	Issuer  string // the issuer's configured name
	Subject string
	JTI     string
	Expiry  time.Time
	Claims  map[string]any
}

// Verifier verifies an ID token for an audience; a refusal says why.
type Verifier interface {
	Verify(ctx context.Context, raw, audience string) (*IDToken, error)
}

// Defaults.
const (
	// DefaultTokenLifetime is how long an exchanged token lives.
	DefaultTokenLifetime = 15 * time.Minute
	// DefaultPendingExpiry is how long a pending publisher reserves its name.
	DefaultPendingExpiry = 7 * 24 * time.Hour
)

// Rates of the token exchange: per source address, and per package (so
// that no one can spend a package's verifications, nor use the exchange
// to make the registry fetch keys without end).
var (
	ExchangeSourceRate  = throttle.Rate{Burst: 20, Every: 6 * time.Second}
	ExchangePackageRate = throttle.Rate{Burst: 30, Every: 2 * time.Second}
)

// Deps are what the service works with.
type Deps struct {
	Store    store.Store
	Verifier Verifier
	Limiter  *throttle.Limiter
	Format   ecosystem.Format // names and scopes of the ecosystem
	Now      func() time.Time
	Log      *slog.Logger
	// Issuers are the trusted issuers, by name.
	Issuers []Issuer
	// PublicURL is the registry's URL: its hostname makes the audience.
	PublicURL string
	// TokenLifetime is how long an exchanged token lives (at most
	// DefaultTokenLifetime); PendingExpiry how long a pending publisher
	// reserves its name.
	TokenLifetime time.Duration
	PendingExpiry time.Duration
	// Wake, if set, is called after a change whose owners are mailed
	// from the outbox.
	Wake func()
}

// Service configures trusted publishers and exchanges ID tokens.
type Service struct {
	d        Deps
	issuers  map[string]Issuer
	audience string
}

// New builds the service.
func New(d Deps) (*Service, error) {
	if d.Store == nil || d.Verifier == nil || d.Limiter == nil || d.Format == nil || d.Now == nil {
		return nil, errors.New("trust: a store, a verifier, a limiter, a format and a clock are required")
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.TokenLifetime <= 0 || d.TokenLifetime > DefaultTokenLifetime {
		d.TokenLifetime = DefaultTokenLifetime
	}
	if d.PendingExpiry <= 0 {
		d.PendingExpiry = DefaultPendingExpiry
	}
	if d.Wake == nil {
		d.Wake = func() {}
	}
	u, err := url.Parse(d.PublicURL)
	if err != nil || u.Hostname() == "" {
		return nil, errors.New("trust: the public URL has no hostname for the ID tokens' audience")
	}
	s := &Service{d: d, issuers: map[string]Issuer{}, audience: "npm:" + u.Hostname()}
	for _, is := range d.Issuers {
		s.issuers[is.Name] = is.withDefaults()
	}
	return s, nil
}

// Audience is what the ID tokens must be issued for: npm:<hostname>.
func (s *Service) Audience() string { return s.audience }

// IssuerNames lists the configured issuers, sorted.
func (s *Service) IssuerNames() []string {
	var out []string
	for n := range s.issuers {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

func (s *Service) ref(name string) core.PackageRef {
	return core.PackageRef{Ecosystem: s.d.Format.Ecosystem(), Name: name}
}
