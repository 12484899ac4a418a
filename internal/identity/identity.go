// Package identity manages who users are: accounts and sign-up
// (reserved names, sign-up notices), email addresses (verification,
// change, the history of addresses, abandoned domains), passwords set and
// reset through mailed links, and admin-assisted recovery. Signing in and
// the credentials it yields belong to package authn; second factors to
// package secondfactor.
package identity

import (
	"context"
	"errors"
	"log/slog"
	netmail "net/mail"
	"net/netip"
	"regexp"
	"strings"
	"time"

	"github.com/rampart/rampart/internal/account"
	"github.com/rampart/rampart/internal/authn"
	"github.com/rampart/rampart/internal/background"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/emaildomain"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/password"
	"github.com/rampart/rampart/internal/pwcheck"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/throttle"
)

// Policy is the part of the configuration this package enforces.
type Policy struct {
	AllowRegistration bool
	// Registration is the registration mode (invites.go): open, invite or
	// closed; empty follows AllowRegistration.
	Registration string
	// InviteLifetime is how long an invitation stays valid; 0 means
	// DefaultInviteLifetime.
	InviteLifetime    time.Duration
	MinPasswordLength int
	// DomainRecheck is how often a verified address's domain is checked
	// again (RecheckEmailDomains); default 24h.
	DomainRecheck time.Duration
	// RecoveryWait is the mandatory delay of an admin-assisted recovery
	// ([recovery] wait); default DefaultRecoveryWait.
	RecoveryWait time.Duration
}

// Deps are the services and peers identity works with.
type Deps struct {
	Store     store.Store
	Hasher    *password.Hasher
	Passwords *pwcheck.Checker // required
	// Domains judges whether an address's domain is abandoned; nil turns
	// the check off ([email_domains] check = false).
	Domains  *emaildomain.Checker
	Limiter  *throttle.Limiter
	Authn    *authn.Service
	Notifier *account.Notifier
	// Background runs what follows a committed change without the
	// request waiting for it (the reset link, mailed after the answer).
	// Nil gives the service a bounded group of its own.
	Background *background.Group
	Log        *slog.Logger // nil: slog.Default()
	Now        func() time.Time
}

// Service manages users and their addresses.
type Service struct {
	store   store.Store
	hasher  *password.Hasher
	pw      *pwcheck.Checker
	domains *emaildomain.Checker
	limiter *throttle.Limiter
	authn   *authn.Service
	notes   *account.Notifier
	bg      *background.Group
	log     *slog.Logger
	now     func() time.Time
	policy  Policy
}

// New builds the service.
func New(d Deps, p Policy) (*Service, error) {
	if d.Passwords == nil || d.Notifier == nil || d.Authn == nil || d.Limiter == nil {
		return nil, errors.New("identity: a password checker, a notifier, a limiter and authn are required")
	}
	if p.MinPasswordLength == 0 {
		p.MinPasswordLength = 10
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if p.RecoveryWait <= 0 {
		p.RecoveryWait = DefaultRecoveryWait
	}
	if p.DomainRecheck <= 0 {
		p.DomainRecheck = 24 * time.Hour
	}
	if d.Background == nil {
		d.Background = background.New(limits.MaxBackgroundTasks, d.Log)
	}
	return &Service{store: d.Store, hasher: d.Hasher, pw: d.Passwords, domains: d.Domains, limiter: d.Limiter, authn: d.Authn,
		notes: d.Notifier, bg: d.Background, log: d.Log, now: d.Now, policy: p}, nil
}

var userNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)

// ValidateUserName applies npm's rules for user names.
func ValidateUserName(name string) error {
	switch {
	case name == "":
		return core.Errorf(core.KindInvalid, "a user name is required")
	case len(name) > limits.MaxNameLength:
		return core.Errorf(core.KindInvalid, "user name is too long (at most %d characters)", limits.MaxNameLength)
	case strings.ToLower(name) != name:
		return core.Errorf(core.KindInvalid, "user name %q must be lower case", name)
	case !userNameRE.MatchString(name):
		return core.Errorf(core.KindInvalid, "user name %q may contain only a-z, 0-9, '.', '_' and '-', and must start with a letter or digit", name)
	}
	return nil
}

