package secondfactor

import (
	"context"
	"errors"
	"net/netip"
	"time"

	"github.com/rampart/rampart/internal/account"
	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/mfa"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/throttle"
)

// Second factors: TOTP authenticator apps and single-use recovery codes
// (AUTHN-1c). SMS and email codes are not offered (see package mfa). A
// guess at a code is throttled like a password guess, per account and per
// address, under keys of its own, so that failed codes and failed
// passwords do not share one budget.

// pendingEnrolmentLifetime is how long an unconfirmed TOTP secret is shown
// again before a fresh one replaces it.
const pendingEnrolmentLifetime = time.Hour

// qrSize is the side of the enrolment QR code, in pixels.
const qrSize = 240

func mfaKeys(u *core.User, addr netip.Addr) []string {
	return []string{"mfa:user:" + u.Name, "mfa:addr:" + throttle.SourceKey(addr)}
}

// TOTPEnrolment is a pending authenticator-app enrolment to show the user.
type TOTPEnrolment struct {
	Secret string // base32, for typing in by hand
	URL    string // otpauth:// URL
	QRPNG  []byte // the URL as a QR code
}

// MFAStatus is what the account page shows about second factors.
type MFAStatus struct {
	TOTP          bool // on
	RecoveryCodes int  // left
}

// MFAStatus reports the principal's second factors.
func (s *Service) MFAStatus(ctx context.Context, p authz.Principal) (MFAStatus, error) {
	var st MFAStatus
	if err := account.NeedUser(p); err != nil {
		return st, err
	}
	err := s.store.View(ctx, func(tx store.Tx) error {
		o, err := tx.TOTP(p.User.ID)
		if errors.Is(err, core.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		st.TOTP = o.Confirmed()
		codes, err := tx.RecoveryCodes(p.User.ID)
		st.RecoveryCodes = len(codes)
		return err
	})
	return st, err
}

// hasTOTP reports whether u has TOTP turned on.
func hasTOTP(tx store.SecondFactors, u *core.User) (bool, error) {
	o, err := tx.TOTP(u.ID)
	if errors.Is(err, core.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return o.Confirmed(), nil
}

// BeginTOTP starts (or shows again) an authenticator-app enrolment. The
// secret is stored as pending: nothing depends on it until ConfirmTOTP.
func (s *Service) BeginTOTP(ctx context.Context, p authz.Principal) (*TOTPEnrolment, error) {
	if err := account.NeedUser(p); err != nil {
		return nil, err
	}
	// The secret is shown only to whoever may add a factor: a stolen
	// session must not plant its own (authz: step-up).
	if err := authz.Require(p, authz.AddMFA, authz.Resource{}); err != nil {
		return nil, err
	}
	now := s.now()
	fresh, err := mfa.NewTOTP(s.notes.Site(), p.User.Name)
	if err != nil {
		return nil, err
	}
	secret := fresh.Secret
	err = s.store.Update(ctx, func(tx store.Tx) error {
		secret = fresh.Secret
		o, err := tx.TOTP(p.User.ID)
		switch {
		case errors.Is(err, core.ErrNotFound):
		case err != nil:
			return err
		case o.Confirmed():
			return core.Errorf(core.KindConflict, "an authenticator app is already set up; turn it off first to set up another")
		case now.Sub(o.CreatedAt) < pendingEnrolmentLifetime:
			secret = o.Secret // a reload shows the same QR code
			return nil
		}
		return tx.PutTOTP(&core.TOTP{UserID: p.User.ID, Secret: fresh.Secret, CreatedAt: now})
	})
	if err != nil {
		return nil, err
	}
	key := fresh
	if secret != fresh.Secret {
		if key, err = mfa.TOTPKeyFor(s.notes.Site(), p.User.Name, secret); err != nil {
			return nil, err
		}
	}
	png, err := mfa.QRPNG(key.URL, qrSize)
	if err != nil {
		return nil, err
	}
	return &TOTPEnrolment{Secret: key.Secret, URL: key.URL, QRPNG: png}, nil
}

// ConfirmTOTP turns the pending enrolment on once the user types a code
// from the app, and returns recovery codes to show once. A browser that
// confirms its first factor has just passed it, so its session counts as
// such; one that adds an app beside a key keeps the state it had (the new
// app must not stand in for the key it was added under).
func (s *Service) ConfirmTOTP(ctx context.Context, p authz.Principal, code string) ([]string, error) {
	if err := account.NeedUser(p); err != nil {
		return nil, err
	}
	if err := authz.Require(p, authz.AddMFA, authz.Resource{}); err != nil {
		return nil, err
	}
	u := p.User
	keys := mfaKeys(u, p.Addr)
	prev, err := s.limiter.Reserve(ctx, keys, "failed authenticator codes")
	if err != nil {
		return nil, err
	}
	var pending *core.TOTP
	err = s.store.View(ctx, func(tx store.Tx) error {
		var err error
		pending, err = tx.TOTP(u.ID)
		return err
	})
	if errors.Is(err, core.ErrNotFound) || (err == nil && pending.Confirmed()) {
		return nil, core.Errorf(core.KindConflict, "there is no authenticator app waiting to be confirmed; start again at %s", s.notes.URL(account.PathMFA))
	}
	if err != nil {
		return nil, err
	}
	now := s.now()
	step, err := mfa.VerifyTOTP(pending.Secret, code, now, 0)
	if err != nil {
		return nil, err
	}
	codes, hashes, err := mfa.NewRecoveryCodes(mfa.DefaultRecoveryCodes)
	if err != nil {
		return nil, err
	}
	err = s.store.Update(ctx, func(tx store.Tx) error {
		o, err := tx.TOTP(u.ID)
		if err != nil {
			return err
		}
		if o.Confirmed() || o.Secret != pending.Secret {
			return core.Errorf(core.KindConflict, "the enrolment changed meanwhile; start again at %s", s.notes.URL(account.PathMFA))
		}
		o.ConfirmedAt, o.LastStep = now, step
		if err := tx.PutTOTP(o); err != nil {
			return err
		}
		if err := tx.SetRecoveryCodes(u.ID, hashes, now); err != nil {
			return err
		}
		if p.SessionID != "" && !p.MFA {
			if err := tx.SetWebSessionMFA(p.SessionID, now, false); err != nil && !errors.Is(err, core.ErrNotFound) {
				return err
			}
		}
		return tx.AppendEvent(event.MFAAdd{User: u.Name, Method: account.MethodTOTP, IP: p.Addr.Unmap().String(), NoticeTo: account.NoticeTo(u)}.At(now, u.Name))
	})
	if err != nil {
		return nil, err
	}
	if err := s.limiter.Forgive(ctx, keys, prev); err != nil {
		return nil, err
	}
	s.notes.Wake() // the outbox mails the notice
	return codes, nil
}

// DisableTOTP turns the authenticator app off. It needs the password and
// a current code (or a recovery code), so neither a stolen session nor a
// stolen password alone can remove the factor.
func (s *Service) DisableTOTP(ctx context.Context, p authz.Principal, password, code string) error {
	if err := account.NeedUser(p); err != nil {
		return err
	}
	u := p.User
	if err := s.confirmPassword(ctx, p, password, "turning off two-factor authentication"); err != nil {
		return err
	}
	// The code given is the step-up: spent by authz.Require when the
	// decision needs it (a session whose second factor is stale);
	// otherwise it is checked here. It must be a real second factor, not
	// WithOTP's npm-write check, which would also take a web OTP value
	// approved for one npm write.
	if code != "" {
		p.OTP = authz.NewOTPCheck(func() error { return s.CheckSecondFactor(ctx, u, code, p.Addr) })
	}
	if err := authz.Require(p, authz.RemoveMFA, authz.Resource{}); err != nil {
		return err
	}
	if !p.OTPPassed() {
		if err := s.CheckSecondFactor(ctx, u, code, p.Addr); err != nil {
			return err
		}
	}
	now := s.now()
	err := s.store.Update(ctx, func(tx store.Tx) error {
		if err := tx.DeleteTOTP(u.ID); err != nil {
			return err
		}
		if err := tx.SetRecoveryCodes(u.ID, nil, now); err != nil {
			return err
		}
		return tx.AppendEvent(event.MFARemove{User: u.Name, Method: account.MethodTOTP, IP: p.Addr.Unmap().String(), NoticeTo: account.NoticeTo(u)}.At(now, u.Name))
	})
	if err != nil {
		return err
	}
	s.notes.Wake() // the outbox mails the notice
	return nil
}

// RegenerateRecoveryCodes replaces every recovery code with a new set,
// after a current code from the app (or a recovery code).
func (s *Service) RegenerateRecoveryCodes(ctx context.Context, p authz.Principal, code string) ([]string, error) {
	if err := account.NeedUser(p); err != nil {
		return nil, err
	}
	u := p.User
	if err := s.CheckSecondFactor(ctx, u, code, p.Addr); err != nil {
		return nil, err
	}
	codes, hashes, err := mfa.NewRecoveryCodes(mfa.DefaultRecoveryCodes)
	if err != nil {
		return nil, err
	}
	now := s.now()
	err = s.store.Update(ctx, func(tx store.Tx) error {
		if err := tx.SetRecoveryCodes(u.ID, hashes, now); err != nil {
			return err
		}
		return tx.AppendEvent(event.RecoveryCodesRegenerated{User: u.Name, Count: len(hashes), IP: p.Addr.Unmap().String(), NoticeTo: account.NoticeTo(u)}.At(now, u.Name))
	})
	if err != nil {
		return nil, err
	}
	s.notes.Wake() // the outbox mails the notice
	return codes, nil
}

// CheckSecondFactor checks code as u's second factor: a code from the
// authenticator app, which is then spent (the stored step moves on by
// compare-and-swap, so a code works once even when sent twice at the same
// moment), or a recovery code, which is then deleted and reported by mail
// with the number left. Attempts are throttled per account and per
// address with exponential backoff, and the user is told of a run of
// wrong codes (noteSecondFactorResult).
//
// A web OTP value (approved in the browser for one npm write) is no
// second factor here: see checkNPMWriteOTP.
func (s *Service) CheckSecondFactor(ctx context.Context, u *core.User, code string, addr netip.Addr) error {
	return s.checkSecondFactor(ctx, u, code, addr, "")
}

// checkNPMWriteOTP is CheckSecondFactor for the one-time password of an
// npm write (npm-otp): there, and only there, a web OTP value issued for
// an npm write counts too.
func (s *Service) checkNPMWriteOTP(ctx context.Context, u *core.User, code string, addr netip.Addr) error {
	return s.checkSecondFactor(ctx, u, code, addr, core.WebOTPNPMWrite)
}

// checkSecondFactor checks code as u's second factor; webOTP is the
// purpose of the web OTP values also accepted ("" for none). Each value
// is good only for the purpose it was issued for: a value approved for
// one npm write must not become a browser's second factor (a session
// with a fresh factor).
func (s *Service) checkSecondFactor(ctx context.Context, u *core.User, code string, addr netip.Addr, webOTP core.WebOTPPurpose) (err error) {
	keys := mfaKeys(u, addr)
	prev, err := s.limiter.Reserve(ctx, keys, "failed authenticator codes")
	if err != nil {
		return err
	}
	defer s.noteSecondFactorResult(ctx, u, addr, &err)
	if webOTP != "" {
		if ok, err := s.spendWebOTP(ctx, u, code, webOTP); err != nil || ok {
			if err != nil {
				return err
			}
			return s.limiter.Forgive(ctx, keys, prev)
		}
	}
	var o *core.TOTP
	var hashes []string
	err = s.store.View(ctx, func(tx store.Tx) error {
		var err error
		if o, err = tx.TOTP(u.ID); err != nil {
			return err
		}
		hashes, err = tx.RecoveryCodes(u.ID)
		return err
	})
	if errors.Is(err, core.ErrNotFound) || (err == nil && !o.Confirmed()) {
		return core.Errorf(core.KindInvalid, "two-factor authentication is not turned on for %s", u.Name)
	}
	if err != nil {
		return err
	}
	now := s.now()
	step, terr := mfa.VerifyTOTP(o.Secret, code, now, o.LastStep)
	switch {
	case terr == nil:
		err := s.store.Update(ctx, func(tx store.Tx) error { return tx.AdvanceTOTPStep(u.ID, o.LastStep, step) })
		if errors.Is(err, core.ErrConflict) {
			return core.Errorf(core.KindUnauthenticated, "this code was already used; wait for the next code")
		}
		if err != nil {
			return err
		}
		return s.limiter.Forgive(ctx, keys, prev)
	case core.KindOf(terr) != core.KindInvalid:
		return terr // wrong or spent: the attempt stays counted
	}
	// Not six digits: perhaps a recovery code.
	i, ok := mfa.MatchRecoveryCode(code, hashes)
	if !ok {
		return core.Errorf(core.KindUnauthenticated, "that code is not valid; enter the 6-digit code from your authenticator app, or one of your recovery codes")
	}
	left := len(hashes) - 1
	err = s.store.Update(ctx, func(tx store.Tx) error {
		if err := tx.UseRecoveryCode(u.ID, hashes[i]); err != nil {
			return err
		}
		return tx.AppendEvent(event.RecoveryCodeUsed{User: u.Name, Left: left, IP: addr.Unmap().String(), NoticeTo: account.NoticeTo(u)}.At(now, u.Name))
	})
	if errors.Is(err, core.ErrNotFound) {
		return core.Errorf(core.KindUnauthenticated, "this recovery code was already used")
	}
	if err != nil {
		return err
	}
	if err := s.limiter.Forgive(ctx, keys, prev); err != nil {
		return err
	}
	s.notes.Wake() // the outbox mails the notice
	return nil
}

// WithOTP attaches the one-time password a request carried (npm's
// npm-otp header) to its principal, unchecked. It is spent only when
// authz decides an action needs it, by the caller of authz.Settle (or
// Require), outside any transaction.
func (s *Service) WithOTP(ctx context.Context, p authz.Principal, code string) authz.Principal {
	if code == "" || p.User == nil {
		return p
	}
	u, addr := p.User, p.Addr
	p.OTP = authz.NewOTPCheck(func() error { return s.checkNPMWriteOTP(ctx, u, code, addr) })
	return p
}

// ConfirmWebSession is the web step-up: a signed-in browser whose second
// factor is older than the step-up window passes it again with a code
// from the app (or a recovery code), and its session counts as having
// passed it now.
func (s *Service) ConfirmWebSession(ctx context.Context, p authz.Principal, code string) error {
	if err := account.NeedUser(p); err != nil {
		return err
	}
	if p.Token != nil || p.SessionID == "" {
		return core.Errorf(core.KindForbidden, "confirm your second factor in the browser")
	}
	if err := s.CheckSecondFactor(ctx, p.User, code, p.Addr); err != nil {
		return err
	}
	now := s.now()
	// A code from an app: the session no longer counts as having passed
	// a key, however recently it did.
	return s.store.Update(ctx, func(tx store.Tx) error { return tx.SetWebSessionMFA(p.SessionID, now, false) })
}
