// Package authn turns credentials into an authz.Principal: passwords
// (sign-in), API tokens, browser sessions and their liveness, npm's web
// login, and the devices a user signs in from. Secrets are stored only as
// hashes and compared in constant time; guessing is throttled (package
// throttle) in a way that an attacker cannot turn against the account's
// owner. Second factors are checked by package secondfactor; users and
// their addresses belong to package identity.
package authn

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rampart/rampart/internal/account"
	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/password"
	"github.com/rampart/rampart/internal/pwcheck"
	"github.com/rampart/rampart/internal/secondfactor"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/throttle"
	"github.com/rampart/rampart/internal/token"
	"github.com/rampart/rampart/internal/trust"
)

// Policy is the part of the configuration this package enforces.
type Policy struct {
	PublishMaxDays  int
	DefaultDays     int
	ReadOnlyMaxDays int
	SessionLifetime time.Duration
	// PasswordsAdminsOnly turns password sign-in off for everyone but
	// site administrators (their break-glass when the identity provider
	// is down): [access] password_login = false. SSOHint says how to sign
	// in instead.
	PasswordsAdminsOnly bool
	SSOHint             string
}

// PasswordsAdminsOnly reports whether password sign-in is kept to site
// administrators (the web hides the form).
func (s *Service) PasswordsAdminsOnly() bool { return s.policy.PasswordsAdminsOnly }

// SignInHook runs in the transaction that records a completed sign-in of
// u (from addr, with userAgent); after, if not nil, runs once it is
// committed. identity uses it to cancel an assisted recovery under way
// (docs/policies/account-recovery.md); it is a function so that authn
// need not import identity, which imports authn.
type SignInHook func(tx store.Tx, u *core.User, now time.Time, addr netip.Addr, userAgent string) (after func(context.Context), err error)

// Deps are the services and peers authn works with.
type Deps struct {
	Store     store.Store
	Hasher    *password.Hasher
	Passwords *pwcheck.Checker
	Limiter   *throttle.Limiter
	Factors   *secondfactor.Service
	Notifier  *account.Notifier
	Log       *slog.Logger // nil: slog.Default()
	Now       func() time.Time
	// OnSignIn, if not nil, runs with every completed sign-in.
	OnSignIn SignInHook
}

// Service turns credentials into principals and manages them.
type Service struct {
	store    store.Store
	hasher   *password.Hasher
	pw       *pwcheck.Checker
	limiter  *throttle.Limiter
	factors  *secondfactor.Service
	notes    *account.Notifier
	log      *slog.Logger
	now      func() time.Time
	policy   Policy
	mfa      authz.Policy
	onSignIn SignInHook
	// dummyHash is verified against when a user does not exist, so that a
	// failed login takes the same time whether or not the name is taken.
	dummyHash string
}

// New builds the service.
func New(ctx context.Context, d Deps, p Policy) (*Service, error) {
	if d.Passwords == nil || d.Notifier == nil || d.Factors == nil || d.Limiter == nil {
		return nil, errors.New("authn: a password checker, a notifier, a limiter and the second factors are required")
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	dummy, err := d.Hasher.Hash(ctx, rand.Text())
	if err != nil {
		return nil, err
	}
	return &Service{store: d.Store, hasher: d.Hasher, pw: d.Passwords, limiter: d.Limiter, factors: d.Factors, notes: d.Notifier,
		log: d.Log, now: d.Now, policy: p, mfa: d.Factors.MFAPolicy(), onSignIn: d.OnSignIn, dummyHash: dummy}, nil
}

// Login checks a name and password. Failures are throttled per source
// address, per account on the source's network and, from networks the
// account has not signed in from, per account (throttle.LoginKeys); the error never
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
		known, err = throttle.KnownNetwork(tx, cur, addr, now)
		return err
	})
	if err != nil {
		return nil, err
	}
	keys := throttle.LoginKeys(name, addr, known)
	prev, err := s.limiter.ReserveAttempt(ctx, keys)
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
	if err := s.limiter.ForgiveLogin(ctx, u, addr, keys, prev); err != nil {
		return nil, err
	}
	if u.Disabled() {
		return nil, core.Errorf(core.KindForbidden, "account %s is disabled; contact the registry's administrators", u.Name)
	}
	if s.policy.PasswordsAdminsOnly && !u.Admin {
		// Said only after a correct password, so it tells a guesser nothing.
		return nil, core.Errorf(core.KindForbidden, "password sign-in is turned off on this registry: %s", s.policy.SSOHint)
	}
	if err := s.checkSignInPassword(ctx, u, pw, addr); err != nil {
		return nil, err
	}
	return u, nil
}

