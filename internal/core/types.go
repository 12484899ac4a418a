package core

import (
	"encoding/json"
	"time"
)

// User is a registry account.
type User struct {
	ID            int64
	Name          string
	Email         string
	PasswordHash  string // argon2id, PHC format
	EmailVerified bool
	Admin         bool
	DisabledAt    time.Time // zero while the account is enabled
	CreatedAt     time.Time
	// PasswordCompromised is set when a sign-in found the password in a
	// data breach or on the common-password list. Until the password is
	// changed, the account can do nothing but change it.
	PasswordCompromised bool
	// Moderator is the site role that handles reports and quarantine,
	// beside Admin: it carries no power over accounts (authz/org.go).
	Moderator bool
}

// Disabled reports whether an admin disabled the account.
func (u *User) Disabled() bool { return !u.DisabledAt.IsZero() }

// TokenKind tells how a token came to be.
type TokenKind string

const (
	// TokenSession is what `npm login` / `npm adduser` receive.
	TokenSession TokenKind = "session"
	// TokenAPI is created explicitly (`npm token create`, web UI).
	TokenAPI TokenKind = "api"
)

// Token is an API token as stored: never the token itself, only its hash.
type Token struct {
	ID        int64
	Key       string // public identifier shown by `npm token list`
	UserID    int64
	Hash      string // SHA-256 hex of the token
	Mask      string // "rmp_AbCd": what may be shown after creation
	Name      string
	Kind      TokenKind
	Actions   []TokenAction // what the token may do
	Packages  []string      // package names or "@scope/*"; empty means every package of the user
	CIDRs     []string      // allowed source ranges; empty means anywhere
	CreatedAt time.Time
	ExpiresAt time.Time
	RevokedAt time.Time // zero while valid
	// MFAVerifiedAt is when the session that created the token (or, for
	// a session token, the login) passed a second factor; zero if it did
	// not.
	MFAVerifiedAt time.Time
	// PhishingResistantAt is when that second factor was a security key
	// or passkey (WebAuthn); zero otherwise.
	PhishingResistantAt time.Time
}

// TokenAction is a class of actions a token may be scoped to.
type TokenAction string

const (
	TokenRead    TokenAction = "read"    // read restricted packages
	TokenPublish TokenAction = "publish" // publish new versions and packages
	TokenManage  TokenAction = "manage"  // unpublish, deprecate, dist-tags, owners, access
)

// Package is a package, identified by its ecosystem and name, and its
// state. Versions hang off it.
type Package struct {
	ID int64
	PackageRef
	CreatedAt      time.Time
	ModifiedAt     time.Time
	Rev            int64     // bumped on every change; the "_rev" npm sees
	Access         string    // "public" or "restricted"
	Description    string    // from the latest version, for search
	Keywords       string    // space-separated, for search
	UnpublishedAt  time.Time // set when the whole package was unpublished: the name is tombstoned
	NameReleasedAt time.Time // set when an admin released the tombstoned name
}

// Tombstoned reports whether the name is held after an unpublish.
func (p *Package) Tombstoned() bool {
	return !p.UnpublishedAt.IsZero() && p.NameReleasedAt.IsZero()
}

// Version is one published name@version. Its row is kept forever, even
// after unpublish, so that the pair can never be used again.
type Version struct {
	PackageID     int64
	Version       string
	Manifest      json.RawMessage // package.json as published, with dist rewritten
	Integrity     string          // sha512-<base64>
	Shasum        string          // sha1 hex
	Digest        string          // sha512 hex: the blob key
	Size          int64
	FileCount     int
	UnpackedSize  int64
	PublisherID   int64
	PublishedAt   time.Time
	Deprecated    string
	UnpublishedAt time.Time
	// Held keeps a version from being served before it is released:
	// StatePending or StateQuarantined, "" for none. The rest of its
	// state follows from UnpublishedAt and Deprecated (State).
	Held         VersionState
	Dependencies []string // names this version depends on (all dependency kinds but dev)
	// Provenance is the sha512 hex digest (the blob key) of the
	// provenance bundle the publish carried, "" if none.
	Provenance string
	// Signatures are the registry's signatures of the version (npm's
	// dist.signatures). The Packages role does not read them: the
	// documents builder fills them in from store.Signing to render.
	Signatures []Signature
	// ProvenancePredicate is the predicate type of the provenance the
	// bundle proved when the publish verified it (internal/provenance),
	// "" if none was verified: only a verified bundle is served.
	ProvenancePredicate string
}

