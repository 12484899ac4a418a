// Package authz decides who may do what. Every request resolves to a
// Principal, and every action on the registry is checked by Authorize: the
// one function that applies roles (maintainer, site admin) and token scopes
// (packages, actions, source addresses). Handlers never decide on their own.
package authz

import (
	"fmt"
	"net/netip"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rampart/rampart/internal/core"
)

// Principal is who is asking.
type Principal struct {
	User  *core.User  // nil when anonymous
	Token *core.Token // the token used, nil for a browser session or anonymous
	Addr  netip.Addr  // the client's address
	// AccountURL is the registry's account page, for messages that send
	// the user there; set by whoever resolves the principal.
	AccountURL string

	// MFA is set when the user has a second factor turned on: TOTP, a
	// security key or a passkey.
	MFA bool
	// MFAVerifiedAt is when this browser session passed a second factor
	// (zero if it never did). For a token it is the token's own record.
	MFAVerifiedAt time.Time
	// SessionID is the hash of the browser session's cookie, "" for a
	// token or anonymous.
	SessionID string
	// OTP is the one-time password that came with the request (npm's
	// npm-otp header), unchecked until a caller spends it; nil when none
	// came. Authorize only reads whether it was spent and held
	// (OTPPassed): it never spends it (see Settle).
	OTP *OTPCheck
	// PhishingResistantAt is when this session (or the login that made
	// this token) passed a phishing-resistant factor: a security key or a
	// passkey (WebAuthn). A one-time code from an app never sets it.
	PhishingResistantAt time.Time
	// HasKey is set when the user has a security key or passkey, so that
	// a refusal can ask for it rather than tell them to add one.
	HasKey bool
	// SignedInAt is when this browser session signed in (zero for a
	// token): an account without a second factor adds its first one only
	// from a fresh sign-in.
	SignedInAt time.Time
	// Now is the time of the request, for the step-up window; set by
	// whoever resolves the principal from the injected clock.
	Now time.Time
	// Policy is the registry's MFA policy, set with the principal.
	Policy Policy
	// Publisher is set for a token from a trusted publisher's exchange:
	// then only publisherMay decides (publisher.go). Nil otherwise.
	Publisher *Publisher
	// PasswordBreached is set when the account's password was found in a
	// data breach (core.User.PasswordCompromised): by whoever resolves the
	// principal, or by a sign-in that has just found it. Until the
	// password is changed (in a browser), the credentials only read
	// packages: every other action, and every new credential
	// (IssueCredentials), is refused with ReasonPasswordBreached.
	PasswordBreached bool
	// Console marks the operator at the console (`rampart admin ...`):
	// whoever can run commands against the data folder already holds the
	// registry, so no session or second factor applies (see adminPolicy).
	Console bool
}

// Policy is the registry's two-factor policy ([mfa] in the config). The
// zero value is the Level 2 policy: second factors are enforced for those
// who turned one on, critical packages always need a phishing-resistant
// one, and the step-up window is DefaultStepUpWindow.
type Policy struct {
	// RequireMFA refuses package writes and token creation to accounts
	// without a second factor, and publishing to API tokens that were not
	// created in a session that passed one (Level 3).
	RequireMFA bool
	// StepUpWindow is how recently a browser session must have passed a
	// second factor for a sensitive action; 0 means DefaultStepUpWindow.
	StepUpWindow time.Duration
	// InsecureAdminsWithTOTP lets site administrators use their power
	// with a code from an authenticator app; otherwise they need a
	// security key or passkey (adminPolicy).
	InsecureAdminsWithTOTP bool
	// CriticalGrace is how long after a package became critical by
	// downloads (Resource.CriticalSince) its maintainers may still act on
	// it without a phishing-resistant factor, having been mailed to add
	// one; 0 means none.
	CriticalGrace time.Duration
}

// DefaultStepUpWindow is how recent a second factor must be for sensitive
// actions unless configured otherwise.
const DefaultStepUpWindow = 15 * time.Minute

