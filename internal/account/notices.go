package account

import (
	"context"
	"strings"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/mail"
	"github.com/rampart/rampart/internal/notifier"
	"github.com/rampart/rampart/internal/store"
)

// The account security notices (a new device, a password changed, reset
// or found breached, a change of address asked for and done, a second
// factor or key added or removed, recovery codes regenerated or used,
// wrong codes, an API token created, an assisted recovery cancelled) are
// mailed from the event outbox:
// the service records, in the event of the change and in the same
// transaction, whom to tell (NoticeTo: the account's verified address as
// it was) and what the mail says that may change later (the address, the
// client), and calls Wake once committed. Render turns the event back
// into the same mail as before; internal/notifier sends it and moves its
// cursor (MetaNoticeCursor), so a crash or a relay that is down delays a
// notice but does not lose it.
//
// They have their own cursor, apart from the package notices': a notice
// that the account was signed into from a new device must not wait
// behind the mail of a critical-package change to hundreds of
// maintainers, and each side renders only its own events.
//
// Mail that carries a secret (verification, reset and recovery-cancel
// links, web one-time codes) never goes through here (Send, after
// commit): the event log is kept forever, copied into backups and read
// by the transparency log, and a link in it would work for whoever reads
// them. The notice of a sign-up attempt with someone's address is sent
// after the fact too (Notify): a refused sign-up records no event. So is
// the notice that an assisted recovery completed: an administrator's
// console command completes it and mails the reset link (a secret)
// right after the notice that explains it; a console command cannot
// wake the server's outbox and must not deliver it beside a live server
// (two deliverers would mail twice), so through the outbox the link
// would arrive first and the notice up to a polling interval later.

// MetaNoticeCursor is the store.Meta key of the account notices' outbox
// cursor (migration 0028 starts it at the newest event of a registry
// that had events already, so that its past is not mailed again).
const MetaNoticeCursor = "notices.accounts"

// The second factors' method values in MFAAdd and MFARemove events, as
// secondfactor records them, and how a notice names the app.
const (
	MethodTOTP        = "totp"
	MethodPasskey     = "passkey"
	MethodSecurityKey = "security-key"
	// TOTPName is how notices name the authenticator app.
	TOTPName = "authenticator app (TOTP)"
)

// NoticeTo is whom an account's notice goes to, for the event of the
// change: u's address if it is verified, else nobody. An unverified
// address may be a stranger's (a typo, or someone else's address given at
// sign-up): a notice would tell them the account exists, when it signs
// in and from where.
func NoticeTo(u *core.User) []string {
	if u == nil || !u.EmailVerified || u.Email == "" {
		return nil
	}
	return []string{u.Email}
}

// NoticeUserAgent is the request's User-Agent (WithUserAgent) as an
// event keeps it for a notice.
func NoticeUserAgent(ctx context.Context) string { return CutUserAgent(UserAgentOf(ctx)) }

// CutUserAgent cuts a User-Agent to what an event keeps of it
// (limits.MaxNoticeUserAgent bytes, still valid UTF-8).
func CutUserAgent(ua string) string {
	if len(ua) > limits.MaxNoticeUserAgent {
		ua = strings.ToValidUTF8(ua[:limits.MaxNoticeUserAgent], "")
	}
	return ua
}

// Outbox returns the notifier that mails the account notices from the
// event outbox of st; Wake then wakes it. The composition root calls it
// once and adds the notifier to the outbox's dispatcher.
func (n *Notifier) Outbox(st store.Store) *notifier.Notifier {
	o := notifier.New(st, n.mailer, MetaNoticeCursor, n.Render, n.log)
	for t := range noticeTypes {
		o.Types(t)
	}
	n.wake = o.Wake
	return o
}

// AddressCheck picks, at delivery, which of addrs (the current and former
// addresses of the account named user, for a notice of kind) may still
// be mailed: identity's check that none was abandoned by its domain
// (identity.Service.NoticeAddresses). It may reach the network.
type AddressCheck func(ctx context.Context, user string, addrs []string, kind string) []string

// SetAddressCheck sets the check the recovery notices' addresses pass at
// delivery; the composition root fills it in, as identity is above this
// package. Unset, every address the event names is mailed.
func (n *Notifier) SetAddressCheck(c AddressCheck) { n.checkAddrs = c }

// SetWake replaces what Wake does. Tests that read mail right after a
// call deliver the outbox there and then.
func (n *Notifier) SetWake(wake func()) { n.wake = wake }

// Wake tells the outbox that a change with a notice has committed. It
// never blocks; without an outbox (Outbox never called) the notice waits
// in the event log for the next one that runs.
func (n *Notifier) Wake() {
	if n.wake != nil {
		n.wake()
	}
}

