package authz_test

import (
	"slices"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
)

// The org matrix: every role (org owner, org admin, a member in a
// read-write team, a member in a read-only team, a member in no team,
// a non-member, a site moderator, a site administrator, anonymous) ×
// every action on an org package and on the org, with the set of roles
// allowed. Anything else allowed is an escalation; anything else refused
// is a broken feature.

var orgNow = time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)

var (
	oOwner    = &core.User{ID: 101, Name: "owen", EmailVerified: true}
	oAdmin    = &core.User{ID: 102, Name: "ada", EmailVerified: true}
	oWriter   = &core.User{ID: 103, Name: "wes", EmailVerified: true} // in developers and writers (read-write)
	oReader   = &core.User{ID: 104, Name: "rae", EmailVerified: true} // in readers (read-only)
	oNoTeam   = &core.User{ID: 105, Name: "nat", EmailVerified: true}
	oOutsider = &core.User{ID: 106, Name: "otto", EmailVerified: true}
	oMod      = &core.User{ID: 107, Name: "moe", EmailVerified: true, Moderator: true}
	oSiteAdm  = &core.User{ID: 108, Name: "sam", EmailVerified: true, Admin: true}
	// pkgMaint maintains the org package (its creator).
	pkgMaint = &core.User{ID: 109, Name: "pat", EmailVerified: true}
)

const (
	rOwner    = "org owner"
	rAdmin    = "org admin"
	rWriter   = "member, read-write team"
	rReader   = "member, read-only team"
	rNoTeam   = "member, no team"
	rOutsider = "non-member"
	rMod      = "site moderator"
	rSiteAdm  = "site admin"
	rAnon     = "anonymous"
)

var orgRoles = []struct {
	name string
	user *core.User
}{
	{rOwner, oOwner}, {rAdmin, oAdmin}, {rWriter, oWriter}, {rReader, oReader}, {rNoTeam, oNoTeam},
	{rOutsider, oOutsider}, {rMod, oMod}, {rSiteAdm, oSiteAdm}, {rAnon, nil},
}

// acmeFacts are the org's facts, with the change asked for set by mod.
func acmeFacts(mod func(o *authz.OrgFacts)) *authz.OrgFacts {
	o := &authz.OrgFacts{
		Name: "acme",
		Roles: map[int64]core.OrgRole{
			oOwner.ID: core.OrgOwner, oAdmin.ID: core.OrgAdmin, oWriter.ID: core.OrgMember,
			oReader.ID: core.OrgMember, oNoTeam.ID: core.OrgMember, pkgMaint.ID: core.OrgMember,
		},
		Grants:   map[int64]core.Permission{oWriter.ID: core.PermReadWrite, oReader.ID: core.PermReadOnly},
		Creators: map[int64]bool{oWriter.ID: true},
	}
	if mod != nil {
		mod(o)
	}
	return o
}

func orgPkg(restricted bool) authz.Resource {
	return authz.Resource{Package: core.NPM("@acme/widget"), Maintainers: []core.User{*pkgMaint}, Restricted: restricted, Org: acmeFacts(nil)}
}

func orgChange(mod func(o *authz.OrgFacts)) authz.Resource {
	return authz.Resource{Org: acmeFacts(mod)}
}

var everyMember = []string{rOwner, rAdmin, rWriter, rReader, rNoTeam}

