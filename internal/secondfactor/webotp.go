package secondfactor

import (
	"context"
	"errors"

	"github.com/rampart/rampart/internal/account"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
)

// A web OTP is the one-time value an npm write receives after a browser
// approved it (authn: StartWebOTP, PollCLILogin), for an account whose
// only second factors are keys that npm cannot prompt for.

// webOTPLen is the length of a web OTP value (rand.Text), which tells it
// from app codes (6 digits) and recovery codes (11 characters).
const webOTPLen = 26

// spendWebOTP accepts code once if it is an unexpired web OTP value of u
// issued for purpose.
func (s *Service) spendWebOTP(ctx context.Context, u *core.User, code string, purpose core.WebOTPPurpose) (bool, error) {
	if len(code) != webOTPLen {
		return false, nil
	}
	now := s.now()
	err := s.store.Update(ctx, func(tx store.Tx) error { return tx.SpendWebOTP(account.Hash(code), u.ID, purpose, now) })
	if errors.Is(err, core.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}
