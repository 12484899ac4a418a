package event

import (
	"time"

	"github.com/rampart/rampart/internal/core"
)

// The account events: At takes the time and the actor (a user name, or
// "" for the system); they name no package.
//
// Schema 2 of the types whose change the account is told of by mail adds
// the facts of that notice, which internal/account renders and
// internal/notifier mails from the outbox: whom to tell (NoticeTo, the
// verified addresses as they were at the change) and what may change
// later (the address, the client). A schema-1 event was mailed from
// memory when it was written, and warrants no mail now. No field ever
// holds a secret (a link's token, a code): the log keeps events forever.

// AccountCreate: an account was created (sign-up, or an admin from the console) (EventAccountCreate).
type AccountCreate struct {
	User  string `event:"user"`
	Admin bool   `event:"admin"`
}

// AccountDisable: an admin disabled an account (EventAccountDisable).
type AccountDisable struct {
	User string `event:"user"`
}

// TokenCreate: an API or session token was created (EventTokenCreate).
type TokenCreate struct {
	Key      string    `event:"key"`            // its public id, as `npm token list` shows
	Kind     string    `event:"kind"`           // core.TokenKind
	Name     string    `event:"name,personal"`  // the user's label for it, often naming a machine
	Actions  []string  `event:"actions"`        // core.TokenAction values
	Packages []string  `event:"packages"`       // package names or "@scope/*"; nil for all
	CIDRs    []string  `event:"cidrs,personal"` // the networks it may be used from
	Expires  time.Time `event:"expires"`
	NoticeTo []string  `event:"notice_to,personal"` // schema 2: the verified address(es) its notice goes to, as they were; none: no notice
}

// TokenRevoke: a token was revoked (EventTokenRevoke).
type TokenRevoke struct {
	Key    string `event:"key"`
	Reason string `event:"reason"` // "user" or "logout"
}

// SessionRevoke: browsers were signed out: one (Session), or all but the current one (All) (EventSessionRevoke).
type SessionRevoke struct {
	Session       string   `event:"session,personal"` // the handle of the one browser signed out
	Own           bool     `event:"own"`              // it was the acting browser itself
	All           bool     `event:"all"`
	RevokedTokens []string `event:"revoked_tokens"` // keys of the tokens revoked with them
}

// EmailVerifySent: a verification link was mailed (EventEmailVerifySent).
type EmailVerifySent struct {
	User    string    `event:"user"`
	Email   string    `event:"email,personal"` // masked (authz.MaskEmail)
	Expires time.Time `event:"expires"`
}

// EmailVerified: a verification link was followed (EventEmailVerified).
type EmailVerified struct {
	User  string `event:"user"`
	Email string `event:"email,personal"` // masked
}

// PasswordResetSent: a reset link was mailed (EventPasswordResetSent).
type PasswordResetSent struct {
	User    string    `event:"user"`
	Email   string    `event:"email,personal"` // masked
	Expires time.Time `event:"expires"`
}

// PasswordReset: a reset link set a new password (EventPasswordReset).
type PasswordReset struct {
	User          string   `event:"user"`
	RevokedTokens []string `event:"revoked_tokens"`
	IP            string   `event:"ip,personal"`        // schema 2: whence
	NoticeTo      []string `event:"notice_to,personal"` // schema 2: the verified address(es) its notice goes to, as they were; none: no notice
}

// PasswordChange: the signed-in user changed the password (EventPasswordChange).
type PasswordChange struct {
	User           string   `event:"user"`
	WasCompromised bool     `event:"was_compromised"`
	RevokedTokens  []string `event:"revoked_tokens"`
	IP             string   `event:"ip,personal"`        // schema 2: whence
	NoticeTo       []string `event:"notice_to,personal"` // schema 2: the verified address(es) its notice goes to, as they were; none: no notice
}

