package mail_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	rmail "github.com/rampart/rampart/internal/mail"
	"github.com/rampart/rampart/internal/testpeers/smtpd"
)

const (
	securityURL = "https://registry.example/-/account/security"
	actionURL   = "https://registry.example/-/verify?token=Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFy"
	packageURL  = "https://registry.example/package/left-pad"
)

var when = time.Date(2026, 11, 22, 10, 4, 0, 0, time.UTC)

// sample is a Notice with every field a kind may need.
func sample() rmail.Notice {
	return rmail.Notice{
		Site: "Example registry", User: "alice", When: when,
		IP: "203.0.113.7", UserAgent: "npm/11.0.0 node/v24.1.0 linux x64",
		SecurityURL: securityURL, ActionURL: actionURL, ExpiresIn: 24 * time.Hour,
		OldEmail: "alice@old.example", NewEmail: "alice@new.example",
		Method: "authenticator app (TOTP)", Credential: "YubiKey 5C",
		RemainingCodes: 7, FailedCodes: 6,
		TokenName: "ci-publish", TokenScope: "publish", TokenExpires: when.Add(30 * 24 * time.Hour),
		Package: "left-pad", Version: "1.3.0", PackageURL: packageURL,
		Actor: "bob", Owner: "carol",
		Reason: "among the most downloaded", KeyRequiredFrom: when.Add(14 * 24 * time.Hour),
		FoundAt: "package left-pad@1.3.0, file package/.npmrc",
		Stage:   "staged", StageID: "0b7c2a4e-1111-4222-8333-444455556666", Tag: "latest",
		Org: "acme", Change: "carol was added as owner",
		ReportNotice:   rmail.ReportNotice{Category: "spam", Count: 2, Description: "links to a casino", Reply: "removed, thanks", Outcome: "actioned"},
		UpstreamNotice: rmail.UpstreamNotice{Upstream: "public", Integrity: "sha512-AAAA"},
		VersionChanges: rmail.VersionChanges{
			Versions: []string{"1.2.0", "1.2.1"}, FromVersion: "1.2.9",
			Deprecations: []rmail.Deprecation{
				{Message: "use 2.x", Versions: []string{"1.2.0", "1.2.1"}},
				{Message: "", Versions: []string{"1.1.0"}},
			},
		},
	}
}