// OTPCheck is a one-time password sent with a request and how to spend
// it. It is spent at most once, by the caller of Authorize (Settle) and
// only after Authorize answered that the action needs it, so a code is
// spent only by a request whose action needs it, never by a read that
// happened to carry the header, and never inside a transaction (the
// spend is a write of its own). Copies of a Principal share it, so one
// request spends its code once whichever of its checks asked first.
type OTPCheck struct {
	once   sync.Once
	verify func() error
	err    error
	done   bool
}

// NewOTPCheck wraps verify, which checks the code and spends it.
func NewOTPCheck(verify func() error) *OTPCheck { return &OTPCheck{verify: verify} }

// spend runs verify the first time and returns its result ever after.
func (c *OTPCheck) spend() error {
	c.once.Do(func() { c.err, c.done = c.verify(), true })
	return c.err
}

// OTPPassed reports whether the request's one-time password was spent
// and held: the result a caller recorded on the principal before asking
// Authorize again.
func (p Principal) OTPPassed() bool {
	return p.OTP != nil && p.OTP.done && p.OTP.err == nil
}

// SecondFactorPassed reports whether this request is backed by a second
// factor: a browser session that passed one at sign-in, or a one-time
// password with the request that was checked and held.
func (p Principal) SecondFactorPassed() bool {
	if p.Token == nil && !p.MFAVerifiedAt.IsZero() {
		return true
	}
	return p.OTPPassed()
}

// Anonymous reports whether no one is signed in.
func (p Principal) Anonymous() bool { return p.User == nil }

// Name returns the user name, or "" when anonymous.
func (p Principal) Name() string {
	if p.User == nil {
		return ""
	}
	return p.User.Name
}

// Action is something a principal may try to do.
type Action string

const (
	ReadPackage    Action = "package.read"      // metadata and tarballs
	CreatePackage  Action = "package.create"    // publish the first version of a new name
	PublishVersion Action = "package.publish"   // publish a new version of an existing package
	Unpublish      Action = "package.unpublish" // versions or the whole package
	Deprecate      Action = "package.deprecate"
	SetDistTags    Action = "package.dist_tags"
	ChangeOwners   Action = "package.owners"
	ChangeAccess   Action = "package.access"
	ManageTokens   Action = "account.tokens"        // list tokens
	RevokeTokens   Action = "account.tokens.revoke" // revoke a token
	CreateTokens   Action = "account.tokens.create" // create an API token
	AddMFA         Action = "account.mfa.add"       // turn a second factor on, or add a key
	ApproveLogin   Action = "account.login.approve" // approve an npm web login in the browser
	RemoveMFA      Action = "account.mfa.remove"    // turn a second factor off
	ChangeEmail    Action = "account.email"         // change the account's address
	AdminUsers     Action = "admin.users"           // disable accounts, create users
	AdminNames     Action = "admin.names"           // release tombstoned names
	// UseCredentials is a credential being used at all, whatever the
	// request then does (reads of public packages too): asked once by
	// authentication, so that a disabled account's token or a token used
	// from outside its address ranges is refused by the same rule that
	// every other action applies.
	UseCredentials Action = "account.use"
	// IssueCredentials is a sign-in handing its client a credential that
	// can do more than read (an `npm login` token), or a password
	// confirmed again before a sensitive change: refused to a disabled
	// account and to a breached password, allowed otherwise (the change
	// itself is authorized as its own action).
	IssueCredentials Action = "account.credentials"
)

// tokenAction is the token scope an action needs; "" means tokens never
// may (only an interactive session can).
var tokenAction = map[Action]core.TokenAction{
	ReadPackage:    core.TokenRead,
	CreatePackage:  core.TokenPublish,
	PublishVersion: core.TokenPublish,
	Unpublish:      core.TokenManage,
	Deprecate:      core.TokenManage,
	SetDistTags:    core.TokenManage,
	ChangeOwners:   core.TokenManage,
	ChangeAccess:   core.TokenManage,
	ManageTrust:    core.TokenManage,
}

