package account_test

import (
	"context"
	"log/slog"
	"net/netip"
	"time"

	"github.com/rampart/rampart/internal/account"
	"github.com/rampart/rampart/internal/authn"
	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/emaildomain"
	"github.com/rampart/rampart/internal/identity"
	"github.com/rampart/rampart/internal/mail"
	"github.com/rampart/rampart/internal/password"
	"github.com/rampart/rampart/internal/pwcheck"
	"github.com/rampart/rampart/internal/secondfactor"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/throttle"
)

// The tests of this folder drive the account packages together (a
// sign-in passes the password in authn and a code in secondfactor; a
// recovery in identity removes second factors and ends sessions), as the
// server wires them (server.openAccounts).

// Policy is every setting of the account packages, in one place for the
// tests.
type Policy struct {
	AllowRegistration bool
	PublishMaxDays    int
	DefaultDays       int
	ReadOnlyMaxDays   int
	SessionLifetime   time.Duration
	FreeFailures      int
	MaxBackoff        time.Duration
	MinPasswordLength int
	PublicURL         string
	Site              string
	DomainRecheck     time.Duration
	MFA               authz.Policy
	RecoveryWait      time.Duration
}

// Peers are the network services the account packages talk to.
type Peers struct {
	Mailer    mail.Mailer
	Passwords *pwcheck.Checker
	Domains   *emaildomain.Checker
	Log       *slog.Logger
}

// stack is the account services over one store.
type stack struct {
	Identity *identity.Service
	Authn    *authn.Service
	Factors  *secondfactor.Service
	Limiter  *throttle.Limiter
}

// newStack wires the account services as the server does.
func newStack(ctx context.Context, st store.Store, h *password.Hasher, p Policy, peers Peers, now func() time.Time) (*stack, error) {
	notes, err := account.NewNotifier(peers.Mailer, peers.Log, p.Site, p.PublicURL, now)
	if err != nil {
		return nil, err
	}
	// The notices are mailed from the outbox as the server does, but at
	// once when a service wakes it, so that a test reads them right after
	// the call that committed them.
	outbox := notes.Outbox(st)
	notes.SetWake(func() {
		if err := outbox.Deliver(context.WithoutCancel(ctx)); err != nil {
			peers.logger().Error("delivering account notices", "err", err)
		}
	})
	s := &stack{Limiter: throttle.New(st, now, p.FreeFailures, p.MaxBackoff)}
	s.Factors, err = secondfactor.New(st, s.Limiter, notes, peers.Log, now, secondfactor.Config{
		MFA: p.MFA,
		ConfirmPassword: func(ctx context.Context, pr authz.Principal, pw, what string) error {
			return s.Authn.ConfirmPassword(ctx, pr, pw, what)
		},
	})
	if err != nil {
		return nil, err
	}
	s.Authn, err = authn.New(ctx, authn.Deps{
		Store: st, Hasher: h, Passwords: peers.Passwords, Limiter: s.Limiter, Factors: s.Factors, Notifier: notes, Log: peers.Log, Now: now,
		OnSignIn: func(tx store.Tx, u *core.User, now time.Time, addr netip.Addr, userAgent string) (func(context.Context), error) {
			return s.Identity.CancelRecoveryAtSignIn(tx, u, now, addr, userAgent)
		},
	}, authn.Policy{PublishMaxDays: p.PublishMaxDays, DefaultDays: p.DefaultDays, ReadOnlyMaxDays: p.ReadOnlyMaxDays, SessionLifetime: p.SessionLifetime})
	if err != nil {
		return nil, err
	}
	s.Identity, err = identity.New(identity.Deps{
		Store: st, Hasher: h, Passwords: peers.Passwords, Domains: peers.Domains, Limiter: s.Limiter, Authn: s.Authn, Notifier: notes, Log: peers.Log, Now: now,
	}, identity.Policy{AllowRegistration: p.AllowRegistration, MinPasswordLength: p.MinPasswordLength, DomainRecheck: p.DomainRecheck, RecoveryWait: p.RecoveryWait})
	if err != nil {
		return nil, err
	}
	notes.SetAddressCheck(s.Identity.NoticeAddresses)
	return s, nil
}

func (p Peers) logger() *slog.Logger {
	if p.Log == nil {
		return slog.Default()
	}
	return p.Log
}
