// Package store defines the metadata store: the small interfaces that the
// domain services use, and their contracts. Every backend (SQLite now,
// PostgreSQL later) passes the one conformance suite in storetest.
//
// Tx is the sum of role interfaces (Users, Tokens, Packages, ...). A
// helper that runs inside a transaction takes only the roles it uses
// (registry's scope check takes Users, not Tx), so its signature says
// what it reads and writes; Update and View hand out the whole Tx.
//
// To add a backend: implement Store, and Tx role by role, each in its
// own file as sqlite does; run each role's conformance cases as it is
// done (accounts.RunUsers, packages.RunPackages, ...: one file per role
// under storetest), and then the whole suite in one line, storetest.Run,
// from the backend's tests. A backend may retry the closure of Update.
//
// Contract common to every method:
//   - A lookup of something absent returns an error wrapping core.ErrNotFound.
//   - An insert that would break a uniqueness rule (a user name, a token
//     hash, a name@version) returns an error wrapping core.ErrConflict and
//     changes nothing.
//   - Times are stored with millisecond precision, in UTC.
package store

import (
	"context"
	"time"

	"github.com/rampart/rampart/internal/core"
)

// Store opens transactions.
//
// Update runs f in a read-write transaction and commits if f returns nil;
// if f returns an error, every change f made is rolled back. A backend may
// run f more than once (on a serialisation failure), so f must not let
// state computed inside it escape until Update returns nil. View runs f
// read-only. A Tx must not be used after f returns.
type Store interface {
	Update(ctx context.Context, f func(tx Tx) error) error
	View(ctx context.Context, f func(tx Tx) error) error
	// Document is the read path's one query: the precomputed packument of
	// a package, outside any transaction. Only the part asked for is read
	// (ETag and Restricted always are), so a request costs the bytes it
	// sends and a revalidation costs almost none.
	Document(ctx context.Context, name string, part DocPart) (*core.Document, error)
	Close() error
}

// DocPart selects which stored form of a document Document reads.
type DocPart int

const (
	DocMeta     DocPart = iota // ETag and Restricted only
	DocFull                    // Full
	DocFullGz                  // FullGz
	DocAbbrev                  // Abbrev
	DocAbbrevGz                // AbbrevGz
	DocAll                     // every form
)

// In is the field of d that holds part: nil for DocMeta and DocAll, which
// name no single form.
func (part DocPart) In(d *core.Document) *[]byte {
	switch part {
	case DocFull:
		return &d.Full
	case DocFullGz:
		return &d.FullGz
	case DocAbbrev:
		return &d.Abbrev
	case DocAbbrevGz:
		return &d.AbbrevGz
	}
	return nil
}

// Tx is everything a transaction can do, as role interfaces.
type Tx interface {
	Users
	Tokens
	Packages
	Documents
	DocumentState
	Events
	Downloads
	Critical
	Throttles
	WebSessions
	EmailTokens
	SecondFactors
	EmailDomains
	WebAuthn
	CLILogins
	Devices
	Recoveries
	EmailHistory
	Sweeper
	Meta
	Files
	Signing
	Signatures
	TrustedPublishers
	ScanReports
	Stages
	Orgs
	Provenance
	NameAllowances
	Malware
	Reports
	Advisories
	UpstreamPins
	LogSeals
	UpstreamHolds
	UpstreamUsage
	Invites
	SSOIdentities
	VersionPages
	VersionReaders
	StaffEvents
	UpstreamProvenance
}

// Users holds accounts. Names are unique; so are verified email
// addresses, ignoring case. An unverified address is only a claim: any
// number of unverified accounts may give the same address, also one that
// another account verified, so that sign-up can neither squat an address
// nor tell whether it is taken. Making an address verified (CreateUser or
// UpdateUser with EmailVerified) when another account has it verified is
// a conflict.
type Users interface {
	CreateUser(u *core.User) error // sets u.ID
	UserByID(id int64) (*core.User, error)
	UserByName(name string) (*core.User, error)
	// UserByEmail finds the account whose verified address is email,
	// ignoring case; unverified claims are not found.
	UserByEmail(email string) (*core.User, error)
	UpdateUser(u *core.User) error // every field but ID, Name and CreatedAt
	CountUsers() (int, error)
	// SiteStaff lists the enabled accounts with a site role (moderator or
	// admin), by name: whom reports and quarantines are mailed to.
	SiteStaff() ([]core.User, error)
	// SearchUsers lists accounts whose name or address contains query
	// (ignoring case; "" matches all), by name, after the name after
	// ("" from the start), at most limit: the administrators' user list.
	SearchUsers(query, after string, limit int) ([]core.User, error)
}