// Resource is what an action is aimed at. For package actions Package is
// the name and Maintainers its current maintainers (nil for a new name);
// Restricted marks a package only its maintainers may read. Critical marks
// a critical package (top downloads or designated by an admin); for
// CreateTokens it means the token would cover a critical package.
// CriticalSince is when a package became critical by downloads, the start
// of its grace period; zero for one designated by an administrator (no
// grace) and for a token covering several, the earliest.
type Resource struct {
	Package       core.PackageRef
	Maintainers   []core.User
	Restricted    bool
	Critical      bool
	CriticalSince time.Time
	// Org is the organisation that owns the package's scope, or the one
	// an org action is aimed at (org.go); nil for none.
	Org *OrgFacts
	// OrgPrivate marks a package of an organisation under a read policy
	// that keeps org packages to their members (ReadPolicy
	// .OrgPackagesPrivate): read like a restricted one. It counts only
	// with Org set.
	OrgPrivate bool
	// Read is the registry's read policy, for ReadRegistry
	// (readpolicy.go); Write marks a request there that is not a read.
	Read  ReadPolicy
	Write bool
}

// private reports whether reading the package needs a reason to.
func (r Resource) private() bool {
	return r.Restricted || r.OrgPrivate && r.Org != nil
}

// Authorize returns nil if p may perform a on r, or an error whose message
// says why not and what to do. It is a pure function of the principal
// (who, with what credentials, at what time, under which policy), the
// action and the resource: it takes no store and writes nothing, so it
// may be called inside a transaction. One of its answers is not a
// refusal but a decision for the caller: an *OTPNeeded error (NeedsOTP)
// says the action needs a one-time password that the request has not
// yet spent; Settle spends the request's code, if it carried one, and
// asks again.
func Authorize(p Principal, a Action, r Resource) error {
	if a == ReadRegistry {
		return readRegistry(p, r)
	}
	if p.Publisher != nil && a != UseCredentials {
		return publisherMay(p, a, r)
	}
	if a == UseCredentials {
		if p.User == nil {
			return NotLoggedIn()
		}
		return standing(p)
	}
	if a == ReadPackage && !r.private() {
		return nil // public packages are readable by anyone
	}
	if p.User == nil {
		if a == ReadPackage {
			return core.Errorf(core.KindNotFound, "package %s was not found or you do not have permission to read it", r.Package.Name)
		}
		return NotLoggedIn()
	}
	if a == ReadPackage && !mayActOnPackage(p.User, a, r) {
		// Same answer as for a name that does not exist, before any token
		// check, so that no token can confirm a restricted name exists.
		return core.Errorf(core.KindNotFound, "package %s was not found or you do not have permission to read it", r.Package.Name)
	}
	if err := standing(p); err != nil {
		return err
	}
	if p.passwordBreached() && a != ReadPackage {
		return refuse(core.KindForbidden, ReasonPasswordBreached, r.Package, func(h Hints) string {
			return "your password appears in a known data breach; " + h.ChangePassword(p.accountPage("password"))
		})
	}
	if !p.User.EmailVerified && needsVerifiedEmail(a) {
		return core.Errorf(core.KindForbidden, "verify your email address first: follow the link mailed to %s, or request a new one at %s", MaskEmail(p.User.Email), p.accountPage(""))
	}
	if isOrgAction(a) {
		return authorizeOrg(p, a, r)
	}
	if p.Token != nil {
		if err := tokenAllows(p.Token, a, r); err != nil {
			return err
		}
	}
	if isStageAction(a) {
		return authorizeStage(p, a, r)
	}
	switch a {
	case ReadPackage:
		if mayActOnPackage(p.User, a, r) {
			return nil
		}
		return core.Errorf(core.KindNotFound, "package %s was not found or you do not have permission to read it", r.Package.Name)
	case ManageTokens, IssueCredentials:
		return nil
	case CreatePackage:
		if err := orgMayCreate(p, r); err != nil {
			return err
		}
		return mfaPolicy(p, a, r)
	case CreateTokens, RevokeTokens, RemoveMFA, ChangeEmail:
		return mfaPolicy(p, a, r)
	case AddMFA, ApproveLogin:
		return freshSession(p, a)
	case PublishVersion, Unpublish, Deprecate, SetDistTags, ChangeOwners, ChangeAccess, ManageTrust:
		if mayActOnPackage(p.User, a, r) {
			return mfaPolicy(p, a, r)
		}
		return refuse(core.KindForbidden, ReasonNotMaintainer, r.Package, func(h Hints) string {
			return fmt.Sprintf("you (%s) are not a maintainer of %s; ask one of its maintainers (%s) to add you", p.User.Name, r.Package.Name, h.ListOwners(r.Package.Name))
		})
	case AdminUsers, AdminNames:
		return adminPolicy(p, a)
	}
	return core.Errorf(core.KindForbidden, "unknown action %q", a)
}

