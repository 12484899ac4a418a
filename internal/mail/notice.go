package mail

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"text/template"
	"time"
	"unicode"
	"unicode/utf8"
)

// The kinds of mail Render knows, one embedded template each.
const (
	KindVerifyEmail              = "verify_email"               // link to confirm an address
	KindPasswordReset            = "password_reset"             // link to set a new password
	KindPasswordChanged          = "password_changed"           // the password was changed
	KindPasswordBreached         = "password_breached"          // a sign-in used a breached password
	KindEmailChanged             = "email_changed"              // sent to the old and the new address
	KindMFAAdded                 = "mfa_added"                  // a second factor was added
	KindMFARemoved               = "mfa_removed"                // a second factor was removed
	KindRecoveryCodeUsed         = "recovery_code_used"         // a recovery code signed someone in
	KindRecoveryCodesRegenerated = "recovery_codes_regenerated" // the old codes stopped working
	KindMFAFailures              = "mfa_failures"               // wrong second-factor codes: someone may know the password
	KindPasskeyAdded             = "passkey_added"
	KindPasskeyRemoved           = "passkey_removed"
	KindTokenCreated             = "token_created"      // an API token was created
	KindNewDevice                = "new_device"         // a sign-in from a device not seen before
	KindPackagePublished         = "package_published"  // to every maintainer of the package
	KindOwnerAdded               = "owner_added"        // to every owner, the new one included
	KindOwnerRemoved             = "owner_removed"      // to every owner, the removed one included
	KindRecoveryStarted          = "recovery_started"   // an admin started an assisted recovery; link to cancel
	KindRecoveryCancelled        = "recovery_cancelled" // the assisted recovery was cancelled
	KindRecoveryCompleted        = "recovery_completed" // second factors removed; a reset link follows
	// KindEmailChangeRequested goes to the current address when a change
	// to another is asked for: the link goes only to the new one.
	KindEmailChangeRequested = "email_change_requested"
	KindSignupAttempt        = "signup_attempt" // someone signed up with an address another account verified
	// KindPackageCritical goes to every maintainer of a package that
	// became critical: what it means, how to add a security key, and
	// the deadline.
	KindPackageCritical = "package_critical"
	// KindTrustChanged goes to every owner when a package's trusted
	// publishers or its trusted-only policy change; Reason says what.
	KindTrustChanged = "trust_changed"
	// KindTokenLeaked goes to the owner of an API token found where
	// others can read it, which was revoked: where, and what to do.
	KindTokenLeaked = "token_leaked"
	// KindPackageStage goes to every maintainer of a package when one of
	// its versions is staged, approved, rejected or expires, and when its
	// staged-publishing policy changes (Stage says which).
	KindPackageStage = "package_stage"
	// KindOrgChanged goes to an organisation's owners, and to the user
	// a change affects: members, roles, teams, grants (Org, Change,
	// Actor; PackageURL is the org's page).
	KindOrgChanged = "org_changed"
	// KindProvenancePolicy goes to every owner when one changes the
	// package's provenance continuity policy (Reason: the new policy);
	// KindProvenanceRefused when a publish that broke continuity was
	// refused (Reason: what was expected and what came).
	KindProvenancePolicy  = "provenance_policy"
	KindProvenanceRefused = "provenance_refused"
	// The maintainers' notices of changes to a package's versions
	// (changes.go says what each needs).
	KindPackageUnpublished = "package_unpublished"
	KindPackageDeprecated  = "package_deprecated"
	KindDistTagChanged     = "dist_tag_changed"
	KindPackageQuarantined = "package_quarantined"
	KindPackageReleased    = "package_released"
	// KindPackageRemoved and KindPackageRestored: the registry's
	// moderators took a version down (for any reason, not only malware)
	// and brought it back.
	KindPackageRemoved  = "package_removed"
	KindPackageRestored = "package_restored"
	// KindModerationHold goes to the site's moderators and
	// administrators when the malware scan holds a version: Package,
	// Version, Reason, Actor and ActionURL (the moderation page).
	KindModerationHold = "moderation_hold"
)

// Kinds lists every kind Render knows.
func Kinds() []string { return slices.Clone(kinds) }

var kinds = []string{
	KindVerifyEmail, KindPasswordReset, KindPasswordChanged, KindPasswordBreached, KindEmailChanged,
	KindMFAAdded, KindMFARemoved, KindRecoveryCodeUsed, KindRecoveryCodesRegenerated, KindMFAFailures,
	KindPasskeyAdded, KindPasskeyRemoved, KindTokenCreated, KindNewDevice,
	KindPackagePublished, KindOwnerAdded, KindOwnerRemoved,
	KindRecoveryStarted, KindRecoveryCancelled, KindRecoveryCompleted,
	KindEmailChangeRequested,
	KindSignupAttempt,
	KindPackageCritical,
	KindTrustChanged,
	KindTokenLeaked,
	KindPackageStage,
	KindOrgChanged,
	KindProvenancePolicy, KindProvenanceRefused,
	KindPackageUnpublished, KindPackageDeprecated, KindDistTagChanged, KindPackageQuarantined, KindPackageReleased,
	KindPackageRemoved, KindPackageRestored,
	KindModerationHold,
	KindReportFiled, KindReportAnswered,
	KindUpstreamHold, KindUpstreamRefused,
}