// PasswordCompromised: a sign-in found the password breached (EventPasswordCompromised).
type PasswordCompromised struct {
	User     string   `event:"user"`
	Source   string   `event:"source"`             // which check found it
	IP       string   `event:"ip,personal"`        // schema 2: whence
	NoticeTo []string `event:"notice_to,personal"` // schema 2: the verified address(es) its notice goes to, as they were; none: no notice
}

// EmailChangeSent: a link was mailed to a new address (EventEmailChangeSent).
type EmailChangeSent struct {
	User       string    `event:"user"`
	Email      string    `event:"email,personal"` // the new address, masked
	Expires    time.Time `event:"expires"`
	IP         string    `event:"ip,personal"`          // who asked
	NewAddress string    `event:"new_address,personal"` // schema 2: the new address, whole, for the notice to the current one
	UserAgent  string    `event:"user_agent,personal"`  // schema 2: with what client, cut to 256 bytes
	NoticeTo   []string  `event:"notice_to,personal"`   // schema 2: the verified address(es) its notice goes to, as they were; none: no notice
}

// EmailChanged: the new address replaced the old (EventEmailChanged).
type EmailChanged struct {
	User       string   `event:"user"`
	Old        string   `event:"old,personal"`         // masked
	New        string   `event:"new,personal"`         // masked
	OldAddress string   `event:"old_address,personal"` // schema 2: whole, for the notice
	NewAddress string   `event:"new_address,personal"` // schema 2: whole
	IP         string   `event:"ip,personal"`          // schema 2: whence
	NoticeTo   []string `event:"notice_to,personal"`   // schema 2: the verified address(es) its notice goes to, as they were; none: no notice
}

// EmailChangeCancel: a pending change of address was cancelled (EventEmailChangeCancel).
type EmailChangeCancel struct {
	User  string `event:"user"`
	Email string `event:"email,personal"` // the address that was pending, masked
}

// EmailDomainAbandoned: the address's domain was found abandoned: un-verified (EventEmailDomainAbandoned).
type EmailDomainAbandoned struct {
	User    string   `event:"user"`
	Email   string   `event:"email,personal"` // masked
	Domain  string   `event:"domain,personal"`
	Reasons []string `event:"reasons,personal"` // they name the domain
}

// EmailDomainRefused: a reset link or a notice was refused: the domain is abandoned (EventEmailDomainRefused).
type EmailDomainRefused struct {
	User    string   `event:"user"`
	Email   string   `event:"email,personal"` // masked
	Domain  string   `event:"domain,personal"`
	Reasons []string `event:"reasons,personal"`
	Flow    string   `event:"flow"`   // "password_reset" or "notice"
	Notice  string   `event:"notice"` // the mail kind, for Flow "notice"
}

// MFAAdd: a second factor was turned on (EventMFAAdd).
type MFAAdd struct {
	User     string   `event:"user"`
	Method   string   `event:"method"`             // "totp", or the key kind
	Name     string   `event:"name,personal"`      // the key's name; "" for TOTP
	IP       string   `event:"ip,personal"`        // schema 2: whence
	NoticeTo []string `event:"notice_to,personal"` // schema 2: the verified address(es) its notice goes to, as they were; none: no notice
}

// MFARemove: a second factor was turned off (EventMFARemove).
type MFARemove struct {
	User     string   `event:"user"`
	Method   string   `event:"method"`
	Name     string   `event:"name,personal"`
	IP       string   `event:"ip,personal"`        // schema 2: whence
	NoticeTo []string `event:"notice_to,personal"` // schema 2: the verified address(es) its notice goes to, as they were; none: no notice
}

// RecoveryCodeUsed: a recovery code stood in for the second factor (EventRecoveryCodeUsed).
type RecoveryCodeUsed struct {
	User     string   `event:"user"`
	Left     int      `event:"left"`               // codes left
	IP       string   `event:"ip,personal"`        // schema 2: whence
	NoticeTo []string `event:"notice_to,personal"` // schema 2: the verified address(es) its notice goes to, as they were; none: no notice
}

