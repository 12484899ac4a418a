package identity

import (
	"context"
	"net/netip"
	"time"

	"github.com/rampart/rampart/internal/account"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/mail"
	"github.com/rampart/rampart/internal/throttle"
)

// signupNoticeRate limits the "someone tried to sign up with your
// address" notices to one address's owner: a few at once, then one an
// hour. Sign-ups are limited per source only (throttle.SignupRate), so without it
// anyone with many addresses (an IPv6 /48 holds 65 536 sources) could
// fill a stranger's mailbox by signing up with the stranger's address,
// as the reset mails are limited per address too (throttle.ResetEmailRate). The
// owner already knows someone is trying; the next notices add nothing.
var signupNoticeRate = throttle.Rate{Burst: 3, Every: time.Hour}

// noticeSignupAttempt tells owner that the account named actor signed up
// from addr with owner's verified address, unless owner was told often
// enough lately. The sign-up's answer is the same either way.
func (s *Service) noticeSignupAttempt(ctx context.Context, owner *core.User, actor string, addr netip.Addr) {
	err := s.limiter.ReserveRate(ctx, []throttle.RateKey{{Key: "signup-notice:user:" + owner.Name, Rate: signupNoticeRate}})
	if core.KindOf(err) == core.KindRateLimited {
		s.log.InfoContext(ctx, "sign-up attempt notice not mailed: the owner was told often enough lately", "user", owner.Name, "actor", actor)
		return
	}
	if err != nil {
		s.log.ErrorContext(ctx, "counting sign-up attempt notices failed", "user", owner.Name, "err", err)
		return
	}
	s.notes.Notify(ctx, owner, mail.KindSignupAttempt, mail.Notice{Actor: actor, IP: addr.Unmap().String(), UserAgent: account.UserAgentOf(ctx)})
}