// What each kind must say, beyond the common parts.
var mustSay = map[string][]string{
	rmail.KindVerifyEmail:              {actionURL, "24 hours"},
	rmail.KindPasswordReset:            {actionURL, "24 hours", securityURL},
	rmail.KindPasswordChanged:          {"password", securityURL},
	rmail.KindPasswordBreached:         {"data breach", securityURL},
	rmail.KindEmailChanged:             {"alice@old.example", "alice@new.example", securityURL},
	rmail.KindMFAAdded:                 {"authenticator app (TOTP)", securityURL},
	rmail.KindMFARemoved:               {"authenticator app (TOTP)", securityURL},
	rmail.KindRecoveryCodeUsed:         {"7 recovery codes left", securityURL},
	rmail.KindRecoveryCodesRegenerated: {"no longer work", securityURL},
	rmail.KindMFAFailures:              {"6 wrong codes in a row", "may know your password", securityURL},
	rmail.KindPasskeyAdded:             {"YubiKey 5C", securityURL},
	rmail.KindPasskeyRemoved:           {"YubiKey 5C", securityURL},
	rmail.KindTokenCreated:             {"ci-publish", "publish", "Expires:", securityURL},
	rmail.KindNewDevice:                {securityURL},
	rmail.KindPackagePublished:         {"left-pad", "1.3.0", "bob", packageURL, securityURL},
	rmail.KindOwnerAdded:               {"left-pad", "carol", "bob", securityURL},
	rmail.KindOwnerRemoved:             {"left-pad", "carol", "bob", securityURL},
	rmail.KindRecoveryStarted:          {actionURL, "24 hours", "cancel", securityURL},
	rmail.KindRecoveryCancelled:        {"cancelled", securityURL},
	rmail.KindRecoveryCompleted:        {"removed", "reset", securityURL},
	rmail.KindEmailChangeRequested:     {"alice@new.example", "24 hours", "Cancel", securityURL},
	rmail.KindSignupAttempt:            {"bob", "sign up", "nothing to do", securityURL},
	rmail.KindOrgChanged:               {"acme", "carol was added as owner", "bob", packageURL, securityURL},
	rmail.KindProvenancePolicy:         {"left-pad", "provenance", "among the most downloaded", "bob", securityURL},
	rmail.KindProvenanceRefused:        {"left-pad", "1.3.0", "refused", "among the most downloaded", "bob", securityURL},
	rmail.KindPackageCritical:          {"left-pad", "critical package", "among the most downloaded", "security key or passkey", "until", "Sunday, 6 December 2026", securityURL},
	rmail.KindTrustChanged:             {"left-pad", "among the most downloaded", "bob", "trusted publisher", securityURL},
	rmail.KindTokenLeaked:              {"has been revoked", "Found at: package left-pad@1.3.0, file package/.npmrc", "npm token create", securityURL},
	rmail.KindPackageStage: {"left-pad", "1.3.0", "staged", "awaiting approval", "0b7c2a4e-1111-4222-8333-444455556666",
		"npm stage approve 0b7c2a4e-1111-4222-8333-444455556666 --otp=<code>", actionURL, "within 24 hours", securityURL},
	rmail.KindPackageUnpublished: {"left-pad", "Versions:       1.2.0, 1.2.1", "Unpublished by: bob", "can never be used again", packageURL, securityURL},
	rmail.KindPackageDeprecated: {"left-pad", "Deprecated:  1.2.0, 1.2.1", `Message:     use 2.x`, "No longer deprecated: 1.1.0",
		"Changed by: bob", "npm deprecate", packageURL, securityURL},
	rmail.KindDistTagChanged: {"left-pad", "Tag:        latest", "Now:        1.3.0", "Was:        1.2.9", "Changed by: bob",
		"npm dist-tag add left-pad@<version> latest", packageURL, securityURL},
	rmail.KindPackageQuarantined: {"left-pad", "Version:        1.3.0", "Why:            among the most downloaded", "Quarantined by: bob",
		"Nobody can install it", packageURL, securityURL},
	rmail.KindPackageReleased: {"left-pad", "Version:     1.3.0", "Why:         among the most downloaded", "Released by: bob",
		"everyone can install it again", packageURL, securityURL},
	rmail.KindPackageRemoved: {"left-pad", "Version:    1.3.0", "Why:        among the most downloaded", "Removed by: bob",
		"taken down", "Nobody can install it", "restore", packageURL, securityURL},
	rmail.KindPackageRestored: {"left-pad", "Version:     1.3.0", "Why:         among the most downloaded", "Restored by: bob",
		"everyone can install it again", packageURL, securityURL},
	rmail.KindModerationHold: {"left-pad", "Version:        1.3.0", "Why:            among the most downloaded", "Quarantined by: bob",
		"waiting for a moderator's review", "confirm it as", actionURL},
	rmail.KindUpstreamHold: {"Package:   left-pad", "Version:   1.3.0", "Upstream:  public", "Integrity: sha512-AAAA", "Why:       among the most downloaded",
		"proxied from an upstream registry", "Nobody can install it", actionURL},
	rmail.KindUpstreamRefused: {"Package:   left-pad", "Version:   1.3.0", "Upstream:  public", "Integrity: sha512-AAAA", "Why:       among the most downloaded",
		"does not verify", "refused it for good", actionURL},
	rmail.KindReportFiled:    {"left-pad", "1.3.0", "Why:         spam", "Reporters:   2", "Reported by: bob", "links to a casino", actionURL, "moderation queue"},
	rmail.KindReportAnswered: {"left-pad@1.3.0", "acted on your report", "Moderator: bob", "removed, thanks", packageURL},
}