// RecoveryCodesRegenerated: a new set of recovery codes replaced the old (EventRecoveryCodesRegenerated).
type RecoveryCodesRegenerated struct {
	User     string   `event:"user"`
	Count    int      `event:"count"`
	IP       string   `event:"ip,personal"`        // schema 2: whence
	NoticeTo []string `event:"notice_to,personal"` // schema 2: the verified address(es) its notice goes to, as they were; none: no notice
}

// MFAFailures: wrong second-factor codes reached the threshold (EventMFAFailures).
type MFAFailures struct {
	User      string   `event:"user"`
	Failures  int      `event:"failures"`
	IP        string   `event:"ip,personal"`
	UserAgent string   `event:"user_agent,personal"` // schema 2: with what client, cut to 256 bytes
	NoticeTo  []string `event:"notice_to,personal"`  // schema 2: the verified address(es) its notice goes to, as they were; none: no notice
}

// KeyCloneWarning: a key's signature counter went backwards: sign-in refused (EventKeyCloneWarning).
type KeyCloneWarning struct {
	User    string `event:"user"`
	Warning string `event:"warning"`
	Name    string `event:"name,personal"` // the key's name
}

// NewDevice: a sign-in from a device not seen before (EventNewDevice).
type NewDevice struct {
	User      string   `event:"user"`
	Via       string   `event:"via"` // how: web, npm, ...
	IP        string   `event:"ip,personal"`
	UserAgent string   `event:"user_agent,personal"` // cut to 256 bytes
	NoticeTo  []string `event:"notice_to,personal"`  // schema 2: the verified address(es) its notice goes to, as they were; none: no notice
}

// AccountRecoveryStart: an admin started an assisted recovery (EventAccountRecoveryStart).
type AccountRecoveryStart struct {
	User              string    `event:"user"`
	Reason            string    `event:"reason,personal"` // the admin's words about the user
	Effective         time.Time `event:"effective"`
	Email             string    `event:"email,personal"` // masked
	AddressesNotified int       `event:"addresses_notified"`
}

// AccountRecoveryCancel: the user cancelled an assisted recovery (EventAccountRecoveryCancel).
type AccountRecoveryCancel struct {
	User              string    `event:"user"`
	By                string    `event:"by"` // link or sign-in
	Started           time.Time `event:"started"`
	AddressesNotified int       `event:"addresses_notified"`
	IP                string    `event:"ip,personal"`         // schema 2: whence
	UserAgent         string    `event:"user_agent,personal"` // schema 2: with what client, for a sign-in
	NoticeTo          []string  `event:"notice_to,personal"`  // schema 2: the addresses told of the start, and any since
}

// AccountRecoveryDone: an assisted recovery completed (EventAccountRecoveryDone).
type AccountRecoveryDone struct {
	User              string   `event:"user"`
	Removed           []string `event:"removed,personal"` // the factors removed, keys by name
	RevokedTokens     []string `event:"revoked_tokens"`
	Email             string   `event:"email,personal"` // masked
	AddressesNotified int      `event:"addresses_notified"`
}

