package identity

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"time"

	"github.com/rampart/rampart/internal/account"
	"github.com/rampart/rampart/internal/authn"
	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/emaildomain"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/mail"
	"github.com/rampart/rampart/internal/store"
)

// Abandoned email domains (AUTHN-2a). An address on a domain that no
// longer exists, cannot receive mail, or whose registration has lapsed
// could be taken over by whoever registers the domain next, and with it
// the account's recovery mail. Such an address is refused at sign-up and
// as a new address, gets no reset link, and once found abandoned by the
// periodic recheck stops counting as verified, so the account can neither
// publish nor recover through it until the user verifies another address.
// A lookup that fails is Unknown and changes nothing.

// PathConfirmEmail is the page a change-of-address link opens.
const PathConfirmEmail = "confirm-email"

// ChangeLinkLifetime is how long a change-of-address link works.
const ChangeLinkLifetime = VerifyLinkLifetime

// domainOf returns the part of an address after its last @.
func domainOf(email string) string {
	return email[strings.LastIndexByte(email, '@')+1:]
}

// checkDomain judges email's domain; nil when the check is off.
func (s *Service) checkDomain(ctx context.Context, email string) *emaildomain.Result {
	if s.domains == nil {
		return nil
	}
	res := s.domains.Check(ctx, domainOf(email))
	if res.Status == emaildomain.Unknown {
		s.log.InfoContext(ctx, "email domain could not be judged; allowing it", "domain", res.Domain, "reasons", res.Reasons)
	}
	return &res
}

// refuseAbandoned checks email's domain and refuses an abandoned one with
// a message that says why ("you cannot <what> ...").
func (s *Service) refuseAbandoned(ctx context.Context, email, what string) (*emaildomain.Result, error) {
	res := s.checkDomain(ctx, email)
	if res != nil && res.Status == emaildomain.Abandoned {
		return res, core.Errorf(core.KindInvalid, "you cannot %s %s: %s, so mail to it could reach whoever registers the domain next. Use an address at another domain",
			what, email, strings.Join(res.Reasons, "; "))
	}
	return res, nil
}

func statusString(st emaildomain.Status) string {
	switch st {
	case emaildomain.OK:
		return core.DomainOK
	case emaildomain.Abandoned:
		return core.DomainAbandoned
	default:
		return core.DomainUnknown
	}
}

// recordDomain stores the judgement on u's address and, when its domain
// is abandoned, un-verifies the address (see applyDomain). Failures are
// logged: the check is advisory to the request that triggered it.
func (s *Service) recordDomain(ctx context.Context, u *core.User, res *emaildomain.Result) {
	if res == nil {
		return
	}
	if _, err := s.applyDomain(ctx, u, *res); err != nil {
		s.log.ErrorContext(ctx, "storing email domain status failed", "user", u.Name, "err", err)
	}
}

// applyDomain stores res for u's address. Abandoned un-verifies the
// address (if it still is u's), ends its pending reset links and writes
// an event; it reports whether it did. Unknown keeps an earlier Abandoned
// judgement of the same address, so a registry that is down does not
// clear the prompt to add another address.
func (s *Service) applyDomain(ctx context.Context, u *core.User, res emaildomain.Result) (bool, error) {
	now := s.now()
	unverified := false
	err := s.store.Update(ctx, func(tx store.Tx) error {
		unverified = false
		cur, err := tx.UserByID(u.ID)
		if err != nil {
			return err
		}
		if !strings.EqualFold(cur.Email, u.Email) {
			return nil // the address changed meanwhile; the new one is due
		}
		st := &core.EmailDomainStatus{UserID: cur.ID, Email: cur.Email, Domain: res.Domain, Status: statusString(res.Status), Reasons: res.Reasons, CheckedAt: now}
		if res.Status == emaildomain.Unknown {
			prev, err := tx.EmailDomainStatus(cur.ID)
			if err != nil && !errors.Is(err, core.ErrNotFound) {
				return err
			}
			if err == nil && prev.Status == core.DomainAbandoned && strings.EqualFold(prev.Email, cur.Email) {
				st.Status, st.Reasons = prev.Status, prev.Reasons
			}
		}
		if err := tx.PutEmailDomainStatus(st); err != nil {
			return err
		}
		if res.Status != emaildomain.Abandoned || !cur.EmailVerified {
			return nil
		}
		cur.EmailVerified = false
		if err := tx.UpdateUser(cur); err != nil {
			return err
		}
		if err := tx.ExpireEmailTokens(cur.ID, core.PurposePasswordReset, now); err != nil {
			return err
		}
		unverified = true
		return tx.AppendEvent(event.EmailDomainAbandoned{
			User: cur.Name, Email: authz.MaskEmail(cur.Email), Domain: res.Domain, Reasons: res.Reasons,
		}.At(now, cur.Name))
	})
	if err == nil && unverified {
		u.EmailVerified = false
		s.log.WarnContext(ctx, "email domain abandoned: address un-verified", "user", u.Name, "domain", res.Domain, "reasons", res.Reasons)
	}
	return unverified, err
}

