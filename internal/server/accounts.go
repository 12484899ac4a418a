package server

import (
	"context"
	"net/netip"
	"time"

	"github.com/rampart/rampart/internal/account"
	"github.com/rampart/rampart/internal/authn"
	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/background"
	"github.com/rampart/rampart/internal/config"
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

// openAccounts wires the account services: throttle below everything,
// then secondfactor, authn and identity, each importing only those
// before it. The two calls that go the other way are functions filled
// in here: secondfactor asks authn to confirm a password, and authn lets
// identity cancel a recovery when its owner signs in.
func openAccounts(ctx context.Context, st store.Store, cfg config.Config, hasher *password.Hasher, mailer mail.Mailer, checker *pwcheck.Checker, domains *emaildomain.Checker, bg *background.Group, opts Options) (*Services, error) {
	notes, err := account.NewNotifier(mailer, opts.Log, "", cfg.PublicURL, opts.Now)
	if err != nil {
		return nil, err
	}
	// The account security notices are mailed from the event outbox, on
	// their own cursor (account/notices.go); startJobs runs it.
	outbox := notes.Outbox(st)
	limiter := throttle.New(st, opts.Now, cfg.Login.FreeFailures, cfg.Login.MaxBackoff.Duration)
	var an *authn.Service
	var id *identity.Service
	factors, err := secondfactor.New(st, limiter, notes, opts.Log, opts.Now, secondfactor.Config{
		MFA: authz.Policy{RequireMFA: !cfg.MFA.InsecureMaintainersWithoutMFA, StepUpWindow: cfg.MFA.StepUpWindow.Duration,
			InsecureAdminsWithTOTP: cfg.MFA.InsecureAdminsWithTOTP, CriticalGrace: cfg.MFA.CriticalGracePeriod.Duration},
		ConfirmPassword: func(ctx context.Context, p authz.Principal, pw, what string) error {
			return an.ConfirmPassword(ctx, p, pw, what)
		},
	})
	if err != nil {
		return nil, err
	}
	an, err = authn.New(ctx, authn.Deps{
		Store: st, Hasher: hasher, Passwords: checker, Limiter: limiter, Factors: factors, Notifier: notes, Log: opts.Log, Now: opts.Now,
		OnSignIn: func(tx store.Tx, u *core.User, now time.Time, addr netip.Addr, userAgent string) (func(context.Context), error) {
			return id.CancelRecoveryAtSignIn(tx, u, now, addr, userAgent)
		},
	}, authn.Policy{
		PublishMaxDays:      cfg.Tokens.PublishMaxDays,
		DefaultDays:         cfg.Tokens.DefaultDays,
		ReadOnlyMaxDays:     cfg.Tokens.ReadOnlyMaxDays,
		SessionLifetime:     time.Duration(cfg.Tokens.SessionHours) * time.Hour,
		PasswordsAdminsOnly: cfg.Access.PasswordsAdminsOnly(),
		SSOHint:             ssoHint(cfg),
	})
	if err != nil {
		return nil, err
	}
	id, err = identity.New(identity.Deps{
		Store: st, Hasher: hasher, Passwords: checker, Domains: domains, Limiter: limiter, Authn: an, Notifier: notes, Background: bg, Log: opts.Log, Now: opts.Now,
	}, identity.Policy{
		AllowRegistration: cfg.AllowRegistration,
		Registration:      cfg.RegistrationMode(),
		InviteLifetime:    cfg.Access.InviteLifetime(),
		DomainRecheck:     cfg.EmailDomains.RecheckInterval.Duration,
		RecoveryWait:      cfg.Recovery.Wait.Duration,
	})
	if err != nil {
		return nil, err
	}
	// Recovery notices reach former addresses: identity checks, at
	// delivery, that none was abandoned by its domain.
	notes.SetAddressCheck(id.NoticeAddresses)
	return &Services{Identity: id, Authn: an, Factors: factors, Limiter: limiter, AccountNotices: outbox, console: opts.Console}, nil
}
