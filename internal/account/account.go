// Package account manages users, passwords, API tokens and sign-in
// sessions, and turns credentials into an authz.Principal. Secrets are
// stored only as hashes and compared in constant time; guessing is
// throttled with exponential backoff, in a way that an attacker cannot
// turn against the account's owner (throttle.go).
package account

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	netmail "net/mail"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/emaildomain"
	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/mail"
	"github.com/rampart/rampart/internal/password"
	"github.com/rampart/rampart/internal/pwcheck"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/token"
)

// Policy is the part of the configuration this package enforces.
type Policy struct {
	AllowRegistration bool
	PublishMaxDays    int
	DefaultDays       int
	ReadOnlyMaxDays   int
	SessionLifetime   time.Duration
	FreeFailures      int
	MaxBackoff        time.Duration
	MinPasswordLength int
	// PublicURL is the registry's base URL, ending in "/": mailed links
	// and messages point under it.
	PublicURL string
	// Site names the registry in mail; default "Rampart".
	Site string
	// DomainRecheck is how often a verified address's domain is checked
	// again (RecheckEmailDomains); default 24h.
	DomainRecheck time.Duration
	// MFA is the two-factor policy every principal carries ([mfa]).
	MFA authz.Policy
	// RecoveryWait is the mandatory delay of an admin-assisted recovery
	// ([recovery] wait); default DefaultRecoveryWait.
	RecoveryWait time.Duration
}

// Peers are the network services the account service talks to.
type Peers struct {
	Mailer    mail.Mailer      // required
	Passwords *pwcheck.Checker // required
	// Domains judges whether an address's domain is abandoned; nil turns
	// the check off ([email_domains] check = false).
	Domains *emaildomain.Checker
	Log     *slog.Logger // nil: slog.Default()
}

// Service is the account service.
type Service struct {
	store   store.Store
	hasher  *password.Hasher
	policy  Policy
	mailer  mail.Mailer
	pw      *pwcheck.Checker
	domains *emaildomain.Checker
	log     *slog.Logger
	now     func() time.Time
	// webauthn is the WebAuthn relying party (security keys, passkeys).
	webauthn *webauthn.WebAuthn
	// dummyHash is verified against when a user does not exist, so that a
	// failed login takes the same time whether or not the name is taken.
	dummyHash string
}

// New builds the service. now is the clock (injected for tests).
func New(ctx context.Context, st store.Store, h *password.Hasher, p Policy, peers Peers, now func() time.Time) (*Service, error) {
	if p.MinPasswordLength == 0 {
		p.MinPasswordLength = 10
	}
	if p.Site == "" {
		p.Site = "Rampart"
	}
	if peers.Mailer == nil || peers.Passwords == nil {
		return nil, errors.New("account: a mailer and a password checker are required")
	}
	if u, err := url.Parse(p.PublicURL); err != nil || u.Host == "" || !strings.HasSuffix(p.PublicURL, "/") {
		return nil, fmt.Errorf("account: public URL %q must be absolute and end in /", p.PublicURL)
	}
	if peers.Log == nil {
		peers.Log = slog.Default()
	}
	if p.RecoveryWait <= 0 {
		p.RecoveryWait = DefaultRecoveryWait
	}
	if p.DomainRecheck <= 0 {
		p.DomainRecheck = 24 * time.Hour
	}
	dummy, err := h.Hash(ctx, rand.Text())
	if err != nil {
		return nil, err
	}
	rp, err := newRelyingParty(p.PublicURL, p.Site)
	if err != nil {
		// WebAuthn needs a domain name (an IP address is no RP ID); the
		// rest of the registry works without it.
		peers.Log.Warn("account: security keys and passkeys are off: the public URL needs a host name", "public_url", p.PublicURL, "err", err)
		rp = nil
		if !p.MFA.InsecureAdminsWithTOTP {
			// Administrators could never add the key they need.
			peers.Log.Warn("account: administrators will use an authenticator app (TOTP) as their second factor, since security keys are off")
			p.MFA.InsecureAdminsWithTOTP = true
		}
	}
	return &Service{store: st, hasher: h, policy: p, mailer: peers.Mailer, pw: peers.Passwords, domains: peers.Domains, log: peers.Log, now: now, webauthn: rp, dummyHash: dummy}, nil
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
}

