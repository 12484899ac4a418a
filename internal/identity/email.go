package identity

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/netip"
	"strings"
	"time"

	"github.com/rampart/rampart/internal/account"
	"github.com/rampart/rampart/internal/authn"
	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/mail"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/throttle"
)

// Pages under the public URL that mail and messages link to. The web UI
// serves them at the same paths.
const (
	PathVerifyEmail   = "verify-email"
	PathResetPassword = "reset-password"
)

// Lifetimes of mailed links.
const (
	VerifyLinkLifetime = 24 * time.Hour
	ResetLinkLifetime  = time.Hour
)

// linkSecretBytes is the entropy of a mailed link: far beyond guessing,
// and the guesses are throttled as well.
const linkSecretBytes = 32

// emailLink is a one-time link about to be stored and mailed. The secret
// exists only here and in the mail; the store keeps its hash.
type emailLink struct {
	secret  string
	purpose core.EmailTokenPurpose
	created time.Time
	expires time.Time
}

func newEmailLink(purpose core.EmailTokenPurpose, now time.Time) (*emailLink, error) {
	b := make([]byte, linkSecretBytes)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	life := VerifyLinkLifetime
	if purpose == core.PurposePasswordReset {
		life = ResetLinkLifetime
	}
	return &emailLink{secret: base64.RawURLEncoding.EncodeToString(b), purpose: purpose, created: now, expires: now.Add(life)}, nil
}

// store records the link for u and its event; older unused links for the
// same purpose stop working, so only the newest mail counts.
func (l *emailLink) store(tx interface {
	store.EmailTokens
	store.Events
}, u *core.User) error {
	if err := tx.ExpireEmailTokens(u.ID, l.purpose, l.created); err != nil {
		return err
	}
	if err := tx.CreateEmailToken(&core.EmailToken{Hash: account.Hash(l.secret), UserID: u.ID, Purpose: l.purpose, Email: u.Email, CreatedAt: l.created, ExpiresAt: l.expires}); err != nil {
		return err
	}
	if l.purpose == core.PurposePasswordReset {
		return tx.AppendEvent(event.PasswordResetSent{User: u.Name, Email: authz.MaskEmail(u.Email), Expires: l.expires}.At(l.created, u.Name))
	}
	return tx.AppendEvent(event.EmailVerifySent{User: u.Name, Email: authz.MaskEmail(u.Email), Expires: l.expires}.At(l.created, u.Name))
}

// sendLink mails a stored link. A failure is logged, not returned: the
// change is committed, and the user can ask for a new link.
func (s *Service) sendLink(ctx context.Context, u *core.User, l *emailLink) {
	kind, path := mail.KindVerifyEmail, PathVerifyEmail
	if l.purpose == core.PurposePasswordReset {
		kind, path = mail.KindPasswordReset, PathResetPassword
	}
	s.notes.Send(ctx, u, kind, mail.Notice{ActionURL: s.notes.URL(path) + "?token=" + l.secret, ExpiresIn: l.expires.Sub(l.created)})
}

// checkNewPassword applies the length rules and pwcheck (breached, common,
// too weak) to a password about to be set.
func (s *Service) checkNewPassword(ctx context.Context, pw, name, email string) error {
	if err := s.validatePassword(pw, name); err != nil {
		return err
	}
	v, err := s.pw.Check(ctx, pw, name, email)
	if err != nil {
		return err
	}
	return v.Refusal(s.pw.MinScore())
}

// linkKeys throttle guesses at mailed links per source address.
func linkKeys(addr netip.Addr) []string {
	return []string{"link:addr:" + throttle.SourceKey(addr)}
}