// Document is a precomputed packument, in both npm forms, raw and gzipped.
type Document struct {
	Name       string
	ETag       string
	Restricted bool // only maintainers and read-scoped tokens may see it
	Full       []byte
	FullGz     []byte
	Abbrev     []byte
	AbbrevGz   []byte
	// Stale is set on a document read from the store that a change has
	// made out of date: it carries no ETag and no bodies, and must be
	// built (from the package's VersionDocs) before it is served. Gen is
	// the document's generation, which every change increments.
	Stale bool
	Gen   int64
}

// VersionDoc is one version's part of a package's document, rendered
// once (at publish, or when what it shows changes) so that a document is
// assembled by concatenation rather than by re-encoding every version.
type VersionDoc struct {
	Version string
	// Stamp identifies what the fragments were rendered from besides the
	// immutable manifest (deprecation, publisher, public URL): a stamp
	// that differs from the current one means render again.
	Stamp  string
	Full   []byte // the version's object in the full document
	Abbrev []byte // the version's object in the abbreviated document
	// FullLen is len(Full), also set when the bodies were not read.
	FullLen int64
	// Bytes is what the version adds to the full document's length
	// (ecosystem.Format.VersionBytes); -1 for a fragment stored before
	// it was kept, which is rendered again.
	Bytes int64
}

// DocSize is what a package's stored fragments sum to, kept by the store
// in the transaction of every version and fragment write, so that a
// change checks the limits on the document's growth without reading
// every version (store.DocumentState).
type DocSize struct {
	// Live counts the versions anyone may be served (state live or
	// deprecated).
	Live int
	// Counted counts those of them with a fragment whose Bytes is known;
	// Bytes is the sum of those fragments' Bytes. The sum stands for the
	// whole document only when Counted == Live.
	Counted int
	Bytes   int64
}

// Event is one security-relevant state change, written in the same
// transaction as the change (the outbox the transparency log reads).
type Event struct {
	Seq     int64
	At      time.Time
	Type    string
	Actor   string // user name, or "" for the system
	Package string
	Version string
	Data    json.RawMessage
	// Schema is the version of Data's shape for this Type
	// (internal/event); 0 is the legacy untyped map written before typed
	// events, whose Data may hold personal data too.
	Schema int
	// Personal is the part of the payload that names or locates a person
	// (addresses, user agents, ...): kept apart from Data so that a
	// public log can leave it out and it can be erased. Nil if none.
	Personal json.RawMessage
}