// Tokens holds API tokens by hash.
type Tokens interface {
	CreateToken(t *core.Token) error // sets t.ID; Key and Hash are unique
	TokenByHash(hash string) (*core.Token, error)
	TokensByUser(userID int64) ([]core.Token, error) // revoked ones included, newest first
	// RevokeToken marks the user's token with the given key revoked at the
	// given time. Revoking a revoked token keeps the first time.
	RevokeToken(userID int64, key string, at time.Time) error
}

// Packages holds packages, their versions, dist-tags and maintainers.
type Packages interface {
	// CreatePackage sets p.ID. A package is unique by (ecosystem, name):
	// ErrConflict for a taken pair; the same name in another ecosystem is
	// another package. p.Ecosystem must be set.
	CreatePackage(p *core.Package) error
	PackageByRef(ref core.PackageRef) (*core.Package, error)
	UpdatePackage(p *core.Package) error
	// UpdatePackageAt is UpdatePackage as a compare-and-swap on the
	// revision: it writes p (Rev included) only if the stored Rev is still
	// prevRev, and otherwise returns ErrConflict and changes nothing. Of
	// two writers that read the same revision, only one succeeds.
	UpdatePackageAt(p *core.Package, prevRev int64) error
	// InsertVersion adds a version. A version string already used by the
	// package, live or unpublished, is a conflict: versions are forever.
	InsertVersion(v *core.Version) error
	// UpdateVersion changes only Deprecated, UnpublishedAt and Held (the
	// version's state, core.Version.State, follows from these three).
	UpdateVersion(v *core.Version) error
	Versions(packageID int64) ([]core.Version, error) // unpublished ones included, oldest first
	Version(packageID int64, version string) (*core.Version, error)
	// VersionFile is Version without Manifest and Deprecated: what serving
	// a tarball needs, Held and UnpublishedAt (for core.Servable) included.
	VersionFile(packageID int64, version string) (*core.Version, error)
	DistTags(packageID int64) (map[string]string, error)
	SetDistTag(packageID int64, tag, version string) error
	DeleteDistTag(packageID int64, tag string) error
	Maintainers(packageID int64) ([]core.User, error) // by name
	AddMaintainer(packageID, userID int64, at time.Time) error
	RemoveMaintainer(packageID, userID int64) error
	PackagesByMaintainer(userID int64) ([]core.Package, error)
	// Dependents counts the packages other than packageName's own that
	// have a live version depending on packageName.
	Dependents(packageName string) (int, error)
	// Search finds live packages whose name, description or keywords
	// contain every term, best name matches first. With no terms it lists
	// every live package, most recently modified first.
	Search(terms []string, limit, offset int) ([]core.SearchHit, int, error)
	AllPackageNames() ([]string, error)
}

// Documents holds packuments. A change to a package does not rebuild its
// document: it stores the fragments of the versions it changed
// (PutVersionDoc) and marks the document stale (MarkDocumentStale), both
// small writes whatever the package's history. The first read after the
// change finds the document stale, assembles it from the fragments and
// stores it with PutBuiltDocument, which writes only over the generation
// it was built from, so a document built before a later change never
// overwrites that change's mark.
type Documents interface {
	// PutDocument stores d as the complete, current document of d.Name.
	PutDocument(d *core.Document) error
	// DeleteDocument removes the document of name; not an error if none.
	DeleteDocument(name string) error
	// MarkDocumentStale makes name's document out of date: its bodies are
	// dropped and its generation incremented (a stale document of
	// generation 1 is created if there was none). Until it is built again,
	// Store.Document answers with Stale set and no ETag or bodies.
	MarkDocumentStale(name string) error
	// DocumentGen returns the generation of name's document and whether
	// it is stale; core.ErrNotFound if there is no document.
	DocumentGen(name string) (gen int64, stale bool, err error)
	// PutBuiltDocument stores d (every form and the ETag) as name's
	// document if it is still stale at generation gen, and reports
	// whether it did; the generation is kept. A false answer means a
	// later change (or another builder) came first: not an error.
	PutBuiltDocument(d *core.Document, gen int64) (bool, error)
	// PutVersionDoc stores (replaces) the fragments of one version.
	PutVersionDoc(packageID int64, vd *core.VersionDoc) error
	// VersionDocs returns the stored fragments of a package's versions,
	// keyed by version; with bodies false only Version, Stamp and FullLen
	// are set (the bodies are not read).
	VersionDocs(packageID int64, bodies bool) (map[string]core.VersionDoc, error)
}