// lookupLink finds the unused, unexpired link for purpose. Every attempt
// counts against the address (a link is followed once, so a legitimate
// user never comes near the limit).
func (s *Service) lookupLink(ctx context.Context, secret string, purpose core.EmailTokenPurpose, addr netip.Addr) (*core.EmailToken, *core.User, error) {
	prev, err := s.limiter.Reserve(ctx, linkKeys(addr), "attempts with emailed links")
	if err != nil {
		return nil, nil, err
	}
	again := "request a new one at " + s.notes.URL(account.PathAccount)
	if purpose == core.PurposeChangeEmail {
		again = "ask again at " + s.notes.URL(account.PathAccount)
	}
	if purpose == core.PurposePasswordReset {
		again = "request a new one at " + s.notes.URL("forgot-password")
	}
	b, err := base64.RawURLEncoding.DecodeString(secret)
	if err != nil || len(b) != linkSecretBytes {
		return nil, nil, core.Errorf(core.KindInvalid, "this link is not valid; copy the whole link from the mail, or %s", again)
	}
	var et *core.EmailToken
	var u *core.User
	err = s.store.View(ctx, func(tx store.Tx) error {
		var err error
		if et, err = tx.EmailToken(account.Hash(secret)); err != nil {
			return err
		}
		u, err = tx.UserByID(et.UserID)
		return err
	})
	if errors.Is(err, core.ErrNotFound) || (err == nil && et.Purpose != purpose) {
		return nil, nil, core.Errorf(core.KindInvalid, "this link is not valid; copy the whole link from the mail, or %s", again)
	}
	if err != nil {
		return nil, nil, err
	}
	switch {
	case !et.UsedAt.IsZero():
		return nil, nil, core.Errorf(core.KindInvalid, "this link was already used or replaced by a newer one; %s", again)
	case !s.now().Before(et.ExpiresAt):
		return nil, nil, core.Errorf(core.KindInvalid, "this link expired on %s; %s", et.ExpiresAt.UTC().Format(time.RFC3339), again)
	case purpose != core.PurposeChangeEmail && !strings.EqualFold(et.Email, u.Email):
		return nil, nil, core.Errorf(core.KindInvalid, "this link was sent to an address the account no longer uses; %s", again)
	case u.Disabled():
		return nil, nil, core.Errorf(core.KindForbidden, "account %s is disabled; contact the registry's administrators", u.Name)
	}
	// A live link is no guess: take the attempt back.
	if err := s.store.Update(ctx, func(tx store.Tx) error { return throttle.Restore(tx, prev) }); err != nil {
		return nil, nil, err
	}
	return et, u, nil
}

// useLink marks the link used in tx; a concurrent use makes it fail.
func useLink(tx store.EmailTokens, et *core.EmailToken, now time.Time) error {
	err := tx.UseEmailToken(et.Hash, now)
	if errors.Is(err, core.ErrConflict) {
		return core.Errorf(core.KindInvalid, "this link was already used")
	}
	return err
}