func validateEmail(email string) error {
	a, err := netmail.ParseAddress(email)
	if err != nil || a.Address != email || len(email) > 254 {
		return core.Errorf(core.KindInvalid, "%q is not a valid email address", email)
	}
	return nil
}

func (s *Service) validatePassword(pw, name string) error {
	if len(pw) > limits.MaxPasswordBytes {
		return core.Errorf(core.KindInvalid, "password is too long (at most %d bytes)", limits.MaxPasswordBytes)
	}
	if len([]rune(pw)) < s.policy.MinPasswordLength {
		return core.Errorf(core.KindInvalid, "password is too short: use at least %d characters", s.policy.MinPasswordLength)
	}
	if strings.Contains(strings.ToLower(pw), name) {
		return core.Errorf(core.KindInvalid, "password must not contain your user name")
	}
	return nil
}

// NewUser describes an account to create.
type NewUser struct {
	Name, Email, Password string
	Verified, Admin       bool
	// Invite is the secret of the invitation a sign-up on an invite-only
	// registry uses (invites.go).
	Invite string
	invite *core.Invite // checked by mayRegister, spent by createUser
}

// Register creates an account through self-service sign-up (npm adduser,
// the web UI) from addr. It is refused when the operator closed
// registration. Every sign-up that gets past the form's checks counts
// against its source, taken or not (throttle.SignupRate), which also slows
// finding out which addresses have accounts.
func (s *Service) Register(ctx context.Context, nu NewUser, addr netip.Addr) (*core.User, error) {
	inv, err := s.mayRegister(ctx, nu)
	if err != nil {
		return nil, err
	}
	nu.Verified, nu.Admin, nu.invite = false, false, inv
	if err := ValidateUserName(nu.Name); err != nil {
		return nil, err
	}
	if err := checkReservedName(nu.Name); err != nil {
		return nil, err
	}
	if err := validateEmail(nu.Email); err != nil {
		return nil, err
	}
	err = s.limiter.ReserveRate(ctx, []throttle.RateKey{{Key: "signup:addr:" + throttle.SourceKey(addr), Rate: throttle.SignupRate,
		Refusal: "too many sign-ups from your address; try again in %s"}})
	if err != nil {
		return nil, err
	}
	res, err := s.refuseAbandoned(ctx, nu.Email, "sign up with")
	if err != nil {
		return nil, err
	}
	owner, err := s.verifiedHolder(ctx, nu.Email)
	if err != nil {
		return nil, err
	}
	u, link, err := s.createUser(ctx, "", nu)
	if err != nil {
		return nil, err
	}
	s.recordDomain(ctx, u, res)
	if owner != nil {
		// The answer is the same as for a free address (sign-up must not
		// tell who has an account), but the address's owner hears of it
		// instead of getting a link that would verify a stranger's
		// account. The new account can never verify this address.
		s.noticeSignupAttempt(ctx, owner, u.Name, addr)
		return u, nil
	}
	s.sendLink(ctx, u, link)
	return u, nil
}

// verifiedHolder returns the account whose verified address is email, or
// nil if none has it.
func (s *Service) verifiedHolder(ctx context.Context, email string) (*core.User, error) {
	var u *core.User
	err := s.store.View(ctx, func(tx store.Tx) error {
		var err error
		u, err = tx.UserByEmail(email)
		if errors.Is(err, core.ErrNotFound) {
			u, err = nil, nil
		}
		return err
	})
	return u, err
}

// CreateUser creates an account; actor is the admin doing it ("" for sign-up).
func (s *Service) CreateUser(ctx context.Context, actor string, nu NewUser) (*core.User, error) {
	u, link, err := s.createUser(ctx, actor, nu)
	if err != nil {
		return nil, err
	}
	if link != nil {
		s.sendLink(ctx, u, link)
	}
	return u, nil
}