// Events is the outbox: security-relevant changes in commit order, which
// a log sequencer follows with EventsAfter.
//
// Sequence contract (storetest's EventOrder cases check it under
// concurrent writers, some of them rolling back):
//   - AppendEvent assigns e.Seq inside the caller's transaction; the
//     first event of a store gets 1.
//   - Seqs of committed events are gapless: every seq from 1 to the
//     highest committed one belongs to a committed event. A rolled-back
//     transaction leaves no hole, so a follower that finds seq N missing
//     knows it is not committed yet, never that it is lost.
//   - Commit order: once a reader has seen seq N, no event with a seq
//     below N commits later. A follower that read up to N may ask for
//     EventsAfter(N) forever and will see every event exactly once.
//
// A backend whose sequences leave holes on rollback (a PostgreSQL
// SEQUENCE) must not use them for Seq as they are: it assigns Seq from a
// counter row updated in the writing transaction (which serialises
// appenders, as SQLite's single writer does), or at commit time.
//
// Each event keeps its payload's Schema, its public Data (never changed
// once written: a log hashes it) and its Personal part as given; the
// personal part is stored apart from the public one, so that it can be
// erased alone. Personal is nil when the event has none.
type Events interface {
	AppendEvent(e *core.Event) error                               // sets e.Seq
	EventsAfter(seq int64, limit int) ([]core.Event, error)        // ascending
	EventsFor(packageName string, limit int) ([]core.Event, error) // newest first
	EventsByActor(actor string, limit int) ([]core.Event, error)   // newest first
}

// Downloads holds per-package daily download counts.
type Downloads interface {
	AddDownloads(packageID int64, day time.Time, n int64) error
	DownloadsSince(packageID int64, since time.Time) (int64, error)
	// DailyDownloads lists the package's counts per day (UTC) from the day
	// of since on, oldest first; days without downloads are left out.
	DailyDownloads(packageID int64, since time.Time) ([]core.DayCount, error)
	// CountDownload counts one download of the package on the day of day
	// from source (an opaque key for the client), unless that source was
	// already counted for the package that day; it reports whether it
	// counted. The set of sources seen lives in the store, so that every
	// replica de-duplicates against the same set.
	CountDownload(packageID int64, day time.Time, source string) (counted bool, err error)
	// SweepDownloadSources forgets the sources seen on days before the
	// day of before (they can no longer match) and returns how many went.
	SweepDownloadSources(before time.Time) (int64, error)
}

// Critical holds which packages are critical: designated by an admin, or
// computed daily from downloads. A package is critical if either flag is on.
type Critical interface {
	// DownloadTotals lists every package with downloads on or after the
	// day of since, most downloaded first, then by name.
	DownloadTotals(since time.Time) ([]core.PackageDownloads, error)
	// CriticalPackages lists every critical package by name.
	CriticalPackages() ([]core.CriticalPackage, error)
	// IsCritical reports whether the package is critical.
	IsCritical(packageID int64) (bool, error)
	// CriticalState returns the package's critical flags and since when
	// it is in the computed set; the zero value (with PackageID set) if
	// it is not critical. Name is not filled.
	CriticalState(packageID int64) (core.CriticalPackage, error)
	// SetCriticalDesignated turns the admin designation on or off.
	SetCriticalDesignated(packageID int64, on bool) error
	// SetCriticalComputed makes exactly these packages the computed set,
	// recording when it was computed. A package entering the set gets
	// ComputedSince = at; one staying keeps its ComputedSince; one
	// leaving loses it.
	SetCriticalComputed(packageIDs []int64, at time.Time) error
}

// Throttles holds failure counters for brute-force protection. They live in
// the store, not in memory, so that they hold across replicas.
type Throttles interface {
	Throttle(key string) (*core.Throttle, error) // ErrNotFound when clean
	PutThrottle(t *core.Throttle) error
	DeleteThrottle(key string) error
}

// Sweeper removes rows that can no longer matter, so that tables fed by
// anonymous requests (sign-in attempts, npm web logins) do not grow
// without end. What it removes leaves no trace a user could notice.
type Sweeper interface {
	// Sweep deletes browser sessions, pending sign-ins, WebAuthn
	// challenges, npm web logins and web OTPs that expired by now; mailed
	// links that expired before idleSince; and throttle counters whose
	// last failure is before idleSince and that block nothing now. It
	// returns how many rows went.
	Sweep(now, idleSince time.Time) (int64, error)
}