// Register creates an account through self-service sign-up (npm adduser,
// the web UI) from addr. It is refused when the operator closed
// registration. Every sign-up that gets past the form's checks counts
// against its source, taken or not (signupRate), which also slows
// finding out which addresses have accounts.
func (s *Service) Register(ctx context.Context, nu NewUser, addr netip.Addr) (*core.User, error) {
	if !s.policy.AllowRegistration {
		return nil, core.Errorf(core.KindForbidden, "this registry does not allow self-service sign-up; ask an administrator for an account")
	}
	nu.Verified, nu.Admin = false, false
	if err := ValidateUserName(nu.Name); err != nil {
		return nil, err
	}
	if err := checkReservedName(nu.Name); err != nil {
		return nil, err
	}
	if err := validateEmail(nu.Email); err != nil {
		return nil, err
	}
	err := s.reserveRate(ctx, []rateKey{{key: "signup:addr:" + sourceKey(addr), rate: signupRate,
		refusal: "too many sign-ups from your address; try again in %s"}})
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
		if err := tx.CreateUser(u); err != nil {
			if _, lookup := tx.UserByName(u.Name); lookup == nil {
				nameTaken = true
			}
			return err
		}
		if err := tx.AppendEvent(&core.Event{At: u.CreatedAt, Type: core.EventAccountCreate, Actor: actorOr(actor, u.Name), Data: jsonData(map[string]any{"user": u.Name, "admin": u.Admin})}); err != nil {
			return err
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

func jsonData(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only maps of plain values reach here
	}
	return b
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
		u.DisabledAt = now
		if err := tx.UpdateUser(u); err != nil {
			return err
		}
		// Every session, token and pending npm login or link ends with
		// the account: none may wait out the disabling.
		if _, err := signOutEverywhere(tx, u, now, true); err != nil {
			return err
		}
		return tx.AppendEvent(&core.Event{At: now, Type: core.EventAccountDisable, Actor: actor, Data: jsonData(map[string]any{"user": name})})
	})
	if errors.Is(err, core.ErrNotFound) {
		return core.Errorf(core.KindNotFound, "there is no user named %q", name)
	}
	return err
}

