package authn

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/netip"
	"time"

	"github.com/rampart/rampart/internal/account"
	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/secondfactor"
	"github.com/rampart/rampart/internal/store"
)

// PendingSignInLifetime is how long a browser that passed the password
// has to enter its second factor.
const PendingSignInLifetime = 5 * time.Minute

// IssueSessionTokenOTP is IssueSessionToken for `npm login`: for an
// account with a second factor, otp (the npm-otp header) must hold, and
// the token records that its login passed it.
func (s *Service) IssueSessionTokenOTP(ctx context.Context, u *core.User, addr netip.Addr, otp string) (*CreatedToken, error) {
	var on, keys bool
	err := s.store.View(ctx, func(tx store.Tx) error {
		var err error
		on, keys, err = secondfactor.Factors(tx, u)
		return err
	})
	if err != nil {
		return nil, err
	}
	if !on && keys {
		// A security key cannot answer a password prompt.
		return nil, core.Errorf(core.KindForbidden, "account %s signs in with a security key or passkey, which needs the browser: run `npm login` without --auth-type=legacy", u.Name)
	}
	if !on {
		return s.issueSessionToken(ctx, u, addr, time.Time{})
	}
	if otp == "" {
		return nil, authz.OTPRequired()
	}
	if err := s.factors.CheckSecondFactor(ctx, u, otp, addr); err != nil {
		switch core.KindOf(err) {
		case core.KindUnauthenticated, core.KindInvalid:
			return nil, core.Errorf(core.KindOTPRequired, "%s", core.Message(err))
		}
		return nil, err
	}
	return s.issueSessionToken(ctx, u, addr, s.now())
}

// IssueSessionToken creates the token `npm login` hands to the CLI: every
// action, every package of the user, for the configured session lifetime.
// An account with a second factor needs IssueSessionTokenOTP.
func (s *Service) IssueSessionToken(ctx context.Context, u *core.User, addr netip.Addr) (*CreatedToken, error) {
	return s.IssueSessionTokenOTP(ctx, u, addr, "")
}

// BeginWebSignIn is the step after a correct password in a browser. For
// an account without a second factor it starts the session. Otherwise it
// returns a pending sign-in (pending is true), which signs nobody in and
// which FinishWebSignIn exchanges, with a code, for a session.
func (s *Service) BeginWebSignIn(ctx context.Context, u *core.User) (value string, pending bool, err error) {
	var on bool
	err = s.store.View(ctx, func(tx store.Tx) error {
		var err error
		on, err = secondfactor.HasAny(tx, u)
		return err
	})
	if err != nil {
		return "", false, err
	}
	if !on {
		v, err := s.newWebSession(ctx, u, time.Time{}, false)
		return v, false, err
	}
	v, err := s.newWebSession(ctx, u, time.Time{}, true)
	return v, true, err
}

// ErrSignInExpired is FinishWebSignIn's answer when the pending sign-in is
// gone: the browser must start again with the password.
var ErrSignInExpired error = &core.Error{Kind: core.KindUnauthenticated, Msg: "your sign-in expired; enter your user name and password again"}

// FinishWebSignIn checks the second factor of a pending sign-in and
// replaces it with a session (a new cookie value).
func (s *Service) FinishWebSignIn(ctx context.Context, pendingValue, code string, addr netip.Addr) (*core.User, string, error) {
	u, err := s.pendingUser(ctx, pendingValue)
	if err != nil {
		return nil, "", err
	}
	if err := s.factors.CheckSecondFactor(ctx, u, code, addr); err != nil {
		return nil, "", err
	}
	v, err := s.replacePending(ctx, u, pendingValue, false)
	return u, v, err
}

// replacePending turns a pending sign-in whose second factor just held
// into a session, in one transaction: the pending row is consumed once
// (two answers racing get one session), and a password change or reset
// that signed everything out meanwhile leaves nothing to replace.
func (s *Service) replacePending(ctx context.Context, u *core.User, pendingValue string, phishingResistant bool) (string, error) {
	value, now := account.NewSecret(), s.now()
	err := s.store.Update(ctx, func(tx store.Tx) error {
		ws, err := tx.WebSession(account.Hash(pendingValue))
		if errors.Is(err, core.ErrNotFound) || (err == nil && (!ws.Pending || ws.UserID != u.ID || !now.Before(ws.ExpiresAt))) {
			return ErrSignInExpired
		}
		if err != nil {
			return err
		}
		if err := tx.DeleteWebSession(ws.IDHash); err != nil {
			return err
		}
		return tx.CreateWebSession(&core.WebSession{IDHash: account.Hash(value), UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(WebSessionLifetime), MFAVerifiedAt: now, PhishingResistant: phishingResistant})
	})
	return value, err
}

// ContinueWebSession starts a new session for the principal's browser
// after a change that signed every session out (a password change, sign
// out everywhere else); it keeps the browser's second-factor record and
// its sign-in time. Reissuing is no authentication: were the new session
// to count as signed in now, a stolen session older than the step-up
// window would turn fresh by signing out the others, and could then add
// its own second factor or approve an npm login without the password.
func (s *Service) ContinueWebSession(ctx context.Context, p authz.Principal) (string, error) {
	if err := account.NeedUser(p); err != nil {
		return "", err
	}
	if p.SignedInAt.IsZero() {
		// Zero would read as "signed in now" (see above).
		return "", errors.New("account: ContinueWebSession needs the principal's sign-in time")
	}
	// The change this follows must still be the account's last: a reset
	// or another password change landing in between signed every browser
	// out, this one included, and must not be undone (sessionlive.go).
	samePassword := func(tx store.Tx) error {
		cur, err := tx.UserByID(p.User.ID)
		if err != nil {
			return err
		}
		if subtle.ConstantTimeCompare([]byte(cur.PasswordHash), []byte(p.User.PasswordHash)) != 1 {
			return errSessionEnded
		}
		return nil
	}
	return s.createSession(ctx, p.User, p.MFAVerifiedAt, p.SignedInAt, false, !p.PhishingResistantAt.IsZero(), samePassword)
}