// WebSessions holds signed-in browsers by the hash of their cookie.
type WebSessions interface {
	CreateWebSession(s *core.WebSession) error
	WebSession(idHash string) (*core.WebSession, error)
	DeleteWebSession(idHash string) error
	// WebSessionsOf lists the user's signed-in browsers (not pending
	// sign-ins), newest first.
	WebSessionsOf(userID int64) ([]core.WebSession, error)
	// DeleteWebSessionsByUser signs every browser of the user out.
	DeleteWebSessionsByUser(userID int64) error
	// SetWebSessionMFA records that the session passed a second factor at
	// the given time, and whether that factor was phishing-resistant (a
	// code from an app after a key leaves the session without it).
	SetWebSessionMFA(idHash string, at time.Time, phishingResistant bool) error
}

// SecondFactors holds TOTP enrolments and recovery codes, one enrolment
// per user.
type SecondFactors interface {
	TOTP(userID int64) (*core.TOTP, error)
	// PutTOTP creates the user's enrolment or replaces it whole.
	PutTOTP(t *core.TOTP) error
	DeleteTOTP(userID int64) error // deleting none is not an error
	// AdvanceTOTPStep is a compare-and-swap: it sets the last accepted
	// step to next only if it is still prev, and otherwise returns
	// ErrConflict and changes nothing, so that of two requests spending
	// one code only one wins. ErrNotFound if the user has no enrolment.
	AdvanceTOTPStep(userID, prev, next int64) error
	RecoveryCodes(userID int64) ([]string, error) // hashes; none is an empty list
	// SetRecoveryCodes replaces every recovery code hash of the user.
	SetRecoveryCodes(userID int64, hashes []string, at time.Time) error
	// UseRecoveryCode deletes one hash; ErrNotFound if it is not there
	// (never was, or already used), so a code works once.
	UseRecoveryCode(userID int64, hash string) error
}

// WebAuthn holds security keys and passkeys, and the state of WebAuthn
// ceremonies in progress.
type WebAuthn interface {
	// CreateWebAuthnCredential sets c.ID; a CredentialID already
	// registered (to anyone) is a conflict.
	CreateWebAuthnCredential(c *core.WebAuthnCredential) error
	WebAuthnCredentials(userID int64) ([]core.WebAuthnCredential, error) // oldest first
	// HasWebAuthnCredentials reports whether the user has any, without
	// reading them: every authenticated request asks.
	HasWebAuthnCredentials(userID int64) (bool, error)
	WebAuthnCredentialByID(credentialID []byte) (*core.WebAuthnCredential, error)
	// UseWebAuthnCredential records a sign-in: it sets the sign count to
	// next only if it is still prev (else ErrConflict, nothing changed),
	// and the last-used time.
	UseWebAuthnCredential(id int64, prev, next uint32, at time.Time) error
	// DeleteWebAuthnCredential removes the user's credential by ID;
	// ErrNotFound if the user has none with that ID.
	DeleteWebAuthnCredential(userID, id int64) error
	PutWebAuthnCeremony(c *core.WebAuthnCeremony) error
	// TakeWebAuthnCeremony returns the ceremony and deletes it, so a
	// challenge is answered at most once. ErrNotFound if absent.
	TakeWebAuthnCeremony(idHash string) (*core.WebAuthnCeremony, error)
}

// CLILogins holds npm web logins in progress.
type CLILogins interface {
	CreateCLILogin(l *core.CLILogin) error // both hashes unique
	CLILoginByDone(doneHash string) (*core.CLILogin, error)
	CLILoginByLogin(loginHash string) (*core.CLILogin, error)
	// ApproveCLILogin records who approved and how the approving session
	// signed in; approving twice is a conflict and keeps the first.
	ApproveCLILogin(loginHash string, userID int64, at, mfaAt time.Time, phishingResistant bool) error
	// CollectCLILogin marks an approved login collected; a second
	// collection (or one not approved) is a conflict.
	CollectCLILogin(doneHash string, at time.Time) error
	// CreateWebOTP stores a web OTP value (by hash) for userID, good only
	// for purpose.
	CreateWebOTP(valueHash string, userID int64, purpose core.WebOTPPurpose, expiresAt time.Time) error
	// SpendWebOTP deletes the value if it belongs to userID, was issued
	// for purpose and has not expired at now; ErrNotFound otherwise (a
	// value of another purpose stays).
	SpendWebOTP(valueHash string, userID int64, purpose core.WebOTPPurpose, now time.Time) error
	// DeleteCLILoginsByUser ends every npm web login approved by the
	// user or waiting for the user's approval (collected or not), every
	// web OTP value of the user, and every WebAuthn ceremony begun for
	// the user: what a session handed out or started must not outlive
	// the end of every session. Deleting none is not an error.
	DeleteCLILoginsByUser(userID int64) error
}