func init() {
	register(AccountCreate{}, 1).by(Users)
	register(AccountDisable{}, 1).by(Staff)
	register(TokenCreate{}, 2).by(Users)
	registerOlder(TokenCreate{}, 1, "key", "kind", "name", "actions", "packages", "cidrs", "expires")
	register(TokenRevoke{}, 1).by(Users)
	register(SessionRevoke{}, 1).by(Users)
	register(EmailVerifySent{}, 1).by(Users)
	register(EmailVerified{}, 1).by(Users)
	register(PasswordResetSent{}, 1).by(Users)
	register(PasswordReset{}, 2).by(Users)
	registerOlder(PasswordReset{}, 1, "user", "revoked_tokens")
	register(PasswordChange{}, 2).by(Users)
	registerOlder(PasswordChange{}, 1, "user", "was_compromised", "revoked_tokens")
	register(PasswordCompromised{}, 2).by(Users)
	registerOlder(PasswordCompromised{}, 1, "user", "source")
	register(EmailChangeSent{}, 2).by(Users)
	registerOlder(EmailChangeSent{}, 1, "user", "email", "expires", "ip")
	register(EmailChanged{}, 2).by(Users)
	registerOlder(EmailChanged{}, 1, "user", "old", "new")
	register(EmailChangeCancel{}, 1).by(Users)
	register(EmailDomainAbandoned{}, 1).by(Users)
	register(EmailDomainRefused{}, 1).by(Users)
	register(MFAAdd{}, 2).by(Users)
	registerOlder(MFAAdd{}, 1, "user", "method", "name")
	register(MFARemove{}, 2).by(Users)
	registerOlder(MFARemove{}, 1, "user", "method", "name")
	register(RecoveryCodeUsed{}, 2).by(Users)
	registerOlder(RecoveryCodeUsed{}, 1, "user", "left")
	register(RecoveryCodesRegenerated{}, 2).by(Users)
	registerOlder(RecoveryCodesRegenerated{}, 1, "user", "count")
	register(MFAFailures{}, 2).by(Users)
	registerOlder(MFAFailures{}, 1, "user", "failures", "ip")
	register(KeyCloneWarning{}, 1).by(Users)
	register(NewDevice{}, 2).by(Users)
	registerOlder(NewDevice{}, 1, "user", "via", "ip", "user_agent")
	register(AccountRecoveryStart{}, 1).by(Staff)
	register(AccountRecoveryCancel{}, 2).by(Users)
	registerOlder(AccountRecoveryCancel{}, 1, "user", "by", "started", "addresses_notified")
	register(AccountRecoveryDone{}, 1).by(Users)
}

func (AccountCreate) Type() string            { return core.EventAccountCreate }
func (AccountDisable) Type() string           { return core.EventAccountDisable }
func (TokenCreate) Type() string              { return core.EventTokenCreate }
func (TokenRevoke) Type() string              { return core.EventTokenRevoke }
func (SessionRevoke) Type() string            { return core.EventSessionRevoke }
func (EmailVerifySent) Type() string          { return core.EventEmailVerifySent }
func (EmailVerified) Type() string            { return core.EventEmailVerified }
func (PasswordResetSent) Type() string        { return core.EventPasswordResetSent }
func (PasswordReset) Type() string            { return core.EventPasswordReset }
func (PasswordChange) Type() string           { return core.EventPasswordChange }
func (PasswordCompromised) Type() string      { return core.EventPasswordCompromised }
func (EmailChangeSent) Type() string          { return core.EventEmailChangeSent }
func (EmailChanged) Type() string             { return core.EventEmailChanged }
func (EmailChangeCancel) Type() string        { return core.EventEmailChangeCancel }
func (EmailDomainAbandoned) Type() string     { return core.EventEmailDomainAbandoned }
func (EmailDomainRefused) Type() string       { return core.EventEmailDomainRefused }
func (MFAAdd) Type() string                   { return core.EventMFAAdd }
func (MFARemove) Type() string                { return core.EventMFARemove }
func (RecoveryCodeUsed) Type() string         { return core.EventRecoveryCodeUsed }
func (RecoveryCodesRegenerated) Type() string { return core.EventRecoveryCodesRegenerated }
func (MFAFailures) Type() string              { return core.EventMFAFailures }
func (KeyCloneWarning) Type() string          { return core.EventKeyCloneWarning }
func (NewDevice) Type() string                { return core.EventNewDevice }
func (AccountRecoveryStart) Type() string     { return core.EventAccountRecoveryStart }
func (AccountRecoveryCancel) Type() string    { return core.EventAccountRecoveryCancel }
func (AccountRecoveryDone) Type() string      { return core.EventAccountRecoveryDone }

// At is the event of p by actor.
func (p AccountCreate) At(at time.Time, actor string) *core.Event {
	return newEvent(p, at, actor, "", "")
}