var wantLinks = map[string][]string{
	rmail.KindVerifyEmail:        {actionURL, securityURL},
	rmail.KindPasswordReset:      {actionURL, securityURL},
	rmail.KindPackagePublished:   {packageURL, securityURL},
	rmail.KindRecoveryStarted:    {actionURL, securityURL},
	rmail.KindPackageCritical:    {packageURL, securityURL},
	rmail.KindPackageStage:       {actionURL, securityURL},
	rmail.KindOrgChanged:         {packageURL, securityURL},
	rmail.KindProvenancePolicy:   {packageURL, securityURL},
	rmail.KindProvenanceRefused:  {packageURL, securityURL},
	rmail.KindPackageUnpublished: {packageURL, securityURL},
	rmail.KindPackageDeprecated:  {packageURL, securityURL},
	rmail.KindDistTagChanged:     {packageURL, securityURL},
	rmail.KindPackageQuarantined: {packageURL, securityURL},
	rmail.KindPackageReleased:    {packageURL, securityURL},
	rmail.KindPackageRemoved:     {packageURL, securityURL},
	rmail.KindPackageRestored:    {packageURL, securityURL},
	rmail.KindModerationHold:     {actionURL},
	rmail.KindReportFiled:        {actionURL},
	rmail.KindUpstreamHold:       {actionURL},
	rmail.KindUpstreamRefused:    {actionURL},
	rmail.KindReportAnswered:     {packageURL, securityURL},
}

func TestRenderEveryKind(t *testing.T) {
	if len(rmail.Kinds()) != len(mustSay) {
		t.Fatalf("%d kinds, but the test knows %d", len(rmail.Kinds()), len(mustSay))
	}
	for _, kind := range rmail.Kinds() {
		t.Run(kind, func(t *testing.T) {
			subject, text, links, err := rmail.Render(kind, sample())
			if err != nil {
				t.Fatal(err)
			}
			if subject == "" || strings.ContainsAny(subject, "\r\n") {
				t.Errorf("subject %q is empty or has a line break", subject)
			}
			if !strings.Contains(subject, "Example registry") {
				t.Errorf("subject %q does not name the site", subject)
			}
			for _, s := range append(mustSay[kind],
				"Hello alice,",
				"When: Sunday, 22 November 2026 at 10:04 UTC", // when
				"IP address: 203.0.113.7",                     // from where
				"Browser or client: npm/11.0.0",
			) {
				if !strings.Contains(text, s) {
					t.Errorf("text lacks %q:\n%s", s, text)
				}
			}
			// A package becoming critical is no one's action, and a
			// report reaches moderators for others' actions: there is
			// no "if this was not you".
			// Nor is a moderator's alert: it asks for a review.
			if kind != rmail.KindVerifyEmail && kind != rmail.KindPackageCritical && kind != rmail.KindModerationHold && kind != rmail.KindReportFiled && kind != rmail.KindUpstreamHold && kind != rmail.KindUpstreamRefused && !strings.Contains(text, "If you did not") && !strings.Contains(text, "If this was not you") {
				t.Errorf("text does not say what to do if it was not the user:\n%s", text)
			}
			want := wantLinks[kind]
			if want == nil {
				want = []string{securityURL}
			}
			if !slices.Equal(links, want) {
				t.Errorf("links = %q, want %q", links, want)
			}
			for _, l := range links {
				if !strings.Contains(text, l) {
					t.Errorf("link %s not in text", l)
				}
			}
			for i, line := range strings.Split(text, "\n") {
				if len([]rune(line)) > 78 && !strings.HasPrefix(line, "http") {
					t.Errorf("line %d is %d characters long: %q", i+1, len([]rune(line)), line)
				}
			}
		})
	}
}