// Event types.
const (
	EventAccountCreate  = "account.create"
	EventAccountDisable = "account.disable"
	EventPublish        = "package.publish"
	EventUnpublish      = "package.unpublish"     // one version
	EventUnpublishAll   = "package.unpublish_all" // the whole package; name tombstoned
	EventNameRelease    = "package.name_release"  // an admin released a tombstoned name
	EventDeprecate      = "package.deprecate"
	EventDistTagSet     = "package.dist_tag_set"
	EventDistTagRemove  = "package.dist_tag_remove"
	EventOwnerAdd       = "package.owner_add"
	EventOwnerRemove    = "package.owner_remove"
	EventAccessChange   = "package.access"
	EventCriticalChange = "package.critical" // the set of critical packages changed
	EventTokenCreate    = "token.create"
	EventTokenRevoke    = "token.revoke"
	EventSessionRevoke  = "account.session_revoke"

	EventEmailVerifySent     = "account.email_verify_sent"    // a verification link was mailed
	EventEmailVerified       = "account.email_verified"       // the link was followed
	EventPasswordResetSent   = "account.password_reset_sent"  // a reset link was mailed
	EventPasswordReset       = "account.password_reset"       // a reset link set a new password
	EventPasswordChange      = "account.password_change"      // the signed-in user changed it
	EventPasswordCompromised = "account.password_compromised" // a sign-in found it breached

	EventEmailChangeSent      = "account.email_change_sent"      // a link was mailed to a new address
	EventEmailChanged         = "account.email_changed"          // the link was followed: the new address replaced the old
	EventEmailDomainAbandoned = "account.email_domain_abandoned" // the address's domain was found abandoned: un-verified
	EventEmailDomainRefused   = "account.email_domain_refused"   // recovery through an abandoned domain was refused

	EventMFAAdd                   = "account.mfa_add"                    // a second factor was turned on
	EventMFARemove                = "account.mfa_remove"                 // a second factor was turned off
	EventRecoveryCodeUsed         = "account.recovery_code_used"         // a recovery code stood in for the second factor
	EventRecoveryCodesRegenerated = "account.recovery_codes_regenerated" // a new set replaced the old codes
	EventMFAFailures              = "account.mfa_failures"               // wrong second-factor codes reached the threshold: the user was mailed

	EventKeyCloneWarning       = "account.key_clone_warning" // a key's signature counter went backwards: sign-in refused
	EventNewDevice             = "account.new_device"        // a sign-in from a device not seen before
	EventAccountRecoveryStart  = "account.recovery_start"    // an admin started an assisted recovery
	EventAccountRecoveryCancel = "account.recovery_cancel"   // the user cancelled it (link or sign-in)
	EventAccountRecoveryDone   = "account.recovery_complete" // after the wait: factors removed, reset link mailed
)

// EmailTokenPurpose says what an emailed link is for.
type EmailTokenPurpose string

const (
	PurposeVerifyEmail   EmailTokenPurpose = "verify"
	PurposePasswordReset EmailTokenPurpose = "reset"
	// PurposeChangeEmail links are mailed to a new address; following one
	// makes it the account's verified address.
	PurposeChangeEmail EmailTokenPurpose = "change"
)

// EmailToken is a one-time link mailed to a user, stored by the hash of
// its secret only.
type EmailToken struct {
	Hash      string // SHA-256 hex of the secret in the link
	UserID    int64
	Purpose   EmailTokenPurpose
	Email     string // the address the link was sent to
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    time.Time // zero until the link is followed
}

// Throttle is the failure record for one key (an account or an address).
type Throttle struct {
	Key          string
	Failures     int
	LastFailure  time.Time
	BlockedUntil time.Time
}

// WebSession is a signed-in browser.
type WebSession struct {
	IDHash    string // SHA-256 hex of the cookie value
	UserID    int64
	CreatedAt time.Time
	ExpiresAt time.Time
	// MFAVerifiedAt is when this browser last passed a second factor;
	// zero if it never did.
	MFAVerifiedAt time.Time
	// Pending marks a sign-in that passed the password and waits for the
	// second factor. It signs nobody in.
	Pending bool
	// PhishingResistant marks a session whose second factor was a
	// security key or passkey (WebAuthn), not a code.
	PhishingResistant bool
	// SignedInAt is when this browser last proved who it is (a password,
	// or a passkey). A session reissued for the same browser keeps it,
	// so that reissuing never passes for a fresh sign-in. Zero on
	// create means CreatedAt.
	SignedInAt time.Time
}

// WebAuthnCredential is a security key or passkey registered to a user.
type WebAuthnCredential struct {
	ID           int64
	UserID       int64
	CredentialID []byte // the authenticator's; unique
	UserHandle   []byte // the user's WebAuthn ID, the same for all their credentials
	Name         string
	Discoverable bool // a passkey: signs in without a user name
	SignCount    uint32
	Transports   []string
	Data         []byte // JSON credential record of the WebAuthn library
	CreatedAt    time.Time
	LastUsedAt   time.Time
}

// WebAuthnCeremony is a WebAuthn registration or assertion in progress.
type WebAuthnCeremony struct {
	IDHash    string
	UserID    int64 // 0 for a passkey sign-in
	Kind      string
	Data      []byte
	ExpiresAt time.Time
}