// standing refuses a principal whose credentials may not be used at all:
// a disabled account, or a token used from an address outside its CIDR
// ranges.
func standing(p Principal) error {
	if p.User.Disabled() {
		return core.Errorf(core.KindForbidden, "account %s is disabled; contact the registry's administrators", p.User.Name)
	}
	if t := p.Token; t != nil && !AddrAllowed(t.CIDRs, p.Addr) {
		return core.Errorf(core.KindForbidden, "this token (%s) may only be used from %s, not from %s", t.Mask, strings.Join(t.CIDRs, ", "), p.Addr.Unmap())
	}
	return nil
}

// mfaPolicy applies the registry's two-factor policy once everything else
// allowed the action: MFA required of maintainers (Level 3), publishing
// only with tokens made under MFA, phishing-resistant factors for
// critical packages, and step-up for sensitive actions. The one-time
// password, if any, is checked last (by secondFactor).
func mfaPolicy(p Principal, a Action, r Resource) error {
	if needsPhishingResistant(p, a, r) {
		if err := phishingResistant(p, a, r); err != nil {
			return err
		}
	}
	if !p.MFA && needsMFA(a) && (p.Policy.RequireMFA || r.Critical) {
		return core.Errorf(core.KindForbidden, "this registry requires two-factor authentication for maintainers: enable it at %s", p.accountPage("mfa"))
	}
	if p.Policy.RequireMFA && p.Token != nil && p.Token.Kind == core.TokenAPI && (a == CreatePackage || a == PublishVersion) && p.Token.MFAVerifiedAt.IsZero() {
		return core.Errorf(core.KindForbidden, "this API token (%s, %q) was created in a session that did not pass two-factor authentication, so it cannot publish; create a new token after enabling it at %s",
			p.Token.Mask, p.Token.Name, p.accountPage("mfa"))
	}
	return secondFactor(p, a)
}