// Notice is what the templates say. Which fields a kind needs is listed
// beside each field; Render refuses a Notice that lacks one.
//
// Free-text fields may come from users or their clients (a user agent, a
// token name, a package name): Render strips control characters, collapses
// white space and shortens them before they reach a subject or a body.
type Notice struct {
	// Site names the registry in the text, e.g. "Example Corp registry".
	// Default "Rampart".
	Site string
	// User is the account name of the recipient, for the greeting. Optional.
	User string
	// When the thing happened (or was asked for). Required.
	When time.Time
	// IP and UserAgent say where the request came from, when known.
	// KindNewDevice needs at least one of them.
	IP        string
	UserAgent string

	// SecurityURL is the account security page, where a user who did not
	// do this can act. Required by every kind but KindVerifyEmail.
	SecurityURL string
	// ActionURL carries the one-time token; ExpiresIn is how long it works.
	// KindVerifyEmail, KindPasswordReset and KindRecoveryStarted (the
	// cancel link; ExpiresIn is then the waiting period).
	ActionURL string
	ExpiresIn time.Duration

	// OldEmail and NewEmail: KindEmailChanged; NewEmail (with ExpiresIn,
	// the link's lifetime): KindEmailChangeRequested.
	OldEmail, NewEmail string
	// Method is the second factor, e.g. "authenticator app (TOTP)":
	// KindMFAAdded, KindMFARemoved.
	Method string
	// Credential is the passkey's name: KindPasskeyAdded, KindPasskeyRemoved.
	Credential string
	// RemainingCodes is how many recovery codes are left: KindRecoveryCodeUsed.
	RemainingCodes int
	// FailedCodes is how many wrong second-factor codes were entered in a
	// row: KindMFAFailures.
	FailedCodes int
	// TokenName, TokenScope and TokenExpires describe a new API token
	// (never its value): KindTokenCreated, all optional.
	TokenName    string
	TokenScope   string
	TokenExpires time.Time

	// Package and, for KindPackagePublished, Version and PackageURL (optional).
	Package    string
	Version    string
	PackageURL string
	// Actor is who published, or who changed the owners: a user name or a
	// trusted publisher. KindPackagePublished, KindOwnerAdded, KindOwnerRemoved.
	Actor string
	// Via is how Actor was signed in, e.g. `API token rmp_AbCd ("ci")`,
	// so that a maintainer can tell which credential to revoke. Optional;
	// KindPackagePublished, KindOwnerAdded, KindOwnerRemoved.
	Via string
	// Owner is the owner added or removed: KindOwnerAdded, KindOwnerRemoved.
	Owner string
	// Reason says why a package became critical, and KeyRequiredFrom
	// when TOTP alone stops being enough for it (zero: at once):
	// KindPackageCritical, which also needs Package. Its SecurityURL is
	// the page where a security key is added.
	Reason          string
	KeyRequiredFrom time.Time
	// FoundAt says where a leaked token was found: a URL a scanner
	// reported, or the package, version and file of an upload; TokenName
	// names the token by mask and name. KindTokenLeaked needs FoundAt.
	FoundAt string
	// Stage is what happened to a staged version ("staged", "approved",
	// "rejected", "expired") or "policy" for a policy change; StageID the
	// stage's id, Tag the dist-tag it moves, ActionURL where it is
	// reviewed, Policy the new policy, ExpiresIn how long a staged
	// version waits, Reason why it was staged: KindPackageStage, with
	// Package (and Version but for "policy").
	Stage, StageID, Tag, Policy string
	// Org is the organisation changed and Change what happened to it, a
	// sentence ("bob was added as admin"): KindOrgChanged.
	Org, Change string
	// VersionChanges describes the package notices of changes to
	// versions (changes.go).
	VersionChanges
	// ReportNotice describes the report notices (reports.go).
	ReportNotice
	// UpstreamNotice describes the upstream notices (upstream.go).
	UpstreamNotice
}

// ErrInvalidNotice marks a Notice that Render cannot turn into a mail.
var ErrInvalidNotice = errors.New("invalid notice")

//go:embed templates/*.tmpl
var templateFS embed.FS

var templates = parseTemplates()