// CLILogin is an `npm login` in the web flow: the CLI polls while a
// browser approves.
type CLILogin struct {
	DoneHash          string // SHA-256 hex of the secret in the CLI's done URL
	LoginHash         string // SHA-256 hex of the secret in the browser's login URL
	Addr              string // the CLI's address, shown when approving
	CreatedAt         time.Time
	ExpiresAt         time.Time
	UserID            int64     // who approved; 0 until then
	ApprovedAt        time.Time // zero until approved
	MFAVerifiedAt     time.Time // the approving session's second factor, if any
	PhishingResistant bool
	CollectedAt       time.Time // zero until the CLI took its token
	// ForUserID marks a web OTP (an npm write waiting for a second
	// factor) of that user, who alone may approve it; 0 for `npm login`.
	ForUserID int64
}

// TOTP is a user's authenticator-app (RFC 6238) enrolment.
type TOTP struct {
	UserID      int64
	Secret      string // base32
	CreatedAt   time.Time
	ConfirmedAt time.Time // zero while enrolment waits for the first code
	LastStep    int64     // the last accepted time step: codes up to it are spent
}

// Confirmed reports whether the enrolment is on.
func (t *TOTP) Confirmed() bool { return !t.ConfirmedAt.IsZero() }

// SearchHit is one package in search results.
type SearchHit struct {
	Name        string
	Version     string
	Description string
	Keywords    string
	Date        time.Time
	Publisher   string
	Maintainers []string
}

// Email domain check outcomes (internal/emaildomain), as stored.
const (
	DomainOK        = "ok"
	DomainAbandoned = "abandoned"
	DomainUnknown   = "unknown"
)

// EmailDomainStatus is the last judgement on the domain of a user's
// address: whether it still exists and can receive mail.
type EmailDomainStatus struct {
	UserID    int64
	Email     string // the address whose domain was checked
	Domain    string
	Status    string   // DomainOK, DomainAbandoned or DomainUnknown
	Reasons   []string // for the user, why the status is not OK
	CheckedAt time.Time
}

// CriticalPackage is a package whose management needs a phishing-resistant
// second factor (AUTHN-2c, 3c): among the most downloaded (Computed, by the
// daily job at ComputedAt), or designated by an administrator.
type CriticalPackage struct {
	PackageID  int64
	Name       string
	Designated bool
	Computed   bool
	ComputedAt time.Time
	// ComputedSince is when the package entered the computed set (the
	// start of its grace period); zero if it is not in the set, or was
	// before grace periods existed.
	ComputedSince time.Time
}

// Critical reports whether the package is critical at all.
func (c CriticalPackage) Critical() bool { return c.Designated || c.Computed }

// GraceStart is when the grace period of a critical package began: zero
// (no grace) for a package an administrator designated, a deliberate
// decision that applies at once, and for one computed critical before
// grace periods existed.
func (c CriticalPackage) GraceStart() time.Time {
	if c.Designated || !c.Computed {
		return time.Time{}
	}
	return c.ComputedSince
}

// PackageDownloads is a package's download total over some period.
// DayCount is one day's downloads of a package (Day at 00:00 UTC).
type DayCount struct {
	Day time.Time
	N   int64
}

// PackageDownloads is a package's downloads over a period.
type PackageDownloads struct {
	PackageID int64
	Name      string
	Downloads int64
}

// Recovery is an admin-assisted account recovery
// (docs/policies/account-recovery.md): it takes effect only after a
// mandatory wait, and the user can cancel it until then.
type Recovery struct {
	ID          int64
	UserID      int64
	Actor       string // the administrator who started it
	Reason      string
	CancelHash  string // SHA-256 hex of the secret in the cancel link
	StartedAt   time.Time
	EffectiveAt time.Time // the earliest time it may be completed
	EndedAt     time.Time // zero while open
	Outcome     string    // "" while open, then RecoveryCancelled or RecoveryCompleted
}

// Recovery outcomes.
const (
	RecoveryCancelled = "cancelled"
	RecoveryCompleted = "completed"
)