// phishingResistant checks that p passed a security key or passkey as
// critical-package actions need: a browser within the step-up window (a
// key passed hours ago, or a code from an app since, does not count), a
// token from the login or session that passed one.
func phishingResistant(p Principal, a Action, r Resource) error {
	fresh := !p.PhishingResistantAt.IsZero()
	if p.Token == nil {
		fresh = p.Recent(p.PhishingResistantAt)
	}
	if fresh {
		return nil
	}
	what := func(Hints) string { return "changing the owners of " + r.Package.Name }
	switch a {
	case CreateTokens:
		// Every other token stays possible: say so, so that a
		// maintainer without a key is not left thinking tokens are gone.
		what = func(h Hints) string {
			return "creating a token that can act on it (a token limited to your other packages, e.g. " + h.CreateTokenFor("<name>") + ", needs no key)"
		}
	case CreatePackage, PublishVersion:
		what = wordsFor("publishing " + r.Package.Name)
	case Unpublish:
		what = wordsFor("unpublishing")
	case Deprecate:
		what = wordsFor("deprecating")
	case SetDistTags:
		what = wordsFor("changing its dist-tags")
	case ChangeAccess:
		what = wordsFor("changing its access")
	case ManageTrust:
		what = wordsFor("changing its trusted publishers")
	case ApproveStage:
		what = wordsFor("approving its staged release")
	case SetStagePolicy:
		what = wordsFor("changing its staged-publishing policy")
	}
	name := r.Package.Name
	if name == "" {
		name = "a package this token would cover"
	}
	critical := func(kind core.Kind, word func(h Hints) string) error {
		return refuse(kind, ReasonCriticalNeedsKey, r.Package, word)
	}
	switch {
	case p.Token == nil && p.HasKey:
		// The web sends the browser to confirm with the key (step-up).
		return critical(core.KindOTPRequired, func(h Hints) string {
			return fmt.Sprintf("%s is a critical package: %s needs your security key or passkey, used within the last %s; confirm it with the key and try again",
				name, what(h), p.window())
		})
	case p.Token != nil && p.Token.Kind == core.TokenAPI:
		return critical(core.KindForbidden, func(h Hints) string {
			return fmt.Sprintf("%s is a critical package: %s needs a token created in a session that passed a security key or passkey; this token (%s, %q) was not (a code from an authenticator app alone is not enough). Add a security key or passkey at %s if you have none, sign in with it and create a new token",
				name, what(h), p.Token.Mask, p.Token.Name, p.accountPage("security-keys"))
		})
	case p.HasKey:
		return critical(core.KindForbidden, func(h Hints) string {
			return fmt.Sprintf("%s is a critical package: %s needs a security key or passkey; a one-time code from an authenticator app (TOTP) alone is not enough. %s",
				name, what(h), h.LogInWithKey())
		})
	}
	return critical(core.KindForbidden, func(h Hints) string {
		return fmt.Sprintf("%s is a critical package: %s needs a security key or passkey; a one-time code from an authenticator app (TOTP) alone is not enough. Add a security key or passkey at %s and sign in with it",
			name, what(h), p.accountPage("security-keys"))
	})
}

// freshSession decides the actions that hand a session more than it has:
// adding a second factor (a stolen session must not plant its own and
// pass for the owner) and approving an npm web login (a stolen or
// forgotten browser must not mint tokens). An account with a factor must
// confirm it (step-up); one without acts only from a fresh sign-in (a
// browser) or with the password (npm profile enable-2fa asks for it).
func freshSession(p Principal, a Action) error {
	if p.MFA {
		return secondFactor(p, a)
	}
	if p.Token != nil || p.Recent(p.SignedInAt) {
		return nil
	}
	if a == ApproveLogin {
		return core.Errorf(core.KindForbidden, "for your security, an npm login is approved only within %s of signing in: sign out, sign in again and open the link again", p.window())
	}
	return core.Errorf(core.KindForbidden, "for your security, a second factor is added only within %s of signing in: sign out, sign in again and add it", p.window())
}

// needsMFA lists the actions an account without a second factor may not
// take when the policy requires one: publishing, managing packages and
// creating tokens. Revoking a token and reading are always allowed.
func needsMFA(a Action) bool {
	switch a {
	case CreatePackage, PublishVersion, Unpublish, Deprecate, SetDistTags, ChangeOwners, ChangeAccess, CreateTokens, ManageTrust:
		return true
	}
	return false
}

// needsPhishingResistant reports whether the action on a critical package
// needs a security key or passkey: managing it (owners, unpublish,
// deprecation, dist-tags, access), tokens covering it, and publishing it,
// with an API token too. A CI token publishes it only if it was created
// in a session that passed a key (the principle asks phishing-resistant
// MFA for critical packages; a token made with a TOTP code is only as
// strong as that code). During the grace period after a package became
// critical by downloads, none of this applies yet: its maintainers were
// mailed and have time to add a key.
func needsPhishingResistant(p Principal, a Action, r Resource) bool {
	if !r.Critical || p.InCriticalGrace(r) {
		return false
	}
	switch a {
	case ChangeOwners, CreateTokens, Unpublish, Deprecate, SetDistTags, ChangeAccess, CreatePackage, PublishVersion, ManageTrust:
		return true
	}
	return false
}