// checkSignInPassword runs after a correct password: one known from a data
// breach (or on the common list) signs in only into a forced change. The
// flag is set and the user mailed once; until the change, Authorize
// refuses every action and no npm token is issued.
func (s *Service) checkSignInPassword(ctx context.Context, u *core.User, pw string, addr netip.Addr) error {
	if u.PasswordCompromised {
		return nil
	}
	v, err := s.pw.Check(ctx, pw, u.Name, u.Email)
	if err != nil || !v.Compromised() {
		return nil // a password too long to check was accepted once; not a reason to refuse
	}
	now := s.now()
	err = s.store.Update(ctx, func(tx store.Tx) error {
		cur, err := tx.UserByID(u.ID)
		if err != nil {
			return err
		}
		if cur.PasswordHash != u.PasswordHash || cur.PasswordCompromised {
			return nil // changed meanwhile
		}
		cur.PasswordCompromised = true
		if err := tx.UpdateUser(cur); err != nil {
			return err
		}
		return tx.AppendEvent(event.PasswordCompromised{User: u.Name, Source: v.Source, IP: addr.Unmap().String(), NoticeTo: account.NoticeTo(cur)}.At(now, u.Name))
	})
	if err != nil {
		return err
	}
	u.PasswordCompromised = true
	s.notes.Wake() // the outbox mails the notice to change it
	return nil
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
	// npm has no way to change a password: a breached one gets no token
	// until the browser changed it.
	if err := s.mayIssue(u, addr); err != nil {
		return nil, err
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

// ConfirmPassword checks the signed-in user's current password before a
// sensitive change (what). Authorize ran before it, so this check may be
// the one that finds the password breached: then the change is refused
// too, since a token or a new address would outlive the password change
// the breach forces.
func (s *Service) ConfirmPassword(ctx context.Context, p authz.Principal, pw, what string) error {
	u, err := s.Login(ctx, p.User.Name, pw, p.Addr)
	if err != nil {
		if core.KindOf(err) == core.KindUnauthenticated {
			return core.Errorf(core.KindUnauthenticated, "incorrect password; %s needs your current password", what)
		}
		return err
	}
	return s.mayIssue(u, p.Addr)
}

// mayIssue asks Authorize whether u, just signed in (or its password
// just confirmed) from addr, may be handed a credential or make a
// sensitive change: not with a disabled account, nor with a password the
// sign-in may have just found breached (IssueCredentials). The principal
// is built from the user record read by the sign-in, not the request's,
// which may predate the finding.
func (s *Service) mayIssue(u *core.User, addr netip.Addr) error {
	return authz.Authorize(authz.Principal{
		User: u, Addr: addr, AccountURL: s.notes.URL(account.PathAccount), PasswordBreached: u.PasswordCompromised, Now: s.now(),
	}, authz.IssueCredentials, authz.Resource{})
}

// CreateToken creates an API token for the principal's user, after
// checking the password again: a stolen session alone cannot mint tokens.
func (s *Service) CreateToken(ctx context.Context, p authz.Principal, pw string, req TokenRequest) (*CreatedToken, error) {
	covers, since, err := s.coversCritical(ctx, p, req.Packages)
	if err != nil {
		return nil, err
	}
	if err := authz.Require(p, authz.CreateTokens, authz.Resource{Critical: covers.Name != "", Package: covers, CriticalSince: since}); err != nil {
		return nil, err
	}
	if err := s.ConfirmPassword(ctx, p, pw, "creating a token"); err != nil {
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
	if req.Packages, err = tokenPatterns(req.Packages); err != nil {
		return nil, err
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
		var to []string
		if t.Kind == core.TokenAPI {
			to = account.NoticeTo(u) // a session token (npm login) is told of as a new device
		}
		return tx.AppendEvent(event.TokenCreate{
			Key: t.Key, Kind: string(t.Kind), Name: t.Name, Actions: event.Strings(t.Actions), Packages: t.Packages, CIDRs: t.CIDRs, Expires: t.ExpiresAt,
			NoticeTo: to,
		}.At(t.CreatedAt, u.Name))
	})
	if err != nil {
		return nil, err
	}
	if t.Kind == core.TokenAPI {
		s.notes.Wake() // the outbox mails the notice of a new API token
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
	if err := authz.Require(p, authz.RevokeTokens, authz.Resource{}); err != nil {
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
		return tx.AppendEvent(event.TokenRevoke{Key: key, Reason: why}.At(now, u.Name))
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
	p := authz.Principal{Addr: addr, AccountURL: s.notes.URL(account.PathAccount)}
	if err := token.Check(value); err != nil {
		return p, err
	}
	hash := token.Hash(value)
	var t *core.Token
	var u *core.User
	var totp, keys bool
	var publisher *authz.Publisher
	err := s.store.View(ctx, func(tx store.Tx) error {
		var err error
		if t, err = tx.TokenByHash(hash); err != nil {
			return err
		}
		if u, err = tx.UserByID(t.UserID); err != nil {
			return err
		}
		if t.Kind == core.TokenTrusted {
			// A token from a trusted publisher's exchange: authz holds it
			// to its one package (authz.Publisher).
			if publisher, err = trust.Principal(tx, t); err != nil {
				return err
			}
		}
		totp, keys, err = secondfactor.Factors(tx, u)
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
	}
	anon := p
	p.User, p.Token = u, t
	p.MFA, p.HasKey, p.MFAVerifiedAt, p.PhishingResistantAt = totp || keys, keys, t.MFAVerifiedAt, t.PhishingResistantAt
	p.Now, p.Policy, p.Publisher = now, s.mfa, publisher
	p.PasswordBreached = u.PasswordCompromised
	// A disabled account or an address outside the token's ranges: the
	// rule every action applies, asked once here for every request.
	if err := authz.Authorize(p, authz.UseCredentials, authz.Resource{}); err != nil {
		return anon, err
	}
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

// EndWebSession signs a browser out.
func (s *Service) EndWebSession(ctx context.Context, value string) error {
	return s.store.Update(ctx, func(tx store.Tx) error { return tx.DeleteWebSession(account.Hash(value)) })
}

// WebPrincipal resolves a session cookie; an unknown or expired cookie is
// an anonymous principal.
func (s *Service) WebPrincipal(ctx context.Context, value string, addr netip.Addr) authz.Principal {
	p := authz.Principal{Addr: addr, AccountURL: s.notes.URL(account.PathAccount)}
	if value == "" {
		return p
	}
	_ = s.store.View(ctx, func(tx store.Tx) error {
		ws, err := tx.WebSession(account.Hash(value))
		if err != nil || ws.Pending || !s.now().Before(ws.ExpiresAt) {
			return err // a pending sign-in signs nobody in
		}
		u, err := tx.UserByID(ws.UserID)
		if err != nil || u.Disabled() {
			return err
		}
		totp, keys, err := secondfactor.Factors(tx, u)
		if err == nil {
			p.User, p.MFA, p.HasKey, p.MFAVerifiedAt, p.SessionID = u, totp || keys, keys, ws.MFAVerifiedAt, ws.IDHash
			p.PasswordBreached = u.PasswordCompromised
			// Freshness is that of the last real sign-in, which a
			// reissued session carries over.
			p.SignedInAt = ws.SignedInAt
			if ws.PhishingResistant {
				p.PhishingResistantAt = ws.MFAVerifiedAt
			}
			p.Now, p.Policy = s.now(), s.mfa
		}
		return err
	})
	return p
}

// String helps logs; it never includes a secret.
func (c *CreatedToken) String() string {
	return fmt.Sprintf("token %s (%s)", c.Token.Key, c.Token.Mask)
}