// Every kind goes through a real SMTP server, and the links come back out
// of the received mail.
func TestNoticesThroughSMTP(t *testing.T) {
	srv := smtpd.Start(t)
	m := newSMTP(t, plainConfig(srv))
	for _, kind := range rmail.Kinds() {
		to := strings.ReplaceAll(kind, "_", "-") + "@example.com"
		msg, err := rmail.NewMessage(kind, []string{to}, sample())
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Send(t.Context(), msg); err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		got := srv.WaitFor(t, to, wait)
		if got.Subject != msg.Subject {
			t.Errorf("%s: subject %q, want %q", kind, got.Subject, msg.Subject)
		}
		if links := got.Links(); !slices.Equal(links, msg.Links) {
			t.Errorf("%s: links in the received mail = %q, want %q", kind, links, msg.Links)
		}
	}
}

func TestRenderOptionalParts(t *testing.T) {
	n := sample()
	n.Site, n.User, n.IP, n.UserAgent = "", "", "", ""
	_, text, _, err := rmail.Render(rmail.KindPasswordChanged, n)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"Hello,", "Rampart"} {
		if !strings.Contains(text, s) {
			t.Errorf("text lacks %q:\n%s", s, text)
		}
	}
	for _, s := range []string{"IP address", "Browser"} {
		if strings.Contains(text, s) {
			t.Errorf("text has %q without data:\n%s", s, text)
		}
	}

	n = sample()
	n.RemainingCodes = 0
	_, text, _, _ = rmail.Render(rmail.KindRecoveryCodeUsed, n)
	if !strings.Contains(text, "no recovery codes left") {
		t.Errorf("no codes left:\n%s", text)
	}
	n.RemainingCodes = 1
	_, text, _, _ = rmail.Render(rmail.KindRecoveryCodeUsed, n)
	if !strings.Contains(text, "1 recovery code left") {
		t.Errorf("one code left:\n%s", text)
	}

	n = sample()
	n.SecurityURL = ""
	_, _, links, err := rmail.Render(rmail.KindVerifyEmail, n)
	if err != nil || !slices.Equal(links, []string{actionURL}) {
		t.Errorf("verify_email without a security page: links %q, err %v", links, err)
	}
}

func TestRenderRefusesIncompleteNotices(t *testing.T) {
	tests := []struct {
		kind string
		edit func(*rmail.Notice)
		want string
	}{
		{"no_such_kind", func(*rmail.Notice) {}, "unknown kind"},
		{rmail.KindPasswordChanged, func(n *rmail.Notice) { n.When = time.Time{} }, "When"},
		{rmail.KindPasswordChanged, func(n *rmail.Notice) { n.SecurityURL = "" }, "SecurityURL"},
		{rmail.KindPasswordChanged, func(n *rmail.Notice) { n.SecurityURL = "/relative" }, "SecurityURL"},
		{rmail.KindPasswordChanged, func(n *rmail.Notice) { n.SecurityURL = "javascript:alert(1)" }, "SecurityURL"},
		{rmail.KindVerifyEmail, func(n *rmail.Notice) { n.ActionURL = "" }, "ActionURL"},
		{rmail.KindVerifyEmail, func(n *rmail.Notice) { n.ActionURL = actionURL + "\r\nBcc: x@evil.example" }, "ActionURL"},
		{rmail.KindPasswordReset, func(n *rmail.Notice) { n.ExpiresIn = 0 }, "ExpiresIn"},
		{rmail.KindEmailChanged, func(n *rmail.Notice) { n.NewEmail = "" }, "NewEmail"},
		{rmail.KindMFAAdded, func(n *rmail.Notice) { n.Method = "\r\n" }, "Method"},
		{rmail.KindPasskeyRemoved, func(n *rmail.Notice) { n.Credential = "" }, "Credential"},
		{rmail.KindMFAFailures, func(n *rmail.Notice) { n.FailedCodes = 0 }, "FailedCodes"},
		{rmail.KindNewDevice, func(n *rmail.Notice) { n.IP, n.UserAgent = "", "" }, "IP or UserAgent"},
		{rmail.KindPackagePublished, func(n *rmail.Notice) { n.Version = "" }, "Version"},
		{rmail.KindOwnerAdded, func(n *rmail.Notice) { n.Owner = "" }, "Owner"},
		{rmail.KindOwnerRemoved, func(n *rmail.Notice) { n.Actor = "" }, "Actor"},
		{rmail.KindPackageUnpublished, func(n *rmail.Notice) { n.Versions = nil }, "Versions or WholePackage"},
		{rmail.KindPackageUnpublished, func(n *rmail.Notice) { n.Actor = "" }, "Actor"},
		{rmail.KindPackageDeprecated, func(n *rmail.Notice) { n.Deprecations = nil }, "Deprecations"},
		{rmail.KindPackageDeprecated, func(n *rmail.Notice) { n.Deprecations = []rmail.Deprecation{{Message: "x"}} }, "Versions"},
		{rmail.KindDistTagChanged, func(n *rmail.Notice) { n.Tag = "" }, "Tag"},
		{rmail.KindDistTagChanged, func(n *rmail.Notice) { n.Version, n.FromVersion = "", "" }, "Version or FromVersion"},
		{rmail.KindPackageQuarantined, func(n *rmail.Notice) { n.Reason = "" }, "Reason"},
		{rmail.KindPackageReleased, func(n *rmail.Notice) { n.Version = "" }, "Version"},
	}
	for _, tt := range tests {
		n := sample()
		tt.edit(&n)
		_, _, _, err := rmail.Render(tt.kind, n)
		if !errors.Is(err, rmail.ErrInvalidNotice) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want ErrInvalidNotice mentioning %q", tt.kind, err, tt.want)
		}
	}
}