var orgColumns = []struct {
	name    string
	action  authz.Action
	res     authz.Resource
	allowed []string
}{
	{"read restricted package", authz.ReadPackage, orgPkg(true), []string{rOwner, rAdmin, rWriter, rReader}},
	{"create package in scope", authz.CreatePackage, authz.Resource{Package: core.NPM("@acme/new"), Org: acmeFacts(nil)}, []string{rWriter}},
	{"publish", authz.PublishVersion, orgPkg(false), []string{rWriter}},
	{"unpublish", authz.Unpublish, orgPkg(false), []string{rWriter}},
	{"deprecate", authz.Deprecate, orgPkg(false), []string{rWriter}},
	{"dist-tag", authz.SetDistTags, orgPkg(false), []string{rWriter}},
	{"owner change", authz.ChangeOwners, orgPkg(false), []string{rOwner, rAdmin}},
	{"access change", authz.ChangeAccess, orgPkg(false), []string{rOwner, rAdmin}},
	// Staged publishing and trusted publishing on an org package:
	// staging and deciding a stage are publishing (a read-write grant);
	// the stage policy and the trusted publishers are the package's
	// settings (the org's owners and admins).
	{"stage a version", authz.StagePublish, orgPkg(false), []string{rWriter}},
	{"review staged versions", authz.ReviewStages, orgPkg(false), []string{rWriter}},
	{"approve a staged version", authz.ApproveStage, orgPkg(false), []string{rWriter}},
	{"reject a staged version", authz.RejectStage, orgPkg(false), []string{rWriter}},
	{"stage policy change", authz.SetStagePolicy, orgPkg(false), []string{rOwner, rAdmin}},
	{"trusted publishers change", authz.ManageTrust, orgPkg(false), []string{rOwner, rAdmin}},
	{"token for the scope", authz.CreateTokens, authz.Resource{Package: core.NPM("@acme/widget")}, []string{rOwner, rAdmin, rWriter, rReader, rNoTeam, rOutsider, rMod, rSiteAdm}},
	{"create org", authz.OrgCreate, authz.Resource{}, []string{rOwner, rAdmin, rWriter, rReader, rNoTeam, rOutsider, rMod, rSiteAdm}},
	{"list members and teams", authz.OrgRead, orgChange(nil), everyMember},
	{"add member", authz.OrgMembers, orgChange(func(o *authz.OrgFacts) { o.Target, o.NewRole = 999, core.OrgMember }), []string{rOwner}},
	{"add owner", authz.OrgMembers, orgChange(func(o *authz.OrgFacts) { o.Target, o.NewRole = 999, core.OrgOwner }), []string{rOwner}},
	{"change role", authz.OrgMembers, orgChange(func(o *authz.OrgFacts) {
		o.Target, o.TargetRole, o.NewRole = oNoTeam.ID, core.OrgMember, core.OrgAdmin
	}), []string{rOwner}},
	{"remove member", authz.OrgMembers, orgChange(func(o *authz.OrgFacts) { o.Target, o.TargetRole = pkgMaint.ID, core.OrgMember }), []string{rOwner}},
	{"delete org", authz.OrgDelete, orgChange(nil), []string{rOwner}},
	{"create team / add team member", authz.OrgTeams, orgChange(nil), []string{rOwner, rAdmin}},
	{"destroy team", authz.OrgTeamDelete, orgChange(nil), []string{rOwner, rAdmin}},
	{"grant read-only", authz.OrgGrants, orgChange(func(o *authz.OrgFacts) { o.Permission = core.PermReadOnly }), []string{rOwner, rAdmin}},
	{"grant read-write", authz.OrgGrants, orgChange(func(o *authz.OrgFacts) { o.Permission = core.PermReadWrite }), []string{rOwner, rAdmin}},
	{"revoke", authz.OrgGrants, orgChange(nil), []string{rOwner, rAdmin}},
	{"moderate", authz.Moderate, authz.Resource{}, []string{rMod, rSiteAdm}},
	{"administer accounts", authz.AdminUsers, authz.Resource{}, []string{rSiteAdm}},
	// otto is still in the maintainer list of the package but is not
	// (or no longer) a member of the org.
	{"publish as a former member", authz.PublishVersion, authz.Resource{Package: core.NPM("@acme/widget"), Maintainers: []core.User{*oOutsider}, Org: acmeFacts(nil)}, []string{rWriter}},
}

