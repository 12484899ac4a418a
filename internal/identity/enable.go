package identity

import (
	"context"
	"errors"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/store"
)

// ErrAlreadyDisabled and ErrNotDisabled are the answers to disabling a
// disabled account and enabling an enabled one: nothing changes, no event
// is recorded, and the console says so instead of reporting success.
var (
	ErrAlreadyDisabled = errors.New("already disabled")
	ErrNotDisabled     = errors.New("not disabled")
)

// DisabledAt reports when the account name was disabled (zero: it is not).
func (s *Service) DisabledAt(ctx context.Context, name string) (time.Time, error) {
	var at time.Time
	err := s.store.View(ctx, func(tx store.Tx) error {
		u, err := tx.UserByName(name)
		if err != nil {
			return err
		}
		at = u.DisabledAt
		return nil
	})
	if errors.Is(err, core.ErrNotFound) {
		return at, core.Errorf(core.KindNotFound, "there is no user named %q", name)
	}
	return at, err
}

// EnableUser re-enables a disabled account: it can sign in again. Its
// tokens and sessions stay revoked (disabling ended them), so the user
// signs in afresh. Enabling an account that is not disabled changes
// nothing and returns an error wrapping ErrNotDisabled.
func (s *Service) EnableUser(ctx context.Context, actor string, name string) error {
	now := s.now()
	err := s.store.Update(ctx, func(tx store.Tx) error {
		u, err := tx.UserByName(name)
		if err != nil {
			return err
		}
		if u.DisabledAt.IsZero() {
			return core.Errorf(core.KindConflict, "%s is %w", name, ErrNotDisabled)
		}
		u.DisabledAt = time.Time{}
		if err := tx.UpdateUser(u); err != nil {
			return err
		}
		return tx.AppendEvent(event.AccountEnable{User: name}.At(now, actor))
	})
	if errors.Is(err, core.ErrNotFound) {
		return core.Errorf(core.KindNotFound, "there is no user named %q", name)
	}
	return err
}
