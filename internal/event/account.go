package event

import (
	"time"

	"github.com/rampart/rampart/internal/core"
)

// The account events: At takes the time and the actor (a user name, or
// "" for the system); they name no package.

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
}

// PasswordChange: the signed-in user changed the password (EventPasswordChange).
type PasswordChange struct {
	User           string   `event:"user"`
	WasCompromised bool     `event:"was_compromised"`
	RevokedTokens  []string `event:"revoked_tokens"`
}

// PasswordCompromised: a sign-in found the password breached (EventPasswordCompromised).
type PasswordCompromised struct {
	User   string `event:"user"`
	Source string `event:"source"` // which check found it
}

// EmailChangeSent: a link was mailed to a new address (EventEmailChangeSent).
type EmailChangeSent struct {
	User    string    `event:"user"`
	Email   string    `event:"email,personal"` // the new address, masked
	Expires time.Time `event:"expires"`
	IP      string    `event:"ip,personal"` // who asked
}

// EmailChanged: the new address replaced the old (EventEmailChanged).
type EmailChanged struct {
	User string `event:"user"`
	Old  string `event:"old,personal"` // masked
	New  string `event:"new,personal"` // masked
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
	User   string `event:"user"`
	Method string `event:"method"`        // "totp", or the key kind
	Name   string `event:"name,personal"` // the key's name; "" for TOTP
}

// MFARemove: a second factor was turned off (EventMFARemove).
type MFARemove struct {
	User   string `event:"user"`
	Method string `event:"method"`
	Name   string `event:"name,personal"`
}

// RecoveryCodeUsed: a recovery code stood in for the second factor (EventRecoveryCodeUsed).
type RecoveryCodeUsed struct {
	User string `event:"user"`
	Left int    `event:"left"` // codes left
}

// RecoveryCodesRegenerated: a new set of recovery codes replaced the old (EventRecoveryCodesRegenerated).
type RecoveryCodesRegenerated struct {
	User  string `event:"user"`
	Count int    `event:"count"`
}

// MFAFailures: wrong second-factor codes reached the threshold (EventMFAFailures).
type MFAFailures struct {
	User     string `event:"user"`
	Failures int    `event:"failures"`
	IP       string `event:"ip,personal"`
}

// KeyCloneWarning: a key's signature counter went backwards: sign-in refused (EventKeyCloneWarning).
type KeyCloneWarning struct {
	User    string `event:"user"`
	Warning string `event:"warning"`
	Name    string `event:"name,personal"` // the key's name
}

// NewDevice: a sign-in from a device not seen before (EventNewDevice).
type NewDevice struct {
	User      string `event:"user"`
	Via       string `event:"via"` // how: web, npm, ...
	IP        string `event:"ip,personal"`
	UserAgent string `event:"user_agent,personal"` // cut to 256 bytes
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
	register(AccountCreate{}, 1)
	register(AccountDisable{}, 1)
	register(TokenCreate{}, 1)
	register(TokenRevoke{}, 1)
	register(SessionRevoke{}, 1)
	register(EmailVerifySent{}, 1)
	register(EmailVerified{}, 1)
	register(PasswordResetSent{}, 1)
	register(PasswordReset{}, 1)
	register(PasswordChange{}, 1)
	register(PasswordCompromised{}, 1)
	register(EmailChangeSent{}, 1)
	register(EmailChanged{}, 1)
	register(EmailChangeCancel{}, 1)
	register(EmailDomainAbandoned{}, 1)
	register(EmailDomainRefused{}, 1)
	register(MFAAdd{}, 1)
	register(MFARemove{}, 1)
	register(RecoveryCodeUsed{}, 1)
	register(RecoveryCodesRegenerated{}, 1)
	register(MFAFailures{}, 1)
	register(KeyCloneWarning{}, 1)
	register(NewDevice{}, 1)
	register(AccountRecoveryStart{}, 1)
	register(AccountRecoveryCancel{}, 1)
	register(AccountRecoveryDone{}, 1)
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