func parseTemplates() map[string]*template.Template {
	funcs := template.FuncMap{
		"when":   formatTime,
		"expiry": formatDuration,
		"day":    formatDay,
		"list":   formatList,
		"wrap":   wrapText,
	}
	ts := make(map[string]*template.Template, len(kinds))
	for _, k := range kinds {
		ts[k] = template.Must(template.New(k).Funcs(funcs).
			ParseFS(templateFS, "templates/common.tmpl", "templates/"+k+".tmpl"))
	}
	return ts
}

// Render fills the template for kind with n and returns the subject, the
// plain-text body and the links in the body, in order: the action link
// first, then the package page, then the account security page.
func Render(kind string, n Notice) (subject, text string, links []string, err error) {
	t, ok := templates[kind]
	if !ok {
		return "", "", nil, fmt.Errorf("%w: unknown kind %q", ErrInvalidNotice, kind)
	}
	n = n.clean()
	if err := n.check(kind); err != nil {
		return "", "", nil, err
	}
	var sb, tb strings.Builder
	if err := t.ExecuteTemplate(&sb, "subject", n); err != nil {
		return "", "", nil, fmt.Errorf("mail: render %s subject: %w", kind, err)
	}
	if err := t.ExecuteTemplate(&tb, "text", n); err != nil {
		return "", "", nil, fmt.Errorf("mail: render %s text: %w", kind, err)
	}
	subject = strings.TrimSpace(sb.String())
	if subject == "" || hasControl(subject) {
		return "", "", nil, fmt.Errorf("mail: render %s: subject %q is empty or has a line break", kind, subject)
	}
	text = strings.TrimSpace(tb.String()) + "\n"
	for _, u := range []string{n.ActionURL, n.PackageURL, n.SecurityURL} {
		if u != "" && strings.Contains(text, u) {
			links = append(links, u)
		}
	}
	return subject, text, links, nil
}

// NewMessage renders kind with n into a Message for the given recipients.
func NewMessage(kind string, to []string, n Notice) (Message, error) {
	subject, text, links, err := Render(kind, n)
	if err != nil {
		return Message{}, err
	}
	return Message{To: to, Subject: subject, Text: text, Links: links, Kind: kind}, nil
}

// SendTimeout bounds the delivery of one notice to one address.
const SendTimeout = time.Minute

// SendNotice renders kind with n for the one address to and hands it to
// m, within SendTimeout whatever ctx allows (a notice goes out even after
// the request that caused it was answered).
func SendNotice(ctx context.Context, m Mailer, kind, to string, n Notice) error {
	msg, err := NewMessage(kind, []string{to}, n)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), SendTimeout)
	defer cancel()
	return m.Send(ctx, msg)
}

// Lengths above which free text is shortened.
const (
	maxShortText = 128 // names, versions, methods, IP addresses
	maxLongText  = 256 // user agents
)

// clean returns a copy of n whose free text cannot break a line or run
// on for pages.
func (n Notice) clean() Notice {
	for _, f := range []*string{&n.Site, &n.User, &n.IP, &n.OldEmail, &n.NewEmail, &n.Method,
		&n.Credential, &n.TokenName, &n.TokenScope, &n.Package, &n.Version, &n.Actor, &n.Via, &n.Owner, &n.Reason, &n.Stage, &n.StageID, &n.Tag, &n.Policy,
		&n.Org, &n.Change} {
		*f = cleanText(*f, maxShortText)
	}
	n.UserAgent = cleanText(n.UserAgent, maxLongText)
	n.FoundAt = cleanText(n.FoundAt, maxLongText)
	n.VersionChanges = n.VersionChanges.clean()
	n.ReportNotice = n.ReportNotice.clean()
	n.UpstreamNotice = n.UpstreamNotice.clean()
	if n.Site == "" {
		n.Site = "Rampart"
	}
	return n
}

// cleanText replaces control and formatting characters (line breaks,
// bidirectional overrides) with spaces, collapses runs of white space and
// cuts s to at most max runes.
func cleanText(s string, max int) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || unicode.IsSpace(r) {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) > max {
		s = string([]rune(s)[:max-1]) + "…"
	}
	return s
}