func (s *Service) newWebSession(ctx context.Context, u *core.User, mfaAt time.Time, pending bool) (string, error) {
	return s.newSession(ctx, u, mfaAt, pending, false)
}

// newSession is newWebSession that also records whether the second
// factor was phishing-resistant (WebAuthn).
func (s *Service) newSession(ctx context.Context, u *core.User, mfaAt time.Time, pending, phishingResistant bool) (string, error) {
	return s.createSession(ctx, u, mfaAt, time.Time{}, pending, phishingResistant, nil)
}

// createSession is newSession for a browser that signed in at signedIn
// (zero: now, a real sign-in); check, if not nil, must hold in the same
// transaction.
func (s *Service) createSession(ctx context.Context, u *core.User, mfaAt, signedIn time.Time, pending, phishingResistant bool, check func(store.Tx) error) (string, error) {
	value := account.NewSecret()
	now := s.now()
	life := WebSessionLifetime
	if pending {
		life = PendingSignInLifetime
	}
	err := s.store.Update(ctx, func(tx store.Tx) error {
		if check != nil {
			if err := check(tx); err != nil {
				return err
			}
		}
		if !pending && mfaAt.IsZero() {
			on, err := secondfactor.HasAny(tx, u)
			if err != nil {
				return err
			}
			if on {
				return core.Errorf(core.KindForbidden, "this account has two-factor authentication: sign in at %s", s.notes.URL("login"))
			}
		}
		return tx.CreateWebSession(&core.WebSession{IDHash: account.Hash(value), UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(life), MFAVerifiedAt: mfaAt, Pending: pending, PhishingResistant: phishingResistant && !mfaAt.IsZero(), SignedInAt: signedIn})
	})
	return value, err
}

// mfaPassedAt is now if the principal's request is backed by a second
// factor, else zero.
func mfaPassedAt(p authz.Principal, now time.Time) time.Time {
	if p.SecondFactorPassed() {
		return now
	}
	return time.Time{}
}

// phishingResistantAt is what a token created by p records of a security
// key or passkey: a browser's key passed within the step-up window, or
// the key behind the npm login that creates it. Managing a critical
// package with an API token needs one (authz).
func phishingResistantAt(p authz.Principal, now time.Time) time.Time {
	if p.PhishingResistantAt.IsZero() || !p.SecondFactorPassed() {
		return time.Time{}
	}
	if p.Token == nil && !p.Recent(p.PhishingResistantAt) {
		return time.Time{}
	}
	return p.PhishingResistantAt
}

// pendingUser resolves a pending sign-in (the password held, the second
// factor is next).
func (s *Service) pendingUser(ctx context.Context, pendingValue string) (*core.User, error) {
	if pendingValue == "" {
		return nil, ErrSignInExpired
	}
	var u *core.User
	err := s.store.View(ctx, func(tx store.Tx) error {
		ws, err := tx.WebSession(account.Hash(pendingValue))
		if err != nil {
			return err
		}
		if !ws.Pending || !s.now().Before(ws.ExpiresAt) {
			return core.ErrNotFound
		}
		u, err = tx.UserByID(ws.UserID)
		return err
	})
	if errors.Is(err, core.ErrNotFound) {
		return nil, ErrSignInExpired
	}
	if err != nil {
		return nil, err
	}
	if u.Disabled() {
		return nil, core.Errorf(core.KindForbidden, "account %s is disabled; contact the registry's administrators", u.Name)
	}
	return u, nil
}

// PendingFactors reports which second factors a pending sign-in can use.
func (s *Service) PendingFactors(ctx context.Context, pendingValue string) (totp, keys bool, err error) {
	u, err := s.pendingUser(ctx, pendingValue)
	if err != nil {
		return false, false, err
	}
	err = s.store.View(ctx, func(tx store.Tx) error {
		totp, keys, err = secondfactor.Factors(tx, u)
		return err
	})
	return totp, keys, err
}

// BeginKeySignIn asks for an assertion from one of the pending sign-in's
// user's credentials: the security key as a second factor.
func (s *Service) BeginKeySignIn(ctx context.Context, pendingValue string) (*secondfactor.Options, error) {
	u, err := s.pendingUser(ctx, pendingValue)
	if err != nil {
		return nil, err
	}
	return s.factors.BeginKeyFactor(ctx, u)
}

// FinishKeySignIn checks the security key's assertion for a pending
// sign-in and replaces it with a session that passed a phishing-resistant
// second factor.
func (s *Service) FinishKeySignIn(ctx context.Context, pendingValue, ceremony string, response []byte, addr netip.Addr) (*core.User, string, error) {
	u, err := s.pendingUser(ctx, pendingValue)
	if err != nil {
		return nil, "", err
	}
	if err := s.factors.CheckKeyFactor(ctx, u, ceremony, response); err != nil {
		return nil, "", err
	}
	v, err := s.replacePending(ctx, u, pendingValue, true)
	return u, v, err
}

// FinishPasskeySignIn checks a passkey's assertion and starts a session
// that counts as having passed a phishing-resistant second factor (the
// passkey is something you have, unlocked by something you know or are).
func (s *Service) FinishPasskeySignIn(ctx context.Context, ceremony string, response []byte, addr netip.Addr) (*core.User, string, error) {
	u, err := s.factors.CheckPasskey(ctx, ceremony, response)
	if err != nil {
		return nil, "", err
	}
	v, err := s.newSession(ctx, u, s.now(), false, true)
	return u, v, err
}
