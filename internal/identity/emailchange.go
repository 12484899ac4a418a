package identity

import (
	"context"
	"errors"
	"time"

	"github.com/rampart/rampart/internal/account"
	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/store"
)

// A change of address is confirmed through a link mailed to the new
// address only. So that the owner of the current one can see and stop a
// change asked for from a stolen session, the current address is told of
// every request (with where it came from), the account page shows the
// pending change with a button to cancel it, and ending every session or
// changing the password voids it (endPending).

// PendingEmailChange is a change of address waiting for its link.
type PendingEmailChange struct {
	NewEmail  string
	ExpiresAt time.Time
}

// PendingEmailChange returns the principal's change of address waiting
// for its link, or nil if there is none.
func (s *Service) PendingEmailChange(ctx context.Context, p authz.Principal) (*PendingEmailChange, error) {
	if p.User == nil {
		return nil, core.Errorf(core.KindUnauthenticated, "sign in to see your account")
	}
	var et *core.EmailToken
	err := s.store.View(ctx, func(tx store.Tx) error {
		var err error
		et, err = tx.LiveEmailToken(p.User.ID, core.PurposeChangeEmail, s.now())
		return err
	})
	if errors.Is(err, core.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &PendingEmailChange{NewEmail: et.Email, ExpiresAt: et.ExpiresAt}, nil
}

// CancelEmailChange voids the principal's pending change of address: the
// link mailed to the new address stops working. Only a browser may, as
// only a browser asks for a change.
func (s *Service) CancelEmailChange(ctx context.Context, p authz.Principal) error {
	if p.User == nil {
		return core.Errorf(core.KindUnauthenticated, "sign in to manage your email address")
	}
	if p.Token != nil {
		return core.Errorf(core.KindForbidden, "cancel a change of address in the browser, at %s", s.notes.URL(account.PathAccount))
	}
	now := s.now()
	return s.store.Update(ctx, func(tx store.Tx) error {
		et, err := tx.LiveEmailToken(p.User.ID, core.PurposeChangeEmail, now)
		if errors.Is(err, core.ErrNotFound) {
			return core.Errorf(core.KindNotFound, "no change of your email address is pending; it may have been confirmed, cancelled or expired already")
		}
		if err != nil {
			return err
		}
		if err := tx.ExpireEmailTokens(p.User.ID, core.PurposeChangeEmail, now); err != nil {
			return err
		}
		return tx.AppendEvent(event.EmailChangeCancel{
			User: p.User.Name, Email: authz.MaskEmail(et.Email),
		}.At(now, p.User.Name))
	})
}