// orgPrincipal is u in a browser session that passed a security key a
// minute ago (so step-up and the administrators' key rule are met, and
// every refusal is one of role), or over an npm login token.
func orgPrincipal(u *core.User, token bool) authz.Principal {
	p := authz.Principal{User: u, Now: orgNow}
	if u == nil {
		return p
	}
	p.MFA, p.HasKey = true, true
	p.MFAVerifiedAt, p.PhishingResistantAt, p.SignedInAt = orgNow.Add(-time.Minute), orgNow.Add(-time.Minute), orgNow.Add(-time.Minute)
	if token {
		p.Token = sessionToken()
		p.Token.MFAVerifiedAt = p.MFAVerifiedAt
		// npm sends --otp: a good code, spent only if asked for.
		p.OTP = authz.NewOTPCheck(func() error { return nil })
	}
	return p
}

func TestOrgMatrix(t *testing.T) {
	for _, via := range []struct {
		name  string
		token bool
	}{{"browser", false}, {"npm login token with --otp", true}} {
		for _, col := range orgColumns {
			for _, role := range orgRoles {
				p := orgPrincipal(role.user, via.token)
				err := authz.Require(p, col.action, col.res)
				want := slices.Contains(col.allowed, role.name)
				if via.token && col.action == authz.AdminUsers {
					want = false // power over accounts needs a browser session
				}
				if want && err != nil {
					t.Errorf("%s: %s × %s: refused (%v), want allowed", via.name, role.name, col.name, err)
				}
				if !want && err == nil {
					t.Errorf("%s: %s × %s: ALLOWED, want refused (escalation)", via.name, role.name, col.name)
				}
				if !want && (authz.NeedsOTP(err) || core.KindOf(err) == core.KindOTPRequired) && role.user != nil {
					t.Errorf("%s: %s × %s: asks for a second factor (%v), want a refusal", via.name, role.name, col.name, err)
				}
			}
		}
	}
}

// TestOrgStepUp: the sensitive org changes need a fresh second factor
// (as owner changes do), the others do not; over npm, a one-time
// password.
func TestOrgStepUp(t *testing.T) {
	stale := orgPrincipal(oOwner, false)
	stale.MFAVerifiedAt = orgNow.Add(-time.Hour)
	for _, c := range []struct {
		name      string
		action    authz.Action
		res       authz.Resource
		sensitive bool
	}{
		{"add member", authz.OrgMembers, orgChange(func(o *authz.OrgFacts) { o.Target, o.NewRole = 999, core.OrgMember }), false},
		{"add owner", authz.OrgMembers, orgChange(func(o *authz.OrgFacts) { o.Target, o.NewRole = 999, core.OrgOwner }), true},
		{"change role", authz.OrgMembers, orgChange(func(o *authz.OrgFacts) {
			o.Target, o.TargetRole, o.NewRole = oNoTeam.ID, core.OrgMember, core.OrgAdmin
		}), true},
		{"remove an owner", authz.OrgMembers, orgChange(func(o *authz.OrgFacts) { o.Target, o.TargetRole = oAdmin.ID, core.OrgOwner }), true},
		{"create team", authz.OrgTeams, orgChange(nil), false},
		{"destroy team", authz.OrgTeamDelete, orgChange(nil), true},
		{"grant read-only", authz.OrgGrants, orgChange(func(o *authz.OrgFacts) { o.Permission = core.PermReadOnly }), false},
		{"grant read-write", authz.OrgGrants, orgChange(func(o *authz.OrgFacts) { o.Permission = core.PermReadWrite }), true},
		{"delete org", authz.OrgDelete, orgChange(nil), true},
	} {
		err := authz.Authorize(stale, c.action, c.res)
		if got := core.KindOf(err) == core.KindOTPRequired; got != c.sensitive || (err != nil && !got) {
			t.Errorf("%s from a session whose factor is an hour old: %v, want step-up %t", c.name, err, c.sensitive)
		}
		tok := orgPrincipal(oOwner, true)
		tok.OTP = nil
		if err := authz.Authorize(tok, c.action, c.res); !authz.NeedsOTP(err) {
			t.Errorf("%s over an npm token without --otp: %v, want a one-time password asked", c.name, err)
		}
	}
}

