package secondfactor

import (
	"context"
	"errors"
	"net/netip"
	"time"

	"github.com/rampart/rampart/internal/account"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/store"
)

// mfaNoticeEvery is how often at most a user is mailed about wrong
// second-factor codes.
const mfaNoticeEvery = time.Hour

// noteSecondFactorResult runs after CheckSecondFactor; *err is its
// result. After a wrong code it tells the user, once the account's run of
// wrong codes (its second-factor counter) reaches FreeFailures, and then
// at most once per mfaNoticeEvery: a code is asked for only after the
// password, so someone may know it. The notice is mailed and recorded as
// an event. Failures here are logged: the verdict stands.
func (s *Service) noteSecondFactorResult(ctx context.Context, u *core.User, addr netip.Addr, err *error) {
	if core.KindOf(*err) != core.KindUnauthenticated {
		return
	}
	now := s.now()
	threshold := max(s.limiter.FreeFailures(), 1)
	noticeKey := "mfa-notice:user:" + u.Name
	var failures int
	uerr := s.store.Update(ctx, func(tx store.Tx) error {
		failures = 0
		th, err := tx.Throttle(mfaKeys(u, addr)[0])
		if errors.Is(err, core.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if th.Failures < threshold {
			return nil
		}
		last, err := tx.Throttle(noticeKey)
		switch {
		case errors.Is(err, core.ErrNotFound):
		case err != nil:
			return err
		case now.Sub(last.LastFailure) < mfaNoticeEvery:
			return nil
		}
		// The notice key's LastFailure is when the user was last told.
		if err := tx.PutThrottle(&core.Throttle{Key: noticeKey, Failures: th.Failures, LastFailure: now}); err != nil {
			return err
		}
		failures = th.Failures
		return tx.AppendEvent(event.MFAFailures{
			User: u.Name, Failures: th.Failures, IP: addr.Unmap().String(),
			UserAgent: account.NoticeUserAgent(ctx), NoticeTo: account.NoticeTo(u),
		}.At(now, u.Name))
	})
	if uerr != nil {
		s.log.ErrorContext(ctx, "recording wrong second-factor codes failed", "user", u.Name, "err", uerr)
		return
	}
	if failures > 0 {
		s.notes.Wake() // the outbox mails the notice
	}
}