// Login checks a name and password. Failures are throttled per source
// address, per account on the source's network and, from networks the
// account has not signed in from, per account (loginKeys); the error never
// says which of name and password was wrong.
func (s *Service) Login(ctx context.Context, name, pw string, addr netip.Addr) (*core.User, error) {
	now := s.now()
	var u *core.User
	var known bool
	err := s.store.View(ctx, func(tx store.Tx) error {
		u, known = nil, false
		cur, err := tx.UserByName(name)
		if errors.Is(err, core.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		u = cur
		known, err = knownNetwork(tx, cur, addr, now)
		return err
	})
	if err != nil {
		return nil, err
	}
	keys := loginKeys(name, addr, known)
	prev, err := s.reserveAttempt(ctx, keys)
	if err != nil {
		return nil, err
	}
	hash := s.dummyHash
	if u != nil {
		hash = u.PasswordHash
	}
	ok, _, verr := s.hasher.Verify(ctx, hash, pw)
	if verr != nil && core.KindOf(verr) != core.KindInvalid {
		return nil, verr
	}
	if u == nil || !ok || verr != nil {
		return nil, core.Errorf(core.KindUnauthenticated, "incorrect user name or password")
	}
	if err := s.forgiveLogin(ctx, u, addr, keys, prev); err != nil {
		return nil, err
	}
	if u.Disabled() {
		return nil, core.Errorf(core.KindForbidden, "account %s is disabled; contact the registry's administrators", u.Name)
	}
	if err := s.checkSignInPassword(ctx, u, pw, addr); err != nil {
		return nil, err
	}
	return u, nil
}

// TokenRequest is what a user asks for when creating a token.
type TokenRequest struct {
	Name     string
	Actions  []core.TokenAction
	Packages []string
	CIDRs    []string
	Days     int // 0: the default lifetime
}

// CreatedToken is a new token: the only moment its value is known.
type CreatedToken struct {
	Value string
	Token core.Token
}

// issueSessionToken creates the token `npm login` hands to the CLI (see
// IssueSessionTokenOTP); mfaAt is when the login passed a second factor.
func (s *Service) issueSessionToken(ctx context.Context, u *core.User, addr netip.Addr, mfaAt time.Time) (*CreatedToken, error) {
	if u.PasswordCompromised {
		// npm has no way to change a password: the browser must.
		return nil, core.Errorf(core.KindForbidden, "your password appears in a known data breach; change it at %s", s.url(pathChangePassword))
	}
	now := s.now()
	tok, err := s.insertToken(ctx, u, core.Token{
		Name:      "npm login from " + addr.Unmap().String(),
		Kind:      core.TokenSession,
		Actions:   []core.TokenAction{core.TokenRead, core.TokenPublish, core.TokenManage},
		CreatedAt: now,
		ExpiresAt: now.Add(s.policy.SessionLifetime),

		MFAVerifiedAt: mfaAt,
	}, nil)
	if err == nil {
		s.noteCLISignIn(ctx, u, addr)
	}
	return tok, err
}

// TokenLimits returns the token lifetimes of the policy, in days: the
// default, and the longest for tokens that can publish or manage and for
// read-only ones (the web form states them).
func (s *Service) TokenLimits() (defaultDays, publishMaxDays, readOnlyMaxDays int) {
	return s.policy.DefaultDays, s.policy.PublishMaxDays, s.policy.ReadOnlyMaxDays
}

// confirmPassword checks the signed-in user's current password before a
// sensitive change (what). Authorize ran before it, so this check may be
// the one that finds the password breached: then the change is refused
// too, since a token or a new address would outlive the password change
// the breach forces.
func (s *Service) confirmPassword(ctx context.Context, p authz.Principal, pw, what string) error {
	u, err := s.Login(ctx, p.User.Name, pw, p.Addr)
	if err != nil {
		if core.KindOf(err) == core.KindUnauthenticated {
			return core.Errorf(core.KindUnauthenticated, "incorrect password; %s needs your current password", what)
		}
		return err
	}
	if u.PasswordCompromised {
		return core.Errorf(core.KindForbidden, "your password appears in a known data breach; change it at %s", s.url(pathChangePassword))
	}
	return nil
}

// CreateToken creates an API token for the principal's user, after
// checking the password again: a stolen session alone cannot mint tokens.
func (s *Service) CreateToken(ctx context.Context, p authz.Principal, pw string, req TokenRequest) (*CreatedToken, error) {
	covers, since, err := s.coversCritical(ctx, p, req.Packages)
	if err != nil {
		return nil, err
	}
	if err := authz.Authorize(p, authz.CreateTokens, authz.Resource{Critical: covers.Name != "", Package: covers, CriticalSince: since}); err != nil {
		return nil, err
	}
	if err := s.confirmPassword(ctx, p, pw, "creating a token"); err != nil {
		return nil, err
	}
	if len(req.Actions) == 0 {
		req.Actions = []core.TokenAction{core.TokenRead, core.TokenPublish}
	}
	for _, a := range req.Actions {
		if a != core.TokenRead && a != core.TokenPublish && a != core.TokenManage {
			return nil, core.Errorf(core.KindInvalid, "unknown token action %q: use read, publish or manage", a)
		}
	}
	readOnly := !slices.Contains(req.Actions, core.TokenPublish) && !slices.Contains(req.Actions, core.TokenManage)
	maxDays := s.policy.PublishMaxDays
	if readOnly {
		maxDays = s.policy.ReadOnlyMaxDays
	}
	days := req.Days
	if days == 0 {
		days = min(s.policy.DefaultDays, maxDays)
	}
	if days < 0 || days > maxDays {
		kind := "tokens that can publish or manage"
		if readOnly {
			kind = "read-only tokens"
		}
		return nil, core.Errorf(core.KindInvalid, "token expiry of %d days is not allowed: %s may live at most %d days", days, kind, maxDays)
	}
	for _, pkg := range req.Packages {
		if !validPackagePattern(pkg) {
			return nil, core.Errorf(core.KindInvalid, "%q is not a package name or a scope pattern like @acme/*", pkg)
		}
	}
	for _, c := range req.CIDRs {
		if _, err := netip.ParsePrefix(c); err != nil {
			return nil, core.Errorf(core.KindInvalid, "%q is not a CIDR range like 192.0.2.0/24", c)
		}
	}
	req.Name = strings.TrimSpace(req.Name)
	if req.Name == "" {
		req.Name = "token"
	}
	if n := utf8.RuneCountInString(req.Name); n > limits.MaxTokenNameLength {
		return nil, core.Errorf(core.KindInvalid, "the token name is %d characters long; use at most %d", n, limits.MaxTokenNameLength)
	}
	now := s.now()
	return s.insertToken(ctx, p.User, core.Token{
		Name: req.Name, Kind: core.TokenAPI, Actions: req.Actions, Packages: req.Packages, CIDRs: req.CIDRs,
		CreatedAt: now, ExpiresAt: now.Add(time.Duration(days) * 24 * time.Hour),
		// A token made where a second factor was passed may publish
		// without one (authz); record it, and whether it was a key.
		MFAVerifiedAt:       mfaPassedAt(p, now),
		PhishingResistantAt: phishingResistantAt(p, now),
	}, func(tx store.Tx) error { return liveCredential(tx, p) })
}

// coversCritical returns a critical package the user maintains that a
// token for patterns would cover (the zero ref if none), and the start of its grace
// period: creating such a token needs a phishing-resistant factor once
// the grace period is over. Of several, it returns the one whose grace
// ends first (one without grace first of all), as that decides.
func (s *Service) coversCritical(ctx context.Context, p authz.Principal, patterns []string) (core.PackageRef, time.Time, error) {
	if p.User == nil {
		return core.PackageRef{}, time.Time{}, nil
	}
	var name core.PackageRef
	var since time.Time
	err := s.store.View(ctx, func(tx store.Tx) error {
		name, since = core.PackageRef{}, time.Time{}
		pkgs, err := tx.PackagesByMaintainer(p.User.ID)
		if err != nil {
			return err
		}
		for _, pkg := range pkgs {
			if !authz.PackageMatches(patterns, pkg.PackageRef) {
				continue
			}
			c, err := tx.CriticalState(pkg.ID)
			if err != nil {
				return err
			}
			if !c.Critical() {
				continue
			}
			if start := c.GraceStart(); name.Name == "" || start.Before(since) {
				name, since = pkg.PackageRef, start
			}
			if since.IsZero() {
				return nil
			}
		}
		return nil
	})
	return name, since, err
}

var packagePatternRE = regexp.MustCompile(`^(@[a-z0-9][a-z0-9._~-]*/(\*|[a-z0-9._~-]+)|[a-z0-9][a-z0-9._~-]*)$`)

func validPackagePattern(p string) bool {
	return len(p) <= limits.MaxNameLength && packagePatternRE.MatchString(p)
}

// insertToken stores t for u; check, if not nil, must hold in the same
// transaction.
func (s *Service) insertToken(ctx context.Context, u *core.User, t core.Token, check func(store.Tx) error) (*CreatedToken, error) {
	value, err := token.Generate()
	if err != nil {
		return nil, err
	}
	t.UserID = u.ID
	t.Hash = token.Hash(value)
	t.Mask = token.Mask(value)
	t.Key = newKey()
	err = s.store.Update(ctx, func(tx store.Tx) error {
		if check != nil {
			if err := check(tx); err != nil {
				return err
			}
		}
		if err := tx.CreateToken(&t); err != nil {
			return err
		}
		return tx.AppendEvent(&core.Event{At: t.CreatedAt, Type: core.EventTokenCreate, Actor: u.Name, Data: jsonData(map[string]any{
			"key": t.Key, "kind": t.Kind, "name": t.Name, "actions": t.Actions, "packages": t.Packages, "cidrs": t.CIDRs, "expires": t.ExpiresAt,
		})})
	})
	if err != nil {
		return nil, err
	}
	if t.Kind == core.TokenAPI {
		scope := make([]string, 0, len(t.Actions))
		for _, a := range t.Actions {
			scope = append(scope, string(a))
		}
		if len(t.Packages) > 0 {
			scope = append(scope, "packages "+strings.Join(t.Packages, " "))
		}
		s.notify(ctx, u, mail.KindTokenCreated, mail.Notice{TokenName: t.Name, TokenScope: strings.Join(scope, ", "), TokenExpires: t.ExpiresAt})
	}
	return &CreatedToken{Value: value, Token: t}, nil
}

// newKey returns a token's public identifier: 32 hex characters.
func newKey() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Tokens lists the principal's tokens, revoked ones excluded.
func (s *Service) Tokens(ctx context.Context, p authz.Principal) ([]core.Token, error) {
	if err := authz.Authorize(p, authz.ManageTokens, authz.Resource{}); err != nil {
		return nil, err
	}
	var out []core.Token
	err := s.store.View(ctx, func(tx store.Tx) error {
		all, err := tx.TokensByUser(p.User.ID)
		for _, t := range all {
			if t.RevokedAt.IsZero() {
				out = append(out, t)
			}
		}
		return err
	})
	return out, err
}

// RevokeToken revokes one of the principal's tokens by key, or by the
// token's own value (npm sends the value when it matches no key).
func (s *Service) RevokeToken(ctx context.Context, p authz.Principal, key string) error {
	if err := authz.Authorize(p, authz.RevokeTokens, authz.Resource{}); err != nil {
		return err
	}
	if strings.HasPrefix(key, token.Prefix) {
		if err := token.Check(key); err != nil {
			return err
		}
		err := s.store.View(ctx, func(tx store.Tx) error {
			t, err := tx.TokenByHash(token.Hash(key))
			if err == nil && t.UserID == p.User.ID {
				key = t.Key
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return s.revoke(ctx, p.User, key, "user")
}

func (s *Service) revoke(ctx context.Context, u *core.User, key, why string) error {
	now := s.now()
	err := s.store.Update(ctx, func(tx store.Tx) error {
		if err := tx.RevokeToken(u.ID, key, now); err != nil {
			return err
		}
		return tx.AppendEvent(&core.Event{At: now, Type: core.EventTokenRevoke, Actor: u.Name, Data: jsonData(map[string]any{"key": key, "reason": why})})
	})
	if errors.Is(err, core.ErrNotFound) {
		return core.Errorf(core.KindNotFound, "you have no token with id %s; see `npm token list`", key)
	}
	return err
}

// Logout revokes the token presented, which must be the caller's own.
func (s *Service) Logout(ctx context.Context, p authz.Principal, value string) error {
	if p.Token == nil || !token.Equal(p.Token.Hash, token.Hash(value)) {
		return core.Errorf(core.KindForbidden, "you can only log out the token you are using")
	}
	return s.revoke(ctx, p.User, p.Token.Key, "logout")
}

// Authenticate turns a bearer token into a principal. The format and
// checksum are checked offline first, so garbage never reaches the store.
func (s *Service) Authenticate(ctx context.Context, value string, addr netip.Addr) (authz.Principal, error) {
	p := authz.Principal{Addr: addr, AccountURL: s.url(pathAccount)}
	if err := token.Check(value); err != nil {
		return p, err
	}
	hash := token.Hash(value)
	var t *core.Token
	var u *core.User
	var totp, keys bool
	err := s.store.View(ctx, func(tx store.Tx) error {
		var err error
		if t, err = tx.TokenByHash(hash); err != nil {
			return err
		}
		if u, err = tx.UserByID(t.UserID); err != nil {
			return err
		}
		totp, keys, err = secondFactors(tx, u)
		return err
	})
	if errors.Is(err, core.ErrNotFound) {
		return p, core.Errorf(core.KindUnauthenticated, "this token is not known to the registry; log in again with `npm login`")
	}
	if err != nil {
		return p, err
	}
	// The lookup was by hash; compare again in constant time so that no
	// timing of the store's index can leak how close a guess came.
	if !token.Equal(t.Hash, hash) {
		return p, core.Errorf(core.KindUnauthenticated, "this token is not known to the registry; log in again with `npm login`")
	}
	now := s.now()
	switch {
	case !t.RevokedAt.IsZero():
		return p, core.Errorf(core.KindUnauthenticated, "this token (%s) was revoked on %s; log in again with `npm login` or create a new token", t.Mask, t.RevokedAt.Format(time.RFC3339))
	case !now.Before(t.ExpiresAt):
		return p, core.Errorf(core.KindUnauthenticated, "this token (%s) expired on %s; log in again with `npm login` or create a new token with `npm token create`", t.Mask, t.ExpiresAt.Format(time.RFC3339))
	case u.Disabled():
		return p, core.Errorf(core.KindForbidden, "account %s is disabled; contact the registry's administrators", u.Name)
	case !authz.AddrAllowed(t.CIDRs, addr):
		return p, core.Errorf(core.KindForbidden, "this token (%s) may only be used from %s, not from %s", t.Mask, strings.Join(t.CIDRs, ", "), addr.Unmap())
	}
	p.User, p.Token = u, t
	p.MFA, p.HasKey, p.MFAVerifiedAt, p.PhishingResistantAt = totp || keys, keys, t.MFAVerifiedAt, t.PhishingResistantAt
	p.Now, p.Policy = now, s.policy.MFA
	return p, nil
}

// WebSessionLifetime is how long a browser stays signed in.
const WebSessionLifetime = 12 * time.Hour

// StartWebSession signs a browser in and returns the cookie value. It is
// refused for an account with a second factor: that takes
// BeginWebSignIn and FinishWebSignIn.
func (s *Service) StartWebSession(ctx context.Context, u *core.User) (string, error) {
	return s.newWebSession(ctx, u, time.Time{}, false)
}

func newSessionValue() string { return rand.Text() }

// EndWebSession signs a browser out.
func (s *Service) EndWebSession(ctx context.Context, value string) error {
	return s.store.Update(ctx, func(tx store.Tx) error { return tx.DeleteWebSession(hashString(value)) })
}

// WebPrincipal resolves a session cookie; an unknown or expired cookie is
// an anonymous principal.
func (s *Service) WebPrincipal(ctx context.Context, value string, addr netip.Addr) authz.Principal {
	p := authz.Principal{Addr: addr, AccountURL: s.url(pathAccount)}
	if value == "" {
		return p
	}
	_ = s.store.View(ctx, func(tx store.Tx) error {
		ws, err := tx.WebSession(hashString(value))
		if err != nil || ws.Pending || !s.now().Before(ws.ExpiresAt) {
			return err // a pending sign-in signs nobody in
		}
		u, err := tx.UserByID(ws.UserID)
		if err != nil || u.Disabled() {
			return err
		}
		totp, keys, err := secondFactors(tx, u)
		if err == nil {
			p.User, p.MFA, p.HasKey, p.MFAVerifiedAt, p.SessionID = u, totp || keys, keys, ws.MFAVerifiedAt, ws.IDHash
			// Freshness is that of the last real sign-in, which a
			// reissued session carries over.
			p.SignedInAt = ws.SignedInAt
			if ws.PhishingResistant {
				p.PhishingResistantAt = ws.MFAVerifiedAt
			}
			p.Now, p.Policy = s.now(), s.policy.MFA
		}
		return err
	})
	return p
}

func hashString(v string) string {
	h := sha256.Sum256([]byte(v))
	return hex.EncodeToString(h[:])
}

// String helps logs; it never includes a secret.
func (c *CreatedToken) String() string {
	return fmt.Sprintf("token %s (%s)", c.Token.Key, c.Token.Mask)
}