// TestOrgTokens: an API token limited to some packages, or without the
// manage action, cannot reach the org that owns them.
func TestOrgTokens(t *testing.T) {
	p := orgPrincipal(oOwner, true)
	for _, tk := range []*core.Token{
		apiToken(everyAction, "@acme/widget"),
		apiToken([]core.TokenAction{core.TokenRead, core.TokenPublish}),
	} {
		p.Token = tk
		if err := authz.Require(p, authz.OrgMembers, orgChange(func(o *authz.OrgFacts) { o.Target, o.NewRole = 999, core.OrgMember })); core.KindOf(err) != core.KindForbidden {
			t.Errorf("token %v: %v, want forbidden", tk.Packages, err)
		}
	}
	p.Token = apiToken(everyAction)
	if err := authz.Require(p, authz.OrgMembers, orgChange(func(o *authz.OrgFacts) { o.Target, o.NewRole = 999, core.OrgMember })); err != nil {
		t.Errorf("a token that manages every package: %v", err)
	}
}

// TestOrgLeaving: a member may leave an org, whatever their role.
func TestOrgLeaving(t *testing.T) {
	p := orgPrincipal(oNoTeam, false)
	if err := authz.Authorize(p, authz.OrgMembers, orgChange(func(o *authz.OrgFacts) { o.Target, o.TargetRole = oNoTeam.ID, core.OrgMember })); err != nil {
		t.Fatalf("leaving: %v", err)
	}
	// but not change their own role
	if err := authz.Authorize(p, authz.OrgMembers, orgChange(func(o *authz.OrgFacts) {
		o.Target, o.TargetRole, o.NewRole = oNoTeam.ID, core.OrgMember, core.OrgOwner
	})); err == nil {
		t.Fatal("a member made themselves owner")
	}
}

// TestModerateByToken: the moderation API takes the token of `npm login`
// of a moderator with a second factor, and a one-time password on every
// request; never an API token, never without the code.
func TestModerateByToken(t *testing.T) {
	mod := &core.User{ID: 9, Name: "mod", Moderator: true, EmailVerified: true}
	p := authz.Principal{User: mod, MFA: true, Token: &core.Token{Kind: core.TokenSession, Mask: "npm_…1"}}
	if err := authz.Authorize(p, authz.Moderate, authz.Resource{}); !authz.NeedsOTP(err) {
		t.Errorf("without a code: %v, want a one-time password asked for", err)
	}
	if err := authz.Require(withCode(p), authz.Moderate, authz.Resource{}); err != nil {
		t.Errorf("with a code: %v", err)
	}
	api := p
	api.Token = &core.Token{Kind: core.TokenAPI, Mask: "npm_…2", Actions: []core.TokenAction{core.TokenManage}}
	if err := authz.Require(withCode(api), authz.Moderate, authz.Resource{}); core.KindOf(err) != core.KindForbidden {
		t.Errorf("an API token: %v, want forbidden", err)
	}
	no2fa := p
	no2fa.MFA = false
	if err := authz.Require(withCode(no2fa), authz.Moderate, authz.Resource{}); core.KindOf(err) != core.KindForbidden {
		t.Errorf("without a second factor: %v, want forbidden", err)
	}
	user := p
	user.User = &core.User{ID: 10, Name: "bob", EmailVerified: true}
	if err := authz.Require(withCode(user), authz.Moderate, authz.Resource{}); core.KindOf(err) != core.KindForbidden {
		t.Errorf("a user: %v, want forbidden", err)
	}
}

func withCode(p authz.Principal) authz.Principal {
	p.OTP = authz.NewOTPCheck(func() error { return nil })
	return p
}