// InCriticalGrace reports whether r is a critical package still in its
// grace period at the time of the request.
func (p Principal) InCriticalGrace(r Resource) bool {
	if !r.Critical || r.CriticalSince.IsZero() || p.Policy.CriticalGrace <= 0 {
		return false
	}
	now := p.Now
	if now.IsZero() {
		now = time.Now()
	}
	return now.Before(r.CriticalSince.Add(p.Policy.CriticalGrace))
}

// stepUp lists the sensitive actions that need a second factor passed
// within the step-up window.
func stepUp(a Action) bool {
	return a == CreateTokens || a == AddMFA || a == ApproveLogin || a == RemoveMFA || a == ChangeEmail || a == ChangeOwners || a == ManageTrust || isAdminAction(a)
}

// StepUpMessage is what a browser is told when a sensitive action needs
// its second factor confirmed again.
const StepUpMessage = "This action needs a recent second factor: confirm it with your authenticator code, security key or passkey, then try again."

// OTPRequiredMessage begins the answer to a write that needs a one-time
// password when none came; the client's Hints (SendOTP) say how to send
// one, with an authenticator app's code or a security key.
const OTPRequiredMessage = "This operation requires a one-time password"

// otpRequired words the answer to a write that needs a one-time password.
func otpRequired(h Hints) string { return OTPRequiredMessage + ": " + h.SendOTP() }

// secondFactor applies the rule for users with a second factor on, once
// everything else allowed the write: a browser session must have passed
// it at sign-in; an npm login token must send a one-time password with
// every write (npm's "auth-and-writes"); an API token created in a
// session that passed a second factor may publish without one (that is
// what CI holds), and needs one for everything else. It is checked last,
// so a code is only asked for (and spent, by Settle) when the answer
// would otherwise be yes.
func secondFactor(p Principal, a Action) error {
	if !p.MFA {
		return nil
	}
	if p.Token == nil {
		if p.MFAVerifiedAt.IsZero() {
			// Signed in before the account had a factor: confirming one
			// now (the confirm page) is the step-up.
			return core.Errorf(core.KindOTPRequired, "%s", StepUpMessage)
		}
		if !stepUp(a) || p.Recent(p.MFAVerifiedAt) {
			return nil
		}
		return needOTP(p, wordsFor(StepUpMessage))
	}
	if p.Token.Kind == core.TokenAPI && (a == CreatePackage || a == PublishVersion) && !p.Token.MFAVerifiedAt.IsZero() {
		return nil
	}
	return needOTP(p, otpRequired)
}

// Recent reports whether t is within the step-up window of the request.
func (p Principal) Recent(t time.Time) bool {
	now := p.Now
	if now.IsZero() {
		now = time.Now()
	}
	return !t.IsZero() && now.Sub(t) <= p.window()
}

// window is the step-up window of the policy.
func (p Principal) window() time.Duration {
	if p.Policy.StepUpWindow <= 0 {
		return DefaultStepUpWindow
	}
	return p.Policy.StepUpWindow
}

// needsVerifiedEmail lists the actions an account may take only once its
// email address is verified: anything that puts code under its name or
// hands out its credentials.
func needsVerifiedEmail(a Action) bool {
	return a == CreatePackage || a == PublishVersion || a == CreateTokens
}

// passwordBreached is the PasswordBreached fact; the account's own flag
// counts too, so that a principal built from a user record without the
// fact cannot slip past the rule.
func (p Principal) passwordBreached() bool {
	return p.PasswordBreached || p.User != nil && p.User.PasswordCompromised
}

// accountPage is the account page (or a sub-page) for messages.
func (p Principal) accountPage(sub string) string {
	base := p.AccountURL
	if base == "" {
		base = "/account"
	}
	if sub != "" {
		return strings.TrimSuffix(base, "/") + "/" + sub
	}
	return base
}

