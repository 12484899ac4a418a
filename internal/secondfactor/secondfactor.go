// Package secondfactor is what a user has beside the password: TOTP
// authenticator apps, single-use recovery codes, WebAuthn security keys
// and passkeys, and the step-up that passes one again. It checks a
// factor and records its use; turning a checked factor into a session or
// a token is authn's job.
package secondfactor

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/rampart/rampart/internal/account"
	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/throttle"
)

// PasswordCheck confirms the signed-in user's current password before a
// sensitive change (what: "turning off two-factor authentication"). authn
// provides it; it is a function so that this package need not import
// authn, which imports this one.
type PasswordCheck func(ctx context.Context, p authz.Principal, pw, what string) error

// Config is what New needs besides the store and its peers.
type Config struct {
	// MFA is the two-factor policy ([mfa]).
	MFA authz.Policy
	// ConfirmPassword checks a password again (required).
	ConfirmPassword PasswordCheck
}

// Service manages and checks second factors.
type Service struct {
	store           store.Store
	limiter         *throttle.Limiter
	notes           *account.Notifier
	log             *slog.Logger
	now             func() time.Time
	mfa             authz.Policy
	confirmPassword PasswordCheck
	// webauthn is the WebAuthn relying party (security keys, passkeys);
	// nil when the public URL names no host.
	webauthn *webauthn.WebAuthn
}

// New builds the service. now is the clock (injected for tests); log nil
// is slog.Default().
func New(st store.Store, limiter *throttle.Limiter, notes *account.Notifier, log *slog.Logger, now func() time.Time, cfg Config) (*Service, error) {
	if limiter == nil || notes == nil || cfg.ConfirmPassword == nil {
		return nil, errors.New("secondfactor: a limiter, a notifier and a password check are required")
	}
	if log == nil {
		log = slog.Default()
	}
	rp, err := newRelyingParty(notes.PublicURL(), notes.Site())
	if err != nil {
		// WebAuthn needs a domain name (an IP address is no RP ID); the
		// rest of the registry works without it.
		log.Warn("account: security keys and passkeys are off: the public URL needs a host name", "public_url", notes.PublicURL(), "err", err)
		rp = nil
		if !cfg.MFA.InsecureAdminsWithTOTP {
			// Administrators could never add the key they need.
			log.Warn("account: administrators will use an authenticator app (TOTP) as their second factor, since security keys are off")
			cfg.MFA.InsecureAdminsWithTOTP = true
		}
	}
	return &Service{store: st, limiter: limiter, notes: notes, log: log, now: now, mfa: cfg.MFA, confirmPassword: cfg.ConfirmPassword, webauthn: rp}, nil
}

// MFAPolicy is the two-factor policy every principal carries: the
// configured one, with administrators on TOTP when security keys are off
// (New).
func (s *Service) MFAPolicy() authz.Policy { return s.mfa }

// RemoveAll removes, in tx, every second factor of u (an assisted
// recovery): the authenticator app, the recovery codes and every security
// key and passkey. It returns what it removed, for the event and the
// notice ("authenticator app (TOTP)", "passkey Laptop").
func RemoveAll(tx Roles, u *core.User, now time.Time) ([]string, error) {
	var removed []string
	if on, err := hasTOTP(tx, u); err != nil {
		return nil, err
	} else if on {
		removed = append(removed, "authenticator app (TOTP)")
	}
	if err := tx.DeleteTOTP(u.ID); err != nil {
		return nil, err
	}
	if err := tx.SetRecoveryCodes(u.ID, nil, now); err != nil {
		return nil, err
	}
	creds, err := tx.WebAuthnCredentials(u.ID)
	if err != nil {
		return nil, err
	}
	for _, c := range creds {
		if err := tx.DeleteWebAuthnCredential(u.ID, c.ID); err != nil {
			return nil, err
		}
		removed = append(removed, keyKind(c)+" "+c.Name)
	}
	return removed, nil
}
