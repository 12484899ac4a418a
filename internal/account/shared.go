// Package account holds the little that the account packages (identity,
// authn, secondfactor) share, so that none of them imports another for
// it: mailing a notice to a user (from the event outbox, notices.go, or
// directly for mail with a secret), the pages notices and messages link
// to, the request's user agent that notices name, the hashes under which
// secrets handed to browsers and mail are stored, and event data.
//
// It is deliberately small: a flow belongs to identity, authn or
// secondfactor, never here.
package account

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/mail"
)

// Pages under the public URL that mail and messages link to. The web UI
// serves them at the same paths.
const (
	PathAccount        = "account"
	PathChangePassword = "account/password"
	// PathMFA is the page for two-factor authentication.
	PathMFA = "account/mfa"
	// PathSecurityKeys is the page for security keys and passkeys.
	PathSecurityKeys = "account/security-keys"
)

// Notifier mails notices and links to users, under the registry's name
// and public URL.
type Notifier struct {
	mailer    mail.Mailer
	log       *slog.Logger
	site      string
	publicURL string
	now       func() time.Time
	wake      func() // wakes the outbox of account notices (notices.go)
	// checkAddrs checks the recovery notices' addresses at delivery (notices.go).
	checkAddrs AddressCheck
}

// NewNotifier checks publicURL (absolute, ending in "/"); site names the
// registry in mail ("" is "Rampart"); log nil is slog.Default().
func NewNotifier(m mail.Mailer, log *slog.Logger, site, publicURL string, now func() time.Time) (*Notifier, error) {
	if m == nil {
		return nil, errors.New("account: a mailer is required")
	}
	if u, err := url.Parse(publicURL); err != nil || u.Host == "" || !strings.HasSuffix(publicURL, "/") {
		return nil, fmt.Errorf("account: public URL %q must be absolute and end in /", publicURL)
	}
	if site == "" {
		site = "Rampart"
	}
	if log == nil {
		log = slog.Default()
	}
	return &Notifier{mailer: m, log: log, site: site, publicURL: publicURL, now: now}, nil
}

// Site names the registry in mail.
func (n *Notifier) Site() string { return n.site }

// PublicURL is the registry's base URL, ending in "/".
func (n *Notifier) PublicURL() string { return n.publicURL }

// URL is the page at path under the public URL.
func (n *Notifier) URL(path string) string { return n.publicURL + path }

// Notify mails a security notice to u's address at once, only if that
// address is verified. It is for the notices that cannot go through the
// outbox (notices.go): one carrying a secret link, or one no event
// records; every other notice is recorded in its event and woken (Wake). An unverified address may be a stranger's (a typo, or someone
// else's address given at sign-up): a notice would tell them the account
// exists, when it signs in and from where. Only the verification link
// itself (Send) goes to an unverified address.
func (n *Notifier) Notify(ctx context.Context, u *core.User, kind string, msg mail.Notice) {
	if !u.EmailVerified {
		n.log.DebugContext(ctx, "notice not mailed: the address is not verified", "kind", kind, "user", u.Name)
		return
	}
	n.Send(ctx, u, kind, msg)
}

// Send mails msg to u's address, verified or not. A failure is logged,
// not returned: the change it tells of is committed.
func (n *Notifier) Send(ctx context.Context, u *core.User, kind string, msg mail.Notice) {
	msg.Site, msg.User = n.site, u.Name
	if msg.SecurityURL == "" { // a notice may point at a more precise page
		msg.SecurityURL = n.URL(PathAccount)
	}
	if msg.When.IsZero() {
		msg.When = n.now()
	}
	if err := mail.SendNotice(ctx, n.mailer, kind, u.Email, msg); err != nil {
		n.log.ErrorContext(ctx, "sending mail failed", "kind", kind, "user", u.Name, "err", err)
	}
}

type userAgentKey struct{}

// WithUserAgent returns ctx carrying the request's User-Agent, which
// notices (a new device, a change of address, wrong codes) name.
func WithUserAgent(ctx context.Context, ua string) context.Context {
	return context.WithValue(ctx, userAgentKey{}, ua)
}

// UserAgentOf is the User-Agent WithUserAgent put in ctx, or "".
func UserAgentOf(ctx context.Context) string {
	ua, _ := ctx.Value(userAgentKey{}).(string)
	return ua
}

// NewSecret is a random value handed to a browser or a CLI (a session
// cookie, an npm login's secrets, a ceremony's name).
func NewSecret() string { return rand.Text() }

// Hash is how a secret handed out is stored: its SHA-256, in hex. The
// secrets carry at least 128 bits, so an unsalted hash cannot be
// reversed by guessing and can be looked up by index.
func Hash(v string) string {
	h := sha256.Sum256([]byte(v))
	return hex.EncodeToString(h[:])
}

// NeedUser refuses an anonymous principal.
func NeedUser(p authz.Principal) error {
	if p.User == nil {
		return core.Errorf(core.KindUnauthenticated, "sign in first")
	}
	return nil
}