// createUser creates an account and, for an unverified one, stores the
// link that verifies its address, which the caller mails (or not).
func (s *Service) createUser(ctx context.Context, actor string, nu NewUser) (*core.User, *emailLink, error) {
	if err := ValidateUserName(nu.Name); err != nil {
		return nil, nil, err
	}
	if err := validateEmail(nu.Email); err != nil {
		return nil, nil, err
	}
	if err := s.checkNewPassword(ctx, nu.Password, nu.Name, nu.Email); err != nil {
		return nil, nil, err
	}
	hash, err := s.hasher.Hash(ctx, nu.Password)
	if err != nil {
		return nil, nil, err
	}
	u := &core.User{Name: nu.Name, Email: nu.Email, PasswordHash: hash, EmailVerified: nu.Verified, Admin: nu.Admin, CreatedAt: s.now()}
	var link *emailLink
	if !nu.Verified {
		if link, err = newEmailLink(core.PurposeVerifyEmail, u.CreatedAt); err != nil {
			return nil, nil, err
		}
	}
	nameTaken := false
	err = s.store.Update(ctx, func(tx store.Tx) error {
		// An organisation's name is its scope, as a user's is theirs:
		// the two share one space (docs/orgs.md).
		if _, err := tx.OrgByName(u.Name); err == nil {
			nameTaken = true
			return core.ErrConflict
		} else if !errors.Is(err, core.ErrNotFound) {
			return err
		}
		if err := tx.CreateUser(u); err != nil {
			if _, lookup := tx.UserByName(u.Name); lookup == nil {
				nameTaken = true
			}
			return err
		}
		if err := tx.AppendEvent(event.AccountCreate{User: u.Name, Admin: u.Admin}.At(u.CreatedAt, actorOr(actor, u.Name))); err != nil {
			return err
		}
		if nu.invite != nil {
			if err := useInvite(tx, nu.invite, u); err != nil {
				return err
			}
		}
		if link != nil {
			return link.store(tx, u)
		}
		return recordVerifiedAddress(tx, u, u.CreatedAt)
	})
	switch {
	case errors.Is(err, core.ErrConflict) && nameTaken:
		// Names are public: saying one is taken tells nothing new.
		return nil, nil, core.Errorf(core.KindConflict, "the user name %q is already taken; choose another", nu.Name)
	case errors.Is(err, core.ErrConflict):
		// Only a verified address is unique (store.Users), so only the
		// operator creating a verified account gets here.
		return nil, nil, core.Errorf(core.KindConflict, "%s is already the verified address of another account", nu.Email)
	case err != nil:
		return nil, nil, err
	}
	return u, link, nil
}

func actorOr(actor, fallback string) string {
	if actor != "" {
		return actor
	}
	return fallback
}

// User looks a user up by name.
func (s *Service) User(ctx context.Context, name string) (*core.User, error) {
	var u *core.User
	err := s.store.View(ctx, func(tx store.Tx) error {
		var err error
		u, err = tx.UserByName(name)
		return err
	})
	if errors.Is(err, core.ErrNotFound) {
		return nil, core.Errorf(core.KindNotFound, "there is no user named %q", name)
	}
	return u, err
}

// DisableUser blocks an account from signing in and revokes its tokens.
func (s *Service) DisableUser(ctx context.Context, actor string, name string) error {
	now := s.now()
	err := s.store.Update(ctx, func(tx store.Tx) error {
		u, err := tx.UserByName(name)
		if err != nil {
			return err
		}
		if !u.DisabledAt.IsZero() { // nothing to do, and no event (enable.go)
			return core.Errorf(core.KindConflict, "%s is %w (since %s)", name, ErrAlreadyDisabled, u.DisabledAt.UTC().Format(time.RFC3339))
		}
		u.DisabledAt = now
		if err := tx.UpdateUser(u); err != nil {
			return err
		}
		// Every session, token and pending npm login or link ends with
		// the account: none may wait out the disabling.
		if _, err := authn.SignOutEverywhere(tx, u, now, true); err != nil {
			return err
		}
		return tx.AppendEvent(event.AccountDisable{User: name}.At(now, actor))
	})
	if errors.Is(err, core.ErrNotFound) {
		return core.Errorf(core.KindNotFound, "there is no user named %q", name)
	}
	return err
}
