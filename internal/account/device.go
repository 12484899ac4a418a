package account

import (
	"context"
	"crypto/rand"
	"errors"
	"net/netip"
	"strings"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/mail"
	"github.com/rampart/rampart/internal/store"
)

// New-device notices. A browser is known by a long-lived random cookie
// (DeviceCookie); an npm client by its user-agent family and its network
// (/24 for IPv4, /48 for IPv6). The store keeps only hashes of either.
// Every sign-in from a device the user never signed in from before,
// the first one after registration included, mails KindNewDevice and
// writes an event: an account an administrator created, or whose password
// leaked before its owner ever signed in, is then still noticed. The
// network of every completed sign-in is recorded too: password guesses
// from elsewhere never block sign-in from it (throttle.go).
//
// A completed sign-in with the account's current credentials also cancels
// an assisted recovery under way (docs/policies/account-recovery.md).

// DeviceCookieLifetime is how long a browser's device cookie lives: the
// most browsers accept.
const DeviceCookieLifetime = 400 * 24 * time.Hour

type userAgentKey struct{}

// WithUserAgent returns ctx carrying the request's User-Agent, which
// new-device notices for `npm login` use.
func WithUserAgent(ctx context.Context, ua string) context.Context {
	return context.WithValue(ctx, userAgentKey{}, ua)
}

func userAgentOf(ctx context.Context) string {
	ua, _ := ctx.Value(userAgentKey{}).(string)
	return ua
}

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
	s.signedIn(ctx, u, hashString("web:"+device), "web", userAgent, addr)
	return device
}

// noteCLISignIn is NoteWebSignIn for `npm login`.
func (s *Service) noteCLISignIn(ctx context.Context, u *core.User, addr netip.Addr) {
	ua := userAgentOf(ctx)
	s.signedIn(ctx, u, hashString("npm:"+userAgentFamily(ua)+"|"+network(addr)), "npm", ua, addr)
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

// network is the /24 (IPv4) or /48 (IPv6) holding addr.
func network(addr netip.Addr) string {
	addr = addr.Unmap()
	bits := 48
	if addr.Is4() {
		bits = 24
	}
	p, err := addr.Prefix(bits)
	if err != nil {
		return "unknown"
	}
	return p.String()
}

func (s *Service) signedIn(ctx context.Context, u *core.User, keyHash, via, userAgent string, addr netip.Addr) {
	now := s.now()
	var isNew, cancelled bool
	var to []string
	err := s.store.Update(ctx, func(tx store.Tx) error {
		isNew, cancelled = false, false
		var err error
		if isNew, err = tx.TouchDevice(u.ID, keyHash, now); err != nil {
			return err
		}
		if err := rememberNetwork(tx, u, addr, now); err != nil {
			return err
		}
		if isNew {
			if err := tx.AppendEvent(&core.Event{At: now, Type: core.EventNewDevice, Actor: u.Name, Data: jsonData(map[string]any{
				"user": u.Name, "via": via, "ip": addr.Unmap().String(), "user_agent": truncateText(userAgent, 256),
			})}); err != nil {
				return err
			}
		}
		rec, err := tx.OpenRecovery(u.ID)
		if errors.Is(err, core.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		cancelled = true
		to, err = endRecovery(tx, rec, u, now, "sign-in")
		return err
	})
	if err != nil {
		s.log.ErrorContext(ctx, "recording a sign-in failed", "user", u.Name, "err", err)
		return
	}
	if isNew {
		s.notify(ctx, u, mail.KindNewDevice, mail.Notice{When: now, IP: addr.Unmap().String(), UserAgent: userAgent})
	}
	if cancelled {
		s.notifyAddresses(ctx, u, to, mail.KindRecoveryCancelled, mail.Notice{When: now, IP: addr.Unmap().String(), UserAgent: userAgent})
	}
}

func truncateText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
