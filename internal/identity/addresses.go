package identity

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/mail"
	"github.com/rampart/rampart/internal/store"
)

// The addresses an account has had (store.EmailHistory). An address
// enters the history when it becomes the account's verified address:
// an admin creates the account verified (CreateUser), the sign-up link is
// followed (VerifyEmail), or a change of address is confirmed
// (ConfirmEmailChange, which also ends the old address's period). An
// address never verified is never recorded, so no notice goes to an
// address nobody proved to own. The notices of an admin-assisted
// recovery go to every address of the last RecentAddressWindow
// (docs/policies/account-recovery.md): the holder of an address an
// attacker replaced still hears of it.

// RecentAddressWindow is how far back the recovery notices reach: the
// policy's 90 days.
const RecentAddressWindow = 90 * 24 * time.Hour

// recordVerifiedAddress records in tx that u's current address, verified
// at now, is the account's. Verifying the current address again (after its
// domain was found abandoned, say) starts a new period: the start of a
// period is when the address was last proved, and a domain registered
// again after it makes the address abandoned (addressVerifiedAt).
func recordVerifiedAddress(tx store.EmailHistory, u *core.User, now time.Time) error {
	if err := tx.EndEmailPeriod(u.ID, now); err != nil {
		return err
	}
	return tx.StartEmailPeriod(u.ID, u.Email, now)
}

// verificationTimes returns, in tx, when each address u has had since
// since was last verified, by lower-case address.
func verificationTimes(tx store.EmailHistory, u *core.User, since time.Time) (map[string]time.Time, error) {
	periods, err := tx.EmailPeriodsSince(u.ID, since)
	if err != nil {
		return nil, err
	}
	at := map[string]time.Time{}
	for _, p := range periods {
		k := strings.ToLower(p.Email)
		if p.From.After(at[k]) {
			at[k] = p.From
		}
	}
	return at, nil
}

// recentAddresses lists, in tx, where the notices of a recovery of u that
// started at the given time go: its current address first, then every
// other address it had at any time from RecentAddressWindow before the
// start until now, newest first, each once whatever its case. The window
// is counted from the start, so the notices of the cancellation or the
// completion reach at least everyone told of the start.
func recentAddresses(tx store.EmailHistory, u *core.User, started time.Time) ([]string, error) {
	periods, err := tx.EmailPeriodsSince(u.ID, started.Add(-RecentAddressWindow))
	if err != nil {
		return nil, err
	}
	out := []string{u.Email}
	for _, p := range periods {
		if !slices.ContainsFunc(out, func(a string) bool { return strings.EqualFold(a, p.Email) }) {
			out = append(out, p.Email)
		}
	}
	return out, nil
}

// NoticeAddresses is the account notices' address check
// (account.AddressCheck): of addrs, the current and former addresses of
// the account named user that a recovery notice of kind names, those
// that may still be mailed at delivery (dropAbandoned: verified now or
// once, on a domain neither abandoned nor registered again since). An
// account that no longer exists gets none.
func (s *Service) NoticeAddresses(ctx context.Context, user string, addrs []string, kind string) []string {
	var u *core.User
	err := s.store.View(ctx, func(tx store.Tx) error {
		var err error
		u, err = tx.UserByName(user)
		return err
	})
	if err != nil {
		s.log.ErrorContext(ctx, "reading the account for a notice failed; no notice sent", "user", user, "kind", kind, "err", err)
		return nil
	}
	return s.dropAbandoned(ctx, u, addrs, kind)
}

// notifyAddresses mails the same notice about u to each address, one
// mail per address, so that no recipient learns the others (a previous
// address may no longer be the account holder's). An address goes only
// if it is verified (the current one) or was (a former one), and not if
// its domain is abandoned now or was registered again since the address
// was verified: these notices carry a link that cancels a recovery, and
// whoever took over a lapsed domain must not be able to keep cancelling
// the owner's recovery (dropAbandoned).
func (s *Service) notifyAddresses(ctx context.Context, u *core.User, addrs []string, kind string, n mail.Notice) {
	for _, a := range s.dropAbandoned(ctx, u, addrs, kind) {
		to := *u
		to.Email = a
		to.EmailVerified = true
		s.notes.Notify(ctx, &to, kind, n)
	}
}