// DomainCheckBatch bounds how many addresses one RecheckEmailDomains run
// checks.
const DomainCheckBatch = 100

// RecheckEmailDomains checks the domains of up to batch verified
// addresses whose last check is older than the recheck interval (or that
// were never checked), least recently checked first. A domain newly found
// abandoned un-verifies its address; the account page then asks the user
// for another. It returns how many it checked and how many it un-verified.
// With the check off it does nothing.
func (s *Service) RecheckEmailDomains(ctx context.Context, batch int) (checked, abandoned int, err error) {
	if s.domains == nil {
		return 0, 0, nil
	}
	if batch <= 0 {
		batch = DomainCheckBatch
	}
	var due []core.User
	err = s.store.View(ctx, func(tx store.Tx) error {
		var err error
		due, err = tx.UsersDueForDomainCheck(s.now().Add(-s.policy.DomainRecheck), batch)
		return err
	})
	if err != nil {
		return 0, 0, err
	}
	for i := range due {
		if ctx.Err() != nil {
			return checked, abandoned, ctx.Err()
		}
		u := &due[i]
		verified, err := s.addressVerifiedAt(ctx, u)
		if err != nil {
			return checked, abandoned, err
		}
		res := s.domains.Check(ctx, domainOf(u.Email)).VerifiedAt(verified)
		done, err := s.applyDomain(ctx, u, res)
		if err != nil {
			return checked, abandoned, err
		}
		checked++
		if done {
			abandoned++
		}
	}
	return checked, abandoned, nil
}

// EmailDomainStatus is the last judgement on the domain of the signed-in
// user's current address; nil when it was never checked.
func (s *Service) EmailDomainStatus(ctx context.Context, p authz.Principal) (*core.EmailDomainStatus, error) {
	if p.User == nil {
		return nil, core.Errorf(core.KindUnauthenticated, "sign in to see your account")
	}
	var st *core.EmailDomainStatus
	err := s.store.View(ctx, func(tx store.Tx) error {
		var err error
		st, err = tx.EmailDomainStatus(p.User.ID)
		return err
	})
	if errors.Is(err, core.ErrNotFound) || (err == nil && !strings.EqualFold(st.Email, p.User.Email)) {
		return nil, nil
	}
	return st, err
}

// refuseResetToAbandoned runs before a reset link goes out: if u's
// domain is abandoned, or was registered again after the address was
// verified, the link is withdrawn, the address un-verified, an event
// written, and it returns true (no mail may be sent).
func (s *Service) refuseResetToAbandoned(ctx context.Context, u *core.User) bool {
	res := s.checkVerifiedAddress(ctx, u)
	if res == nil || res.Status != emaildomain.Abandoned {
		return false
	}
	if _, err := s.applyDomain(ctx, u, *res); err != nil {
		s.log.ErrorContext(ctx, "storing email domain status failed", "user", u.Name, "err", err)
	}
	now := s.now()
	err := s.store.Update(ctx, func(tx store.Tx) error {
		if err := tx.ExpireEmailTokens(u.ID, core.PurposePasswordReset, now); err != nil {
			return err
		}
		return tx.AppendEvent(event.EmailDomainRefused{
			User: u.Name, Email: authz.MaskEmail(u.Email), Domain: res.Domain, Reasons: res.Reasons, Flow: "password_reset",
		}.At(now, u.Name))
	})
	if err != nil {
		s.log.ErrorContext(ctx, "withdrawing a reset link failed", "user", u.Name, "err", err)
	}
	s.log.WarnContext(ctx, "password reset refused: the address's domain is abandoned", "user", u.Name, "domain", res.Domain)
	return true
}