// Free text from users and their clients cannot add lines to a mail.
func TestRenderNeutralisesUserText(t *testing.T) {
	n := sample()
	n.UserAgent = "curl/8\r\n\r\nSubject: you won\nhttps://evil.example/"
	n.Package = "left-pad\r\nBcc: victim@example.com"
	n.Actor = "mallory\u202e\u2028gnp.exe"
	n.User = strings.Repeat("a", 1000)

	subject, text, links, err := rmail.Render(rmail.KindPackagePublished, n)
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(subject, "\r\n") {
		t.Errorf("subject has a line break: %q", subject)
	}
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "Subject:") || strings.HasPrefix(line, "Bcc:") || strings.HasPrefix(line, "https://evil") {
			t.Errorf("user text started a line: %q", line)
		}
		if strings.ContainsAny(line, "\r\u202e\u2028") {
			t.Errorf("control or formatting character left in %q", line)
		}
	}
	if slices.Contains(links, "https://evil.example/") {
		t.Errorf("a URL from user text became a link: %q", links)
	}
	if strings.Contains(text, strings.Repeat("a", 200)) {
		t.Error("an overlong name was not shortened")
	}
}

func FuzzRenderNoInjection(f *testing.F) {
	f.Add("left-pad", "1.0.0", "bob", "curl/8", "alice")
	f.Add("a\r\nBcc: x@evil.example", "1\n2", "\u2028", "\x00\x1b[31m", "\xff\xfe")
	f.Fuzz(func(t *testing.T, pkg, version, actor, ua, user string) {
		n := sample()
		n.Package, n.Version, n.Actor, n.UserAgent, n.User = pkg, version, actor, ua, user
		for _, kind := range []string{rmail.KindPackagePublished, rmail.KindNewDevice} {
			msg, err := rmail.NewMessage(kind, []string{"alice@example.com"}, n)
			if err != nil {
				if errors.Is(err, rmail.ErrInvalidNotice) {
					continue // an empty field after cleaning
				}
				t.Fatalf("%s: %v", kind, err)
			}
			if err := msg.Validate(); err != nil {
				t.Fatalf("%s: rendered message does not validate: %v", kind, err)
			}
			if strings.ContainsAny(msg.Text, "\r\x00") {
				t.Fatalf("%s: text holds CR or NUL", kind)
			}
		}
	})
}