// followLink uses the link et and applies change to its user, freshly
// read, in one transaction: a link used twice at once changes nothing
// twice, and a change that fails leaves the link unused. change saves the
// user and writes its event; the user as changed is returned.
func (s *Service) followLink(ctx context.Context, et *core.EmailToken, now time.Time, change func(tx store.Tx, u *core.User) error) (*core.User, error) {
	var u *core.User
	err := s.store.Update(ctx, func(tx store.Tx) error {
		if err := useLink(tx, et, now); err != nil {
			return err
		}
		cur, err := tx.UserByID(et.UserID)
		if err != nil {
			return err
		}
		if err := change(tx, cur); err != nil {
			return err
		}
		u = cur
		return nil
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// CheckLink tells whether a link would work, without using it: the page
// a mail links to shows its form only for a live link.
func (s *Service) CheckLink(ctx context.Context, secret string, purpose core.EmailTokenPurpose, addr netip.Addr) error {
	_, _, err := s.lookupLink(ctx, secret, purpose, addr)
	return err
}

// VerifyEmail follows a verification link: the address it was sent to is
// now verified. The link works once.
func (s *Service) VerifyEmail(ctx context.Context, secret string, addr netip.Addr) (*core.User, error) {
	et, _, err := s.lookupLink(ctx, secret, core.PurposeVerifyEmail, addr)
	if err != nil {
		return nil, err
	}
	now := s.now()
	return s.followLink(ctx, et, now, func(tx store.Tx, cur *core.User) error {
		cur.EmailVerified = true
		if err := tx.UpdateUser(cur); err != nil {
			if errors.Is(err, core.ErrConflict) {
				// Unverified addresses are claims (store.Users): another
				// account verified this one first.
				return core.Errorf(core.KindConflict, "%s is now the verified address of another account; use another address at %s", cur.Email, s.notes.URL(account.PathAccount))
			}
			return err
		}
		if err := recordVerifiedAddress(tx, cur, now); err != nil {
			return err
		}
		return tx.AppendEvent(event.EmailVerified{User: cur.Name, Email: authz.MaskEmail(cur.Email)}.At(now, cur.Name))
	})
}

// ResendVerification mails the signed-in user a new verification link;
// earlier links stop working.
func (s *Service) ResendVerification(ctx context.Context, p authz.Principal) error {
	if p.User == nil {
		return core.Errorf(core.KindUnauthenticated, "sign in to ask for a new verification link")
	}
	if p.User.EmailVerified {
		return core.Errorf(core.KindConflict, "your email address is already verified")
	}
	if _, err := s.limiter.Reserve(ctx, []string{"resend:user:" + p.User.Name}, "verification mails"); err != nil {
		return err
	}
	if res, err := s.refuseAbandoned(ctx, p.User.Email, "verify"); err != nil {
		s.recordDomain(ctx, p.User, res)
		return core.Errorf(core.KindInvalid, "%s; change your address at %s", core.Message(err), s.notes.URL(account.PathAccount))
	}
	if owner, err := s.verifiedHolder(ctx, p.User.Email); err != nil {
		return err
	} else if owner != nil && owner.ID != p.User.ID {
		// Another account verified this address: no link for a
		// stranger's account goes to its owner, and the answer is the
		// same as when one went out, as at sign-up.
		s.log.InfoContext(ctx, "verification link not mailed: another account verified the address", "user", p.User.Name)
		return nil
	}
	link, err := newEmailLink(core.PurposeVerifyEmail, s.now())
	if err != nil {
		return err
	}
	if err := s.store.Update(ctx, func(tx store.Tx) error { return link.store(tx, p.User) }); err != nil {
		return err
	}
	s.sendLink(ctx, p.User, link)
	return nil
}

// RequestPasswordReset mails a reset link to email if it belongs to an
// enabled account whose address is verified. The answer is the same
// whether or not it does, and the mail goes out after the answer, so
// neither the reply nor its timing tells who has an account.
//
// Requests are limited per source and per address mailed (throttle.Limiter.ReserveRate).
// The limit per address mailed does not refuse the account's owner on a
// network the account signed in from, but counts the request, so that
// requests from elsewhere cannot keep replacing the owner's link.
func (s *Service) RequestPasswordReset(ctx context.Context, email string, addr netip.Addr) error {
	email = strings.TrimSpace(email)
	if err := validateEmail(email); err != nil {
		return err
	}
	now := s.now()
	var known bool
	err := s.store.View(ctx, func(tx store.Tx) error {
		known = false
		u, err := tx.UserByEmail(email)
		if errors.Is(err, core.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		known, err = throttle.KnownNetwork(tx, u, addr, now)
		return err
	})
	if err != nil {
		return err
	}
	err = s.limiter.ReserveRate(ctx, []throttle.RateKey{
		{Key: "reset:addr:" + throttle.SourceKey(addr), Rate: throttle.ResetSourceRate,
			Refusal: "too many password reset requests from your address; try again in %s"},
		{Key: "reset:email:" + strings.ToLower(email), Rate: throttle.ResetEmailRate, CountOnly: known,
			Refusal: "a password reset link was asked for this address a short while ago: if it has an account, use the newest link mailed to it (each works for an hour), or try again in %s"},
	})
	if err != nil {
		return err
	}
	link, err := newEmailLink(core.PurposePasswordReset, s.now())
	if err != nil {
		return err
	}
	var u *core.User
	err = s.store.Update(ctx, func(tx store.Tx) error {
		u = nil
		cur, err := tx.UserByEmail(email)
		if errors.Is(err, core.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		// Only a verified address proves ownership (docs/policies/account-recovery.md).
		if !cur.EmailVerified || cur.Disabled() {
			return nil
		}
		u = cur
		return link.store(tx, cur)
	})
	if err != nil || u == nil {
		return err
	}
	// The domain is checked after the answer, so that its timing tells
	// nobody whether the address has an account. Past the group's bound
	// the link is not mailed (logged); a new request sends a new one.
	s.bg.Go(context.WithoutCancel(ctx), "password reset link", func(ctx context.Context) {
		if s.refuseResetToAbandoned(ctx, u) {
			return
		}
		s.sendLink(ctx, u, link)
	})
	return nil
}

// ResetPassword follows a reset link: it sets the new password, signs
// every browser out, revokes every token, and mails a notice.
func (s *Service) ResetPassword(ctx context.Context, secret, newPW string, addr netip.Addr) (*core.User, error) {
	et, u, err := s.lookupLink(ctx, secret, core.PurposePasswordReset, addr)
	if err != nil {
		return nil, err
	}
	if err := s.checkNewPassword(ctx, newPW, u.Name, u.Email); err != nil {
		return nil, err
	}
	hash, err := s.hasher.Hash(ctx, newPW)
	if err != nil {
		return nil, err
	}
	now := s.now()
	u, err = s.followLink(ctx, et, now, func(tx store.Tx, cur *core.User) error {
		cur.PasswordHash, cur.PasswordCompromised = hash, false
		if err := tx.UpdateUser(cur); err != nil {
			return err
		}
		revoked, err := authn.SignOutEverywhere(tx, cur, now, true)
		if err != nil {
			return err
		}
		if err := tx.DeleteThrottle(throttle.LoginAccountKey(cur.Name)); err != nil {
			return err
		}
		return tx.AppendEvent(event.PasswordReset{User: cur.Name, RevokedTokens: revoked, IP: addr.Unmap().String(), NoticeTo: account.NoticeTo(cur)}.At(now, cur.Name))
	})
	if err != nil {
		return nil, err
	}
	s.notes.Wake() // the outbox mails the notice
	return u, nil
}

// ChangePassword sets a new password for the signed-in user after checking
// the current one. Every browser session and `npm login` token of the
// user ends (API tokens stay), and so does every reset link not yet
// followed: a link read from a stolen mailbox must not outlive the change.
// The caller signs the browser in again.
func (s *Service) ChangePassword(ctx context.Context, p authz.Principal, oldPW, newPW string) (*core.User, error) {
	if p.User == nil {
		return nil, core.Errorf(core.KindUnauthenticated, "sign in to change your password")
	}
	if p.Token != nil {
		return nil, core.Errorf(core.KindForbidden, "change your password in the browser, at %s", s.notes.URL(account.PathChangePassword))
	}
	if _, err := s.authn.Login(ctx, p.User.Name, oldPW, p.Addr); err != nil {
		if core.KindOf(err) == core.KindUnauthenticated {
			return nil, core.Errorf(core.KindUnauthenticated, "the current password is not correct")
		}
		return nil, err
	}
	if oldPW == newPW {
		return nil, core.Errorf(core.KindInvalid, "the new password must differ from the current one")
	}
	if err := s.checkNewPassword(ctx, newPW, p.User.Name, p.User.Email); err != nil {
		return nil, err
	}
	hash, err := s.hasher.Hash(ctx, newPW)
	if err != nil {
		return nil, err
	}
	now := s.now()
	var u *core.User
	err = s.store.Update(ctx, func(tx store.Tx) error {
		cur, err := tx.UserByID(p.User.ID)
		if err != nil {
			return err
		}
		was := cur.PasswordCompromised
		cur.PasswordHash, cur.PasswordCompromised = hash, false
		if err := tx.UpdateUser(cur); err != nil {
			return err
		}
		revoked, err := authn.SignOutEverywhere(tx, cur, now, false)
		if err != nil {
			return err
		}
		if err := tx.ExpireEmailTokens(cur.ID, core.PurposePasswordReset, now); err != nil {
			return err
		}
		u = cur
		return tx.AppendEvent(event.PasswordChange{
			User: cur.Name, WasCompromised: was, RevokedTokens: revoked, IP: p.Addr.Unmap().String(), NoticeTo: account.NoticeTo(cur),
		}.At(now, cur.Name))
	})
	if err != nil {
		return nil, err
	}
	s.notes.Wake() // the outbox mails the notice
	return u, nil
}

// SecurityEvents lists the signed-in user's own recent events, newest
// first, for the account page.
func (s *Service) SecurityEvents(ctx context.Context, p authz.Principal, limit int) ([]core.Event, error) {
	if p.User == nil {
		return nil, core.Errorf(core.KindUnauthenticated, "sign in to see your account")
	}
	var out []core.Event
	err := s.store.View(ctx, func(tx store.Tx) error {
		var err error
		out, err = tx.EventsByActor(p.User.Name, limit)
		return err
	})
	return out, err
}