// RequestEmailChange mails a link to newEmail; following it (ConfirmEmail
// Change) makes newEmail the account's verified address. Until then the
// old address stays, and is told of the request (emailchange.go). The
// current password is asked again, as for tokens.
func (s *Service) RequestEmailChange(ctx context.Context, p authz.Principal, pw, newEmail string) error {
	if p.User == nil {
		return core.Errorf(core.KindUnauthenticated, "sign in to change your email address")
	}
	if p.Token != nil {
		return core.Errorf(core.KindForbidden, "change your email address in the browser, at %s", s.notes.URL(account.PathAccount))
	}
	if err := authz.Require(p, authz.ChangeEmail, authz.Resource{}); err != nil {
		return err
	}
	newEmail = strings.TrimSpace(newEmail)
	if err := validateEmail(newEmail); err != nil {
		return err
	}
	if strings.EqualFold(newEmail, p.User.Email) {
		return core.Errorf(core.KindInvalid, "%s is already your address", newEmail)
	}
	if err := s.authn.ConfirmPassword(ctx, p, pw, "changing your email address"); err != nil {
		return err
	}
	if _, err := s.refuseAbandoned(ctx, newEmail, "use"); err != nil {
		return err
	}
	if _, err := s.limiter.Reserve(ctx, []string{"email-change:user:" + p.User.Name}, "address change requests"); err != nil {
		return err
	}
	now := s.now()
	link, err := newEmailLink(core.PurposeChangeEmail, now)
	if err != nil {
		return err
	}
	link.expires = now.Add(ChangeLinkLifetime)
	err = s.store.Update(ctx, func(tx store.Tx) error {
		// A link stored after the owner signed out everywhere would
		// outlive it (item 18): the session must still be there.
		if _, err := authn.LiveSession(tx, p); err != nil {
			return err
		}
		if other, err := tx.UserByEmail(newEmail); err == nil && other.ID != p.User.ID {
			return core.Errorf(core.KindConflict, "%s is already used by another account", newEmail)
		} else if err != nil && !errors.Is(err, core.ErrNotFound) {
			return err
		}
		if err := tx.ExpireEmailTokens(p.User.ID, core.PurposeChangeEmail, now); err != nil {
			return err
		}
		if err := tx.CreateEmailToken(&core.EmailToken{Hash: account.Hash(link.secret), UserID: p.User.ID, Purpose: core.PurposeChangeEmail, Email: newEmail, CreatedAt: now, ExpiresAt: link.expires}); err != nil {
			return err
		}
		// The current address is told of the request (with where it came
		// from) from the outbox; the link itself, a secret, goes to the new
		// address directly below and never into the event.
		return tx.AppendEvent(event.EmailChangeSent{
			User: p.User.Name, Email: authz.MaskEmail(newEmail), Expires: link.expires, IP: p.Addr.Unmap().String(),
			NewAddress: newEmail, UserAgent: account.NoticeUserAgent(ctx), NoticeTo: account.NoticeTo(p.User),
		}.At(now, p.User.Name))
	})
	if err != nil {
		return err
	}
	to := *p.User
	to.Email = newEmail
	s.notes.Send(ctx, &to, mail.KindVerifyEmail, mail.Notice{ActionURL: s.notes.URL(PathConfirmEmail) + "?token=" + link.secret, ExpiresIn: ChangeLinkLifetime})
	s.notes.Wake() // the outbox tells the current address
	return nil
}

// ConfirmEmailChange follows a change-of-address link: the address it was
// mailed to becomes the account's, verified. Pending links to the old
// address stop working, and both addresses get a notice.
func (s *Service) ConfirmEmailChange(ctx context.Context, secret string, addr netip.Addr) (*core.User, error) {
	et, u, err := s.lookupLink(ctx, secret, core.PurposeChangeEmail, addr)
	if err != nil {
		return nil, err
	}
	now := s.now()
	old, oldVerified := u.Email, u.EmailVerified
	u, err = s.followLink(ctx, et, now, func(tx store.Tx, cur *core.User) error {
		old, oldVerified = cur.Email, cur.EmailVerified
		cur.Email, cur.EmailVerified = et.Email, true
		if err := tx.UpdateUser(cur); err != nil {
			if errors.Is(err, core.ErrConflict) {
				return core.Errorf(core.KindConflict, "%s is now used by another account; choose another address at %s", et.Email, s.notes.URL(account.PathAccount))
			}
			return err
		}
		for _, purpose := range []core.EmailTokenPurpose{core.PurposeVerifyEmail, core.PurposePasswordReset} {
			if err := tx.ExpireEmailTokens(cur.ID, purpose, now); err != nil {
				return err
			}
		}
		// The old address's period ends (if it was ever verified) and the
		// new one's starts: recovery notices reach both for 90 days.
		if err := tx.EndEmailPeriod(cur.ID, now); err != nil {
			return err
		}
		if err := recordVerifiedAddress(tx, cur, now); err != nil {
			return err
		}
		// Both addresses hear of it: the new one, verified by this link,
		// and the old one only if it was verified: one un-verified as
		// abandoned may be a new domain holder's.
		to := account.NoticeTo(cur)
		if oldVerified && old != "" && !strings.EqualFold(old, cur.Email) {
			to = append(to, old)
		}
		return tx.AppendEvent(event.EmailChanged{
			User: cur.Name, Old: authz.MaskEmail(old), New: authz.MaskEmail(cur.Email),
			OldAddress: old, NewAddress: cur.Email, IP: addr.Unmap().String(), NoticeTo: to,
		}.At(now, cur.Name))
	})
	if err != nil {
		return nil, err
	}
	s.notes.Wake() // the outbox mails both addresses
	return u, nil
}

