package authn

import (
	"context"
	"crypto/rand"
	"net/netip"
	"strings"
	"time"

	"github.com/rampart/rampart/internal/account"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/throttle"
)

// New-device notices. A browser is known by a long-lived random cookie
// (DeviceCookie); an npm client by its user-agent family and its network
// (/24 for IPv4, /48 for IPv6). The store keeps only hashes of either.
// Every sign-in from a device the user never signed in from before,
// the first one after registration included, mails KindNewDevice and
// writes an event: an account an administrator created, or whose password
// leaked before its owner ever signed in, is then still noticed. The
// network of every completed sign-in is recorded too: password guesses
// from elsewhere never block sign-in from it (package throttle).
//
// A completed sign-in with the account's current credentials also cancels
// an assisted recovery under way (docs/policies/account-recovery.md).

// DeviceCookieLifetime is how long a browser's device cookie lives: the
// most browsers accept.
const DeviceCookieLifetime = 400 * 24 * time.Hour

// validDevice accepts a device cookie this service could have made.
func validDevice(v string) bool {
	if len(v) != 26 {
		return false
	}
	for _, r := range v {
		if (r < 'A' || r > 'Z') && (r < '2' || r > '7') {
			return false
		}
	}
	return true
}

// NoteWebSignIn is called after a browser completed a sign-in as u. device
// is the browser's device cookie ("" if none); it returns the cookie value
// to set again (a new one when the browser had none). Failures are logged:
// the sign-in itself already happened.
func (s *Service) NoteWebSignIn(ctx context.Context, u *core.User, device, userAgent string, addr netip.Addr) string {
	if !validDevice(device) {
		device = rand.Text()
	}
	s.signedIn(ctx, u, account.Hash("web:"+device), "web", userAgent, addr)
	return device
}

// noteCLISignIn is NoteWebSignIn for `npm login`.
func (s *Service) noteCLISignIn(ctx context.Context, u *core.User, addr netip.Addr) {
	ua := account.UserAgentOf(ctx)
	s.signedIn(ctx, u, account.Hash("npm:"+userAgentFamily(ua)+"|"+throttle.Network(addr)), "npm", ua, addr)
}

// userAgentFamily reduces a User-Agent to what stays the same across
// upgrades: the first product's name and the platform, e.g. "npm linux"
// for "npm/10.8.2 node/v22.5.1 linux x64 workspaces/false".
func userAgentFamily(ua string) string {
	fields := strings.Fields(strings.ToLower(ua))
	if len(fields) == 0 {
		return "unknown"
	}
	fam := fields[0]
	if i := strings.IndexByte(fam, '/'); i >= 0 {
		fam = fam[:i]
	}
	for _, f := range fields[1:] {
		if !strings.ContainsAny(f, "/()") {
			return fam + " " + f
		}
	}
	return fam
}

func (s *Service) signedIn(ctx context.Context, u *core.User, keyHash, via, userAgent string, addr netip.Addr) {
	now := s.now()
	var isNew bool
	var after func(context.Context)
	err := s.store.Update(ctx, func(tx store.Tx) error {
		isNew, after = false, nil
		var err error
		if isNew, err = tx.TouchDevice(u.ID, keyHash, now); err != nil {
			return err
		}
		if err := throttle.RememberNetwork(tx, u, addr, now); err != nil {
			return err
		}
		if isNew {
			if err := tx.AppendEvent(event.NewDevice{
				User: u.Name, Via: via, IP: addr.Unmap().String(), UserAgent: account.CutUserAgent(userAgent), NoticeTo: account.NoticeTo(u),
			}.At(now, u.Name)); err != nil {
				return err
			}
		}
		if s.onSignIn == nil {
			return nil
		}
		after, err = s.onSignIn(tx, u, now, addr, userAgent)
		return err
	})
	if err != nil {
		s.log.ErrorContext(ctx, "recording a sign-in failed", "user", u.Name, "err", err)
		return
	}
	if isNew {
		s.notes.Wake() // the outbox mails the new-device notice
	}
	if after != nil {
		after(ctx)
	}
}