// EmailTokens holds the one-time links mailed to users (verification,
// password reset), by the hash of their secret.
type EmailTokens interface {
	CreateEmailToken(t *core.EmailToken) error // Hash is unique
	EmailToken(hash string) (*core.EmailToken, error)
	// UseEmailToken marks an unused token used at the given time. A token
	// already used is a conflict and keeps its first time: a link works once.
	UseEmailToken(hash string, at time.Time) error
	// ExpireEmailTokens marks every unused token of the user for purpose
	// used at the given time, so that older links stop working.
	ExpireEmailTokens(userID int64, purpose core.EmailTokenPurpose, at time.Time) error
	// LiveEmailToken returns the user's newest token for purpose that is
	// unused and unexpired at now; ErrNotFound if none.
	LiveEmailToken(userID int64, purpose core.EmailTokenPurpose, now time.Time) (*core.EmailToken, error)
}

// EmailDomains holds, per user, the last judgement on the domain of the
// user's address (abandoned-email-domain detection).
type EmailDomains interface {
	// PutEmailDomainStatus stores the user's status, replacing any earlier one.
	PutEmailDomainStatus(s *core.EmailDomainStatus) error
	EmailDomainStatus(userID int64) (*core.EmailDomainStatus, error)
	// UsersDueForDomainCheck lists up to limit enabled users with a
	// verified address that was never checked, was checked before the
	// given time, or changed since its check; least recently checked
	// first (never checked first of all), then by ID.
	UsersDueForDomainCheck(before time.Time, limit int) ([]core.User, error)
}

// Devices holds, per user, the hashes of the devices (browsers, npm
// clients) that signed in, for new-device notices, and of the networks
// they signed in from, which password guessing elsewhere must not block.
type Devices interface {
	// TouchDevice records a sign-in from the device at the given time and
	// reports whether the user had never signed in from it before.
	TouchDevice(userID int64, keyHash string, at time.Time) (isNew bool, err error)
	// DeviceLastSeen is the time of the user's last sign-in from the
	// device; ErrNotFound if the user never signed in from it.
	DeviceLastSeen(userID int64, keyHash string) (time.Time, error)
}

// Recoveries holds admin-assisted account recoveries. A user has at most
// one open recovery.
type Recoveries interface {
	// CreateRecovery sets r.ID; a second open recovery of the same user,
	// or a CancelHash already used, is a conflict.
	CreateRecovery(r *core.Recovery) error
	OpenRecovery(userID int64) (*core.Recovery, error) // ErrNotFound if none
	RecoveryByCancel(cancelHash string) (*core.Recovery, error)
	// EndRecovery closes an open recovery with an outcome; ending one
	// already ended is a conflict and keeps the first outcome.
	EndRecovery(id int64, at time.Time, outcome string) error
}

// EmailHistory records the addresses each account has had, so that the
// notices of an admin-assisted recovery reach every address the account
// used lately (docs/policies/account-recovery.md), not only the one it
// has now. A period runs from when an address became the account's
// verified address until another replaced it; a user has at most one
// open period, its current address. Addresses compare ignoring case.
type EmailHistory interface {
	// StartEmailPeriod records that email became the user's address at
	// the given time. If it already is the user's current address,
	// nothing changes (the period keeps its start). If another address
	// is current, it is a conflict and nothing changes: end that period
	// first, in the same transaction.
	StartEmailPeriod(userID int64, email string, at time.Time) error
	// EndEmailPeriod records that the user's current address stopped
	// being the account's at the given time. A user with no current
	// address (one never verified) is not an error; nothing changes.
	EndEmailPeriod(userID int64, at time.Time) error
	// EmailPeriodsSince lists the user's periods in effect at any time at
	// or after since: the open one and those that ended at or after
	// since, latest start first. An address the user had twice is listed
	// once per period. None is an empty list.
	EmailPeriodsSince(userID int64, since time.Time) ([]EmailPeriod, error)
}

// EmailPeriod is a time during which an address was an account's.
type EmailPeriod struct {
	Email string
	From  time.Time // when it became the account's verified address
	Until time.Time // when another replaced it; zero while it is current
}

// Meta is a small key/value table for the store's own bookkeeping.
type Meta interface {
	GetMeta(key string) (string, error) // ErrNotFound when unset
	SetMeta(key, value string) error
}