// addressVerifiedAt is when u's current address was last verified (the
// start of its period in the address history); zero if it never was.
func (s *Service) addressVerifiedAt(ctx context.Context, u *core.User) (time.Time, error) {
	var at time.Time
	err := s.store.View(ctx, func(tx store.Tx) error {
		times, err := verificationTimes(tx, u, s.now())
		at = times[strings.ToLower(u.Email)]
		return err
	})
	return at, err
}

// checkVerifiedAddress judges the domain of u's current, verified address
// as of its verification: a domain registered again since is abandoned
// (emaildomain.Result.VerifiedAt). nil when the check is off.
func (s *Service) checkVerifiedAddress(ctx context.Context, u *core.User) *emaildomain.Result {
	res := s.checkDomain(ctx, u.Email)
	if res == nil {
		return nil
	}
	verified, err := s.addressVerifiedAt(ctx, u)
	if err != nil {
		s.log.ErrorContext(ctx, "reading the address history failed", "user", u.Name, "err", err)
	}
	judged := res.VerifiedAt(verified)
	return &judged
}

// dropAbandoned returns the addresses of addrs (u's current and former
// ones, for a notice of kind) that may receive mail with a link: verified
// now or once, and on a domain neither abandoned nor registered again
// since the address was last verified. Each address dropped for its domain
// writes an event; the current one is also un-verified (applyDomain).
// With the check off, only verification counts.
func (s *Service) dropAbandoned(ctx context.Context, u *core.User, addrs []string, kind string) []string {
	var times map[string]time.Time
	err := s.store.View(ctx, func(tx store.Tx) error {
		var err error
		times, err = verificationTimes(tx, u, time.Time{})
		return err
	})
	if err != nil {
		s.log.ErrorContext(ctx, "reading the address history failed; no notice sent", "user", u.Name, "kind", kind, "err", err)
		return nil
	}
	var out []string
	for _, a := range addrs {
		verified, ok := times[strings.ToLower(a)]
		current := strings.EqualFold(a, u.Email)
		if !ok || (current && !u.EmailVerified) {
			continue // never verified, or no longer: see notify
		}
		res := s.checkDomain(ctx, a)
		if res == nil {
			out = append(out, a)
			continue
		}
		judged := res.VerifiedAt(verified)
		if judged.Status != emaildomain.Abandoned {
			out = append(out, a)
			continue
		}
		s.refuseNotice(ctx, u, a, current, judged, kind)
	}
	return out
}

// refuseNotice records that a notice of kind was not mailed to address a
// of u because its domain is abandoned (judged), un-verifying it if it is
// u's current address.
func (s *Service) refuseNotice(ctx context.Context, u *core.User, a string, current bool, judged emaildomain.Result, kind string) {
	if current {
		if _, err := s.applyDomain(ctx, u, judged); err != nil {
			s.log.ErrorContext(ctx, "storing email domain status failed", "user", u.Name, "err", err)
		}
	}
	now := s.now()
	err := s.store.Update(ctx, func(tx store.Tx) error {
		return tx.AppendEvent(event.EmailDomainRefused{
			User: u.Name, Email: authz.MaskEmail(a), Domain: judged.Domain, Reasons: judged.Reasons, Flow: "notice", Notice: string(kind),
		}.At(now, u.Name))
	})
	if err != nil {
		s.log.ErrorContext(ctx, "recording a refused notice failed", "user", u.Name, "err", err)
	}
	s.log.WarnContext(ctx, "notice not mailed: the address's domain is abandoned", "user", u.Name, "kind", kind, "domain", judged.Domain)
}

// refuseRecoveryLink runs before an assisted recovery completes with a
// reset link to the account's address: if that address's domain is
// abandoned, or was registered again since the address was verified, the
// address is un-verified and the completion refused, since the link would
// hand the account to the domain's new holder.
func (s *Service) refuseRecoveryLink(ctx context.Context, name string) error {
	var u *core.User
	err := s.store.View(ctx, func(tx store.Tx) error {
		var err error
		u, err = tx.UserByName(name)
		return err
	})
	if err != nil || !u.EmailVerified {
		return nil // CompleteRecovery says what is wrong
	}
	res := s.checkVerifiedAddress(ctx, u)
	if res == nil || res.Status != emaildomain.Abandoned {
		return nil
	}
	s.refuseNotice(ctx, u, u.Email, true, *res, mail.KindPasswordReset)
	return core.Errorf(core.KindForbidden, "account %s's address %s cannot receive the reset link: %s. It is no longer verified; the recovery cannot complete through it",
		name, authz.MaskEmail(u.Email), strings.Join(res.Reasons, "; "))
}