// Render is the outbox's Render for the account events: the notices an
// event of schema 2 or later names someone for (NoticeTo). It depends
// only on the event, so a retry mails the same.
func (n *Notifier) Render(e *core.Event) ([]notifier.Notice, error) {
	if !noticeTypes[e.Type] || e.Schema < 2 {
		return nil, nil
	}
	p, err := event.Parse(e)
	if err != nil {
		return nil, err
	}
	msg := mail.Notice{Site: n.site, When: e.At, SecurityURL: n.URL(PathAccount)}
	one := func(kind, user string, to []string) []notifier.Notice {
		if len(to) == 0 {
			return nil
		}
		msg.User = user
		return []notifier.Notice{{Kind: kind, To: to, Notice: msg}}
	}
	switch p := p.(type) {
	case event.NewDevice:
		msg.IP, msg.UserAgent = p.IP, p.UserAgent
		return one(mail.KindNewDevice, p.User, p.NoticeTo), nil
	case event.PasswordCompromised:
		msg.IP, msg.SecurityURL = p.IP, n.URL(PathChangePassword)
		return one(mail.KindPasswordBreached, p.User, p.NoticeTo), nil
	case event.PasswordChange:
		msg.IP = p.IP
		return one(mail.KindPasswordChanged, p.User, p.NoticeTo), nil
	case event.PasswordReset:
		msg.IP = p.IP
		return one(mail.KindPasswordChanged, p.User, p.NoticeTo), nil
	case event.EmailChangeSent:
		msg.IP, msg.UserAgent, msg.NewEmail, msg.ExpiresIn = p.IP, p.UserAgent, p.NewAddress, p.Expires.Sub(e.At)
		return one(mail.KindEmailChangeRequested, p.User, p.NoticeTo), nil
	case event.EmailChanged:
		msg.IP, msg.OldEmail, msg.NewEmail = p.IP, p.OldAddress, p.NewAddress
		return one(mail.KindEmailChanged, p.User, p.NoticeTo), nil
	case event.MFAAdd:
		return n.factorNotice(&msg, p.User, p.Method, p.Name, p.IP, true, p.NoticeTo), nil
	case event.MFARemove:
		return n.factorNotice(&msg, p.User, p.Method, p.Name, p.IP, false, p.NoticeTo), nil
	case event.RecoveryCodesRegenerated:
		msg.IP = p.IP
		return one(mail.KindRecoveryCodesRegenerated, p.User, p.NoticeTo), nil
	case event.RecoveryCodeUsed:
		msg.IP, msg.RemainingCodes = p.IP, p.Left
		return one(mail.KindRecoveryCodeUsed, p.User, p.NoticeTo), nil
	case event.MFAFailures:
		msg.IP, msg.UserAgent, msg.FailedCodes = p.IP, p.UserAgent, p.Failures
		return one(mail.KindMFAFailures, p.User, p.NoticeTo), nil
	case event.AccountRecoveryCancel:
		msg.IP, msg.UserAgent = p.IP, p.UserAgent
		return n.checked(one(mail.KindRecoveryCancelled, p.User, p.NoticeTo), p.User), nil
	case event.TokenCreate:
		if p.Kind != string(core.TokenAPI) {
			return nil, nil // session tokens (npm login) are told of as a new device
		}
		scope := append([]string(nil), p.Actions...)
		if len(p.Packages) > 0 {
			scope = append(scope, "packages "+strings.Join(p.Packages, " "))
		}
		msg.TokenName, msg.TokenScope, msg.TokenExpires = p.Name, strings.Join(scope, ", "), p.Expires
		return one(mail.KindTokenCreated, e.Actor, p.NoticeTo), nil
	}
	return nil, nil
}

// checked has the recovery notices' addresses pass the address check at
// delivery: a former address, or the current one, whose domain lapsed
// and was registered again may be a stranger's.
func (n *Notifier) checked(notices []notifier.Notice, user string) []notifier.Notice {
	for i := range notices {
		kind := notices[i].Kind
		notices[i].Check = func(ctx context.Context, to []string) []string {
			if n.checkAddrs == nil {
				return to
			}
			return n.checkAddrs(ctx, user, to, kind)
		}
	}
	return notices
}

// factorNotice is the notice of a second factor turned on or off: the
// app, a security key or a passkey (by its name).
func (n *Notifier) factorNotice(msg *mail.Notice, user, method, name, ip string, added bool, to []string) []notifier.Notice {
	if len(to) == 0 {
		return nil
	}
	msg.User, msg.IP = user, ip
	var kind string
	switch {
	case method == MethodTOTP:
		msg.Method = TOTPName
		kind = pick(added, mail.KindMFAAdded, mail.KindMFARemoved)
	case method == MethodPasskey:
		msg.Credential, msg.Method = name, "security key ("+name+")"
		kind = pick(added, mail.KindPasskeyAdded, mail.KindPasskeyRemoved)
	default:
		msg.Credential, msg.Method = name, "security key ("+name+")"
		kind = pick(added, mail.KindMFAAdded, mail.KindMFARemoved)
	}
	return []notifier.Notice{{Kind: kind, To: to, Notice: *msg}}
}

func pick(first bool, a, b string) string {
	if first {
		return a
	}
	return b
}

// noticeTypes are the account events that may warrant a notice.
var noticeTypes = map[string]bool{
	core.EventNewDevice: true, core.EventPasswordCompromised: true, core.EventPasswordChange: true,
	core.EventPasswordReset: true, core.EventEmailChangeSent: true, core.EventEmailChanged: true,
	core.EventMFAAdd: true, core.EventMFARemove: true, core.EventRecoveryCodesRegenerated: true,
	core.EventRecoveryCodeUsed: true, core.EventMFAFailures: true, core.EventTokenCreate: true,
	core.EventAccountRecoveryCancel: true,
}