// check reports the first field kind needs that n lacks.
func (n Notice) check(kind string) error {
	missing := func(field string) error {
		return fmt.Errorf("%w: %s needs %s", ErrInvalidNotice, kind, field)
	}
	if n.When.IsZero() {
		return missing("When")
	}
	for _, f := range []struct{ name, url string }{
		{"ActionURL", n.ActionURL}, {"PackageURL", n.PackageURL}, {"SecurityURL", n.SecurityURL},
	} {
		if f.url == "" {
			continue
		}
		if err := checkURL(f.url); err != nil {
			return fmt.Errorf("%w: %s: %w", ErrInvalidNotice, f.name, err)
		}
	}
	if kind != KindVerifyEmail && n.SecurityURL == "" {
		return missing("SecurityURL")
	}
	switch kind {
	case KindVerifyEmail, KindPasswordReset, KindRecoveryStarted:
		if n.ActionURL == "" {
			return missing("ActionURL")
		}
		if n.ExpiresIn <= 0 {
			return missing("ExpiresIn")
		}
	case KindEmailChanged:
		if n.OldEmail == "" || n.NewEmail == "" {
			return missing("OldEmail and NewEmail")
		}
	case KindEmailChangeRequested:
		if n.NewEmail == "" || n.ExpiresIn <= 0 {
			return missing("NewEmail and ExpiresIn")
		}
	case KindMFAAdded, KindMFARemoved:
		if n.Method == "" {
			return missing("Method")
		}
	case KindPasskeyAdded, KindPasskeyRemoved:
		if n.Credential == "" {
			return missing("Credential")
		}
	case KindTokenLeaked:
		if n.FoundAt == "" {
			return missing("FoundAt")
		}
	case KindMFAFailures:
		if n.FailedCodes <= 0 {
			return missing("FailedCodes")
		}
	case KindSignupAttempt:
		if n.Actor == "" {
			return missing("Actor")
		}
	case KindNewDevice:
		if n.IP == "" && n.UserAgent == "" {
			return missing("IP or UserAgent")
		}
	case KindPackagePublished:
		if n.Package == "" || n.Version == "" || n.Actor == "" {
			return missing("Package, Version and Actor")
		}
	case KindOwnerAdded, KindOwnerRemoved:
		if n.Package == "" || n.Owner == "" || n.Actor == "" {
			return missing("Package, Owner and Actor")
		}
	case KindPackageCritical:
		if n.Package == "" || n.Reason == "" {
			return missing("Package and Reason")
		}
	case KindTrustChanged:
		if n.Package == "" || n.Reason == "" || n.Actor == "" {
			return missing("Package, Reason and Actor")
		}
	case KindPackageStage:
		switch {
		case n.Package == "" || n.Stage == "":
			return missing("Package and Stage")
		case n.Stage == "policy" && n.Policy == "":
			return missing("Policy")
		case n.Stage != "policy" && (n.Version == "" || n.StageID == ""):
			return missing("Version and StageID")
		}
	case KindOrgChanged:
		if n.Org == "" || n.Change == "" || n.Actor == "" {
			return missing("Org, Change and Actor")
		}
	case KindProvenancePolicy, KindProvenanceRefused:
		if n.Package == "" || n.Reason == "" || n.Actor == "" {
			return missing("Package, Reason and Actor")
		}
	case KindPackageUnpublished, KindPackageDeprecated, KindDistTagChanged, KindPackageQuarantined, KindPackageReleased:
		return n.checkChanges(kind, missing)
	case KindModerationHold:
		if n.Package == "" || n.Version == "" || n.Reason == "" || n.Actor == "" || n.ActionURL == "" {
			return missing("Package, Version, Reason, Actor and ActionURL")
		}
	case KindReportFiled, KindReportAnswered:
		return n.checkReport(kind, missing)
	case KindUpstreamHold, KindUpstreamRefused:
		return n.checkUpstream(missing)
	}
	return nil
}

// checkURL accepts an absolute http or https URL with nothing in it that
// could end a line or hide the end of the link.
func checkURL(s string) error {
	if s == "" || strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f || r > unicode.MaxASCII }) {
		return fmt.Errorf("URL %q is empty or contains spaces, control or non-ASCII characters", s)
	}
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("URL %q: %w", s, err)
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("URL %q is not an absolute http or https URL", s)
	}
	return nil
}

// formatTime writes t in UTC, with the zone spelled out, so it reads the
// same wherever the recipient is.
// formatDay writes the date of t, for a subject line: "2 January 2006".
func formatDay(t time.Time) string { return t.UTC().Format("2 January 2006") }

func formatTime(t time.Time) string {
	return t.UTC().Format("Monday, 2 January 2006 at 15:04 MST")
}

// formatDuration writes d for people: "30 minutes", "1 hour", "7 days".
func formatDuration(d time.Duration) string {
	d = d.Round(time.Minute)
	plural := func(n int64, unit string) string {
		if n == 1 {
			return "1 " + unit
		}
		return fmt.Sprintf("%d %ss", n, unit)
	}
	day := 24 * time.Hour
	switch {
	case d >= 2*day && d%day == 0:
		return plural(int64(d/day), "day")
	case d >= time.Hour && d%time.Hour == 0:
		return plural(int64(d/time.Hour), "hour")
	case d >= time.Hour:
		return plural(int64(d/time.Hour), "hour") + " " + plural(int64(d%time.Hour/time.Minute), "minute")
	case d >= time.Minute:
		return plural(int64(d/time.Minute), "minute")
	default:
		return "less than a minute"
	}
}