// At is the event of p by actor.
func (p AccountDisable) At(at time.Time, actor string) *core.Event {
	return newEvent(p, at, actor, "", "")
}

// At is the event of p by actor.
func (p TokenCreate) At(at time.Time, actor string) *core.Event {
	return newEvent(p, at, actor, "", "")
}

// At is the event of p by actor.
func (p TokenRevoke) At(at time.Time, actor string) *core.Event {
	return newEvent(p, at, actor, "", "")
}

// At is the event of p by actor.
func (p SessionRevoke) At(at time.Time, actor string) *core.Event {
	return newEvent(p, at, actor, "", "")
}

// At is the event of p by actor.
func (p EmailVerifySent) At(at time.Time, actor string) *core.Event {
	return newEvent(p, at, actor, "", "")
}

// At is the event of p by actor.
func (p EmailVerified) At(at time.Time, actor string) *core.Event {
	return newEvent(p, at, actor, "", "")
}

// At is the event of p by actor.
func (p PasswordResetSent) At(at time.Time, actor string) *core.Event {
	return newEvent(p, at, actor, "", "")
}

// At is the event of p by actor.
func (p PasswordReset) At(at time.Time, actor string) *core.Event {
	return newEvent(p, at, actor, "", "")
}

// At is the event of p by actor.
func (p PasswordChange) At(at time.Time, actor string) *core.Event {
	return newEvent(p, at, actor, "", "")
}

// At is the event of p by actor.
func (p PasswordCompromised) At(at time.Time, actor string) *core.Event {
	return newEvent(p, at, actor, "", "")
}

// At is the event of p by actor.
func (p EmailChangeSent) At(at time.Time, actor string) *core.Event {
	return newEvent(p, at, actor, "", "")
}

// At is the event of p by actor.
func (p EmailChanged) At(at time.Time, actor string) *core.Event {
	return newEvent(p, at, actor, "", "")
}

// At is the event of p by actor.
func (p EmailChangeCancel) At(at time.Time, actor string) *core.Event {
	return newEvent(p, at, actor, "", "")
}

// At is the event of p by actor.
func (p EmailDomainAbandoned) At(at time.Time, actor string) *core.Event {
	return newEvent(p, at, actor, "", "")
}

// At is the event of p by actor.
func (p EmailDomainRefused) At(at time.Time, actor string) *core.Event {
	return newEvent(p, at, actor, "", "")
}

// At is the event of p by actor.
func (p MFAAdd) At(at time.Time, actor string) *core.Event {
	return newEvent(p, at, actor, "", "")
}

// At is the event of p by actor.
func (p MFARemove) At(at time.Time, actor string) *core.Event {
	return newEvent(p, at, actor, "", "")
}

// At is the event of p by actor.
func (p RecoveryCodeUsed) At(at time.Time, actor string) *core.Event {
	return newEvent(p, at, actor, "", "")
}

// At is the event of p by actor.
func (p RecoveryCodesRegenerated) At(at time.Time, actor string) *core.Event {
	return newEvent(p, at, actor, "", "")
}

// At is the event of p by actor.
func (p MFAFailures) At(at time.Time, actor string) *core.Event {
	return newEvent(p, at, actor, "", "")
}

// At is the event of p by actor.
func (p KeyCloneWarning) At(at time.Time, actor string) *core.Event {
	return newEvent(p, at, actor, "", "")
}

// At is the event of p by actor.
func (p NewDevice) At(at time.Time, actor string) *core.Event {
	return newEvent(p, at, actor, "", "")
}

// At is the event of p by actor.
func (p AccountRecoveryStart) At(at time.Time, actor string) *core.Event {
	return newEvent(p, at, actor, "", "")
}

// At is the event of p by actor.
func (p AccountRecoveryCancel) At(at time.Time, actor string) *core.Event {
	return newEvent(p, at, actor, "", "")
}

// At is the event of p by actor.
func (p AccountRecoveryDone) At(at time.Time, actor string) *core.Event {
	return newEvent(p, at, actor, "", "")
}
