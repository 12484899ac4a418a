package identity

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/rampart/rampart/internal/account"
	"github.com/rampart/rampart/internal/authn"
	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/mail"
	"github.com/rampart/rampart/internal/secondfactor"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/throttle"
)

// Admin-assisted recovery (docs/policies/account-recovery.md, "High-risk
// recovery"): an administrator starts it, every address the account had
// in the last 90 days is told at once with a link to cancel (see
// recentAddresses), and only after the waiting period can it be
// completed. Completing removes every second factor, signs every browser
// out, revokes every token and mails a password-reset link to the current
// verified address; never to any other. The notices of its start, its
// cancellation and its completion go to the same addresses.

// PathCancelRecovery is the page a recovery notice links to.
const PathCancelRecovery = "account/recovery/cancel"

// DefaultRecoveryWait is the policy's waiting period.
const DefaultRecoveryWait = 7 * 24 * time.Hour

// StartRecovery starts an assisted recovery of the named account; actor
// is the administrator, reason why (recorded in the event log).
func (s *Service) StartRecovery(ctx context.Context, actor, name, reason string) (*core.Recovery, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, core.Errorf(core.KindInvalid, "a reason is required: say who asked, from which address, and what they lost")
	}
	if len(reason) > 1000 {
		return nil, core.Errorf(core.KindInvalid, "the reason is too long (at most 1000 bytes)")
	}
	b := make([]byte, linkSecretBytes)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	secret := base64.RawURLEncoding.EncodeToString(b)
	now := s.now()
	rec := &core.Recovery{Actor: actor, Reason: reason, CancelHash: account.Hash(secret), StartedAt: now, EffectiveAt: now.Add(s.policy.RecoveryWait)}
	var u *core.User
	var to []string
	err := s.store.Update(ctx, func(tx store.Tx) error {
		var err error
		if u, err = tx.UserByName(name); err != nil {
			return err
		}
		if !u.EmailVerified {
			return core.Errorf(core.KindForbidden, "account %s has no verified email address: assisted recovery mails its notices and the reset link only to a verified address (docs/policies/account-recovery.md)", name)
		}
		if open, err := tx.OpenRecovery(u.ID); err == nil {
			return core.Errorf(core.KindConflict, "a recovery of %s is already under way (started %s); it can be completed after %s", name, open.StartedAt.UTC().Format(time.RFC3339), open.EffectiveAt.UTC().Format(time.RFC3339))
		} else if !errors.Is(err, core.ErrNotFound) {
			return err
		}
		if to, err = recentAddresses(tx, u, now); err != nil {
			return err
		}
		r := *rec
		r.UserID = u.ID
		if err := tx.CreateRecovery(&r); err != nil {
			return err
		}
		*rec = r
		return tx.AppendEvent(event.AccountRecoveryStart{
			User: u.Name, Reason: reason, Effective: rec.EffectiveAt, Email: authz.MaskEmail(u.Email), AddressesNotified: len(to),
		}.At(now, actor))
	})
	if errors.Is(err, core.ErrNotFound) {
		return nil, core.Errorf(core.KindNotFound, "there is no user named %q", name)
	}
	if err != nil {
		return nil, err
	}
	s.notifyAddresses(ctx, u, to, mail.KindRecoveryStarted, mail.Notice{When: now, ActionURL: s.notes.URL(PathCancelRecovery) + "?token=" + secret, ExpiresIn: s.policy.RecoveryWait})
	return rec, nil
}

// CompleteRecovery finishes the open recovery of the named account once
// its waiting period is over; before, it is refused with the time left.
func (s *Service) CompleteRecovery(ctx context.Context, actor, name string) (*core.User, error) {
	if err := s.refuseRecoveryLink(ctx, name); err != nil {
		return nil, err
	}
	now := s.now()
	var u *core.User
	var link *emailLink
	var removed, to []string
	err := s.store.Update(ctx, func(tx store.Tx) error {
		var err error
		if u, err = tx.UserByName(name); err != nil {
			return core.Errorf(core.KindNotFound, "there is no user named %q", name)
		}
		rec, err := tx.OpenRecovery(u.ID)
		if errors.Is(err, core.ErrNotFound) {
			return core.Errorf(core.KindNotFound, "no recovery of %s is under way (it was never started, was cancelled, or is already complete); start one with `rampart admin user recover %s --reason ...`", name, name)
		}
		if err != nil {
			return err
		}
		if left := rec.EffectiveAt.Sub(now); left > 0 {
			return core.Errorf(core.KindForbidden, "the waiting period of the recovery of %s is not over: %s left (it ends %s); the policy does not allow shortening it", name, formatLeft(left), rec.EffectiveAt.UTC().Format(time.RFC3339))
		}
		if !u.EmailVerified {
			return core.Errorf(core.KindForbidden, "account %s no longer has a verified email address; the reset link cannot be sent", name)
		}
		if err := tx.EndRecovery(rec.ID, now, core.RecoveryCompleted); err != nil {
			return err
		}
		if to, err = recentAddresses(tx, u, rec.StartedAt); err != nil {
			return err
		}
		if removed, err = secondfactor.RemoveAll(tx, u, now); err != nil {
			return err
		}
		revoked, err := authn.SignOutEverywhere(tx, u, now, true)
		if err != nil {
			return err
		}
		if link, err = newEmailLink(core.PurposePasswordReset, now); err != nil {
			return err
		}
		if err := link.store(tx, u); err != nil {
			return err
		}
		return tx.AppendEvent(event.AccountRecoveryDone{
			User: u.Name, Removed: removed, RevokedTokens: revoked, Email: authz.MaskEmail(u.Email), AddressesNotified: len(to),
		}.At(now, actor))
	})
	if err != nil {
		return nil, err
	}
	// Mailed directly, not from the outbox: an administrator completes a
	// recovery from the console, and the notice must come before the reset
	// link, a secret that is never put in the event log
	// (account/notices.go).
	s.notifyAddresses(ctx, u, to, mail.KindRecoveryCompleted, mail.Notice{When: now})
	s.sendLink(ctx, u, link)
	return u, nil
}