// MaskEmail shows enough of an address for its owner to recognise it and
// little for anyone else: "a***@example.com".
func MaskEmail(email string) string {
	at := strings.LastIndexByte(email, '@')
	if at < 1 {
		return "***"
	}
	return email[:1] + "***" + email[at:]
}

func isMaintainer(u *core.User, ms []core.User) bool {
	return slices.ContainsFunc(ms, func(m core.User) bool { return m.ID == u.ID })
}

// tokenAllows applies a token's scopes. Session tokens (from npm login)
// carry every action; API tokens carry what they were created with.
func tokenAllows(t *core.Token, a Action, r Resource) error {
	if isAdminAction(a) {
		return core.Errorf(core.KindForbidden, "administrative actions need a signed-in browser session, not an API token")
	}
	if a == ManageTokens || a == CreateTokens || a == RevokeTokens || a == AddMFA || a == RemoveMFA || a == ChangeEmail {
		if t.Kind == core.TokenSession {
			return nil
		}
		return refuse(core.KindForbidden, ReasonTokenNoTokens, r.Package, func(h Hints) string {
			return fmt.Sprintf("this API token (%s) cannot manage tokens; %s to create or revoke tokens", t.Mask, h.LogInForTokens())
		})
	}
	need := tokenAction[a]
	if !slices.Contains(t.Actions, need) {
		return refuse(core.KindForbidden, ReasonTokenNoAction, r.Package, func(h Hints) string {
			return fmt.Sprintf("this token (%s, %q) does not allow %s; create one that does with %s", t.Mask, t.Name, describe(need), h.CreateToken())
		})
	}
	if r.Package.Name != "" && !PackageMatches(t.Packages, r.Package) {
		return refuse(core.KindForbidden, ReasonTokenOtherPackages, r.Package, func(h Hints) string {
			return fmt.Sprintf("this token (%s, %q) is limited to %s and cannot act on %s; create a token for %s with %s",
				t.Mask, t.Name, strings.Join(t.Packages, ", "), r.Package.Name, r.Package.Name, h.CreateTokenFor(r.Package.Name))
		})
	}
	return nil
}

func describe(a core.TokenAction) string {
	switch a {
	case core.TokenRead:
		return "reading restricted packages"
	case core.TokenPublish:
		return "publishing"
	default:
		return "managing packages (unpublish, deprecate, dist-tags, owners, access)"
	}
}

// PackageMatches reports whether ref is covered by a token's package
// list. A pattern is "ecosystem:pattern", or a bare pattern for npm (every
// token made before packages had an ecosystem): an exact name, or for
// npm "@scope/*". An empty list covers every package.
func PackageMatches(patterns []string, ref core.PackageRef) bool {
	if len(patterns) == 0 {
		return true
	}
	for _, p := range patterns {
		eco, pat, ok := strings.Cut(p, ":")
		if !ok {
			eco, pat = string(core.EcosystemNPM), p
		}
		if core.Ecosystem(eco) != ref.Ecosystem {
			continue
		}
		if pat == ref.Name {
			return true
		}
		if ref.Ecosystem == core.EcosystemNPM && strings.HasPrefix(pat, "@") && strings.HasSuffix(pat, "/*") {
			if ok, _ := path.Match(pat, ref.Name); ok && strings.HasPrefix(ref.Name, "@") {
				return true
			}
		}
	}
	return false
}

// AddrAllowed reports whether addr is inside one of the CIDR ranges; an
// empty list allows every address.
func AddrAllowed(cidrs []string, addr netip.Addr) bool {
	if len(cidrs) == 0 {
		return true
	}
	for _, c := range cidrs {
		pfx, err := netip.ParsePrefix(c)
		if err == nil && pfx.Contains(addr.Unmap()) {
			return true
		}
	}
	return false
}

// wordsFor is a message part that no client's hints change.
func wordsFor(s string) func(Hints) string { return func(Hints) string { return s } }