// formatLeft writes a remaining time for people: "6 days 23 hours".
func formatLeft(d time.Duration) string {
	d = d.Round(time.Minute)
	days, hours, mins := d/(24*time.Hour), d%(24*time.Hour)/time.Hour, d%time.Hour/time.Minute
	switch {
	case days > 0:
		return fmt.Sprintf("%d days %d hours", days, hours)
	case hours > 0:
		return fmt.Sprintf("%d hours %d minutes", hours, mins)
	default:
		return fmt.Sprintf("%d minutes", max(mins, 1))
	}
}

// CheckRecoveryCancel tells whether a cancel link is live, without using it.
func (s *Service) CheckRecoveryCancel(ctx context.Context, secret string, addr netip.Addr) error {
	_, err := s.lookupRecovery(ctx, secret, addr)
	return err
}

func (s *Service) lookupRecovery(ctx context.Context, secret string, addr netip.Addr) (*core.Recovery, error) {
	prev, err := s.limiter.Reserve(ctx, linkKeys(addr), "attempts with emailed links")
	if err != nil {
		return nil, err
	}
	b, err := base64.RawURLEncoding.DecodeString(secret)
	if err != nil || len(b) != linkSecretBytes {
		return nil, core.Errorf(core.KindInvalid, "this link is not valid; copy the whole link from the mail")
	}
	var rec *core.Recovery
	err = s.store.View(ctx, func(tx store.Tx) error {
		var err error
		rec, err = tx.RecoveryByCancel(account.Hash(secret))
		return err
	})
	if errors.Is(err, core.ErrNotFound) {
		return nil, core.Errorf(core.KindInvalid, "this link is not valid; copy the whole link from the mail")
	}
	if err != nil {
		return nil, err
	}
	if err := s.store.Update(ctx, func(tx store.Tx) error { return throttle.Restore(tx, prev) }); err != nil {
		return nil, err
	}
	if !rec.EndedAt.IsZero() {
		return nil, core.Errorf(core.KindInvalid, "this recovery already ended (%s on %s)", rec.Outcome, rec.EndedAt.UTC().Format(time.RFC3339))
	}
	return rec, nil
}

// CancelRecovery follows the link in a recovery notice: the recovery ends
// and the user is told.
func (s *Service) CancelRecovery(ctx context.Context, secret string, addr netip.Addr) (*core.User, error) {
	rec, err := s.lookupRecovery(ctx, secret, addr)
	if err != nil {
		return nil, err
	}
	now := s.now()
	var u *core.User
	err = s.store.Update(ctx, func(tx store.Tx) error {
		var err error
		if u, err = tx.UserByID(rec.UserID); err != nil {
			return err
		}
		return endRecovery(tx, rec, u, now, "link", addr, "")
	})
	if errors.Is(err, core.ErrConflict) {
		return nil, core.Errorf(core.KindInvalid, "this recovery already ended")
	}
	if err != nil {
		return nil, err
	}
	s.notes.Wake() // the outbox tells the addresses (NoticeAddresses checks them)
	return u, nil
}

// endRecovery cancels rec in tx and records how, from addr (and with
// userAgent, for a sign-in). Its event names the addresses the outbox
// tells: those told of the start, and any the account had since
// (recentAddresses).
func endRecovery(tx interface {
	store.Recoveries
	store.EmailHistory
	store.Events
}, rec *core.Recovery, u *core.User, now time.Time, how string, addr netip.Addr, userAgent string) error {
	if err := tx.EndRecovery(rec.ID, now, core.RecoveryCancelled); err != nil {
		return err
	}
	to, err := recentAddresses(tx, u, rec.StartedAt)
	if err != nil {
		return err
	}
	return tx.AppendEvent(event.AccountRecoveryCancel{
		User: u.Name, By: how, Started: rec.StartedAt, AddressesNotified: len(to),
		IP: addr.Unmap().String(), UserAgent: account.CutUserAgent(userAgent), NoticeTo: to,
	}.At(now, u.Name))
}

// CancelRecoveryAtSignIn is authn's sign-in hook (authn.SignInHook): a
// completed sign-in with the account's current credentials cancels, in
// the sign-in's transaction, an assisted recovery under way, and the
// addresses told of it hear of the cancellation once committed.
func (s *Service) CancelRecoveryAtSignIn(tx store.Tx, u *core.User, now time.Time, addr netip.Addr, userAgent string) (func(context.Context), error) {
	rec, err := tx.OpenRecovery(u.ID)
	if errors.Is(err, core.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if err := endRecovery(tx, rec, u, now, "sign-in", addr, userAgent); err != nil {
		return nil, err
	}
	return func(context.Context) { s.notes.Wake() }, nil
}
