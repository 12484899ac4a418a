package authz

import (
	"fmt"
	"slices"

	"github.com/rampart/rampart/internal/core"
)

// Organisations, teams and site roles (AUTHZ-2a: separate roles for
// managing users and publishing; docs/orgs.md).
//
// An org owns the scope of its name. Its members hold one role each,
// and roles are separate powers: owners manage members, teams, grants
// and the org; admins manage teams and grants; members manage nothing.
// None of the roles publishes by itself: publishing, deprecating,
// changing dist-tags and unpublishing an org package need a read-write
// grant through one of the member's teams (or being one of the
// package's maintainers, as for any package), and reading a restricted
// one a read-only grant at least. So a member who may publish cannot
// add members, and an owner who manages members cannot publish unless
// a team grants it. Creating a package in the org's scope is for the
// members of its developers team (core.DevelopersTeam).
//
// The site roles are administrators (core.User.Admin: accounts, names,
// critical packages) and moderators (core.User.Moderator: reports and
// quarantine, the Moderate action), who have no power over accounts.

// The organisation actions.
const (
	OrgCreate     Action = "org.create"      // create an org (any verified user)
	OrgRead       Action = "org.read"        // list its members, teams and grants
	OrgMembers    Action = "org.members"     // add or remove a member, change a role
	OrgDelete     Action = "org.delete"      // delete the org
	OrgTeams      Action = "org.teams"       // create a team, add or remove its members
	OrgTeamDelete Action = "org.team.delete" // destroy a team
	OrgGrants     Action = "org.grants"      // grant a team a package, or revoke it
	// Moderate is the moderators' power: reports and quarantine.
	Moderate Action = "site.moderate"
)

// OrgFacts is what Authorize knows of an org: for a package action, the
// org that owns the package's scope (nil if none); for an org action,
// the org acted on and the change asked for. The maps hold every
// member, so the facts do not depend on who asks.
type OrgFacts struct {
	Name string
	// Roles holds each member's role, by user id.
	Roles map[int64]core.OrgRole
	// Grants holds, for a package action, each user's strongest grant on
	// the package through their teams, by user id.
	Grants map[int64]core.Permission
	// Creators holds the members of the developers team, who may
	// create packages in the scope.
	Creators map[int64]bool

	// For OrgMembers: the user acted on (Target), their role now
	// ("" if not a member) and the role asked for ("" to remove them).
	Target     int64
	TargetRole core.OrgRole
	NewRole    core.OrgRole
	// For OrgGrants: the permission granted ("" to revoke).
	Permission core.Permission
}

// role is u's role in the org, "" if not a member.
func (o *OrgFacts) role(u *core.User) core.OrgRole {
	if o == nil || u == nil {
		return ""
	}
	return o.Roles[u.ID]
}

// grant is u's strongest grant on the package, only while a member.
func (o *OrgFacts) grant(u *core.User) core.Permission {
	if o.role(u) == "" {
		return core.PermNone
	}
	return o.Grants[u.ID]
}

// isOrgAction lists the actions authorizeOrg decides.
func isOrgAction(a Action) bool {
	switch a {
	case OrgCreate, OrgRead, OrgMembers, OrgDelete, OrgTeams, OrgTeamDelete, OrgGrants, Moderate:
		return true
	}
	return false
}

// mayActOnPackage reports whether u may take a package action through
// being a maintainer or through the org that owns the package's scope:
// a team grant for reads and writes, the org's owners and admins for
// the package's owners and access (they manage package access).
func mayActOnPackage(u *core.User, a Action, r Resource) bool {
	if r.Org == nil {
		return isMaintainer(u, r.Maintainers)
	}
	// In an org's scope a maintainer acts only while a member: leaving
	// the org (or being removed) ends every power over its packages at
	// once, whatever the maintainer list still says.
	if isMaintainer(u, r.Maintainers) && r.Org.role(u) != "" {
		return true
	}
	switch a {
	case ReadPackage:
		// Owners and admins manage the packages' access, so they see
		// what they grant.
		role := r.Org.role(u)
		if r.OrgPrivate && !r.Restricted && role != "" {
			return true // the read policy keeps it to the org's members
		}
		return r.Org.grant(u) != core.PermNone || role == core.OrgOwner || role == core.OrgAdmin
	case PublishVersion, Unpublish, Deprecate, SetDistTags:
		return r.Org.grant(u) == core.PermReadWrite
	case ChangeOwners, ChangeAccess, ManageTrust:
		role := r.Org.role(u)
		return role == core.OrgOwner || role == core.OrgAdmin
	}
	return false
}

// orgMayCreate decides the creation of a package in an org's scope:
// members of its developers team only.
func orgMayCreate(p Principal, r Resource) error {
	if r.Org == nil || r.Org.Creators[p.User.ID] && r.Org.role(p.User) != "" {
		return nil
	}
	if r.Org.role(p.User) == "" {
		return core.Errorf(core.KindForbidden, "the scope @%s belongs to the organisation %s, and you (%s) are not a member; ask one of its owners to add you (npm org set %s %s) and to put you in its %s team",
			r.Org.Name, r.Org.Name, p.User.Name, r.Org.Name, p.User.Name, core.DevelopersTeam)
	}
	return core.Errorf(core.KindForbidden, "only members of the team %s:%s may create packages in @%s/; ask an owner or admin of %s to add you (npm team add %s:%s %s)",
		r.Org.Name, core.DevelopersTeam, r.Org.Name, r.Org.Name, r.Org.Name, core.DevelopersTeam, p.User.Name)
}

// authorizeOrg decides the org actions and Moderate, for a signed-in
// user whose standing Authorize already checked.
func authorizeOrg(p Principal, a Action, r Resource) error {
	if t := p.Token; t != nil && a != OrgRead {
		if a == Moderate {
			return moderateByToken(p)
		}
		// An org is managed from a login session (npm login) or a token
		// made to manage packages for every package: a token limited to
		// some packages must not reach the org that owns them.
		if t.Kind == core.TokenAPI && (!slices.Contains(t.Actions, core.TokenManage) || len(t.Packages) > 0) {
			return core.Errorf(core.KindForbidden, "this API token (%s, %q) cannot manage organisations; use the token of `npm login`, or create one that manages every package", t.Mask, t.Name)
		}
	}
	if a == Moderate {
		return moderatePolicy(p)
	}
	if a == OrgCreate {
		if !p.User.EmailVerified && !p.Console {
			return core.Errorf(core.KindForbidden, "verify your email address first: follow the link mailed to %s, or request a new one at %s", MaskEmail(p.User.Email), p.accountPage(""))
		}
		return orgFactor(p, a, false)
	}
	o := r.Org
	role := o.role(p.User)
	if o == nil || role == "" {
		name := ""
		if o != nil {
			name = o.Name
		}
		return core.Errorf(core.KindForbidden, "you (%s) are not a member of the organisation %s", p.User.Name, name)
	}
	var need []core.OrgRole
	sensitive := false
	switch a {
	case OrgRead:
		return nil
	case OrgMembers:
		if o.Target == p.User.ID && o.NewRole == "" {
			return orgFactor(p, a, false) // anyone may leave (the last owner is kept by the service)
		}
		need = []core.OrgRole{core.OrgOwner}
		sensitive = o.NewRole == core.OrgOwner || o.TargetRole == core.OrgOwner ||
			(o.TargetRole != "" && o.NewRole != "" && o.NewRole != o.TargetRole)
	case OrgDelete:
		need, sensitive = []core.OrgRole{core.OrgOwner}, true
	case OrgTeams:
		need = []core.OrgRole{core.OrgOwner, core.OrgAdmin}
	case OrgTeamDelete:
		need, sensitive = []core.OrgRole{core.OrgOwner, core.OrgAdmin}, true
	case OrgGrants:
		need, sensitive = []core.OrgRole{core.OrgOwner, core.OrgAdmin}, o.Permission == core.PermReadWrite
	}
	if !slices.Contains(need, role) {
		return core.Errorf(core.KindForbidden, "you are a%s %s of %s; %s needs the role %s", article(string(role)), role, o.Name, describeOrg(a), joinRoles(need))
	}
	return orgFactor(p, a, sensitive)
}

// orgFactor applies the two-factor policy to an org change: required of
// everyone when the registry requires it; a sensitive change (an owner
// added or removed, a role changed, write access granted, an org or a
// team deleted) needs a fresh second factor, as an owner change does.
func orgFactor(p Principal, a Action, sensitive bool) error {
	if !p.MFA && p.Policy.RequireMFA {
		return core.Errorf(core.KindForbidden, "this registry requires two-factor authentication to manage organisations: enable it at %s", p.accountPage("mfa"))
	}
	if !sensitive || !p.MFA {
		return secondFactor(p, a)
	}
	if p.Token == nil {
		if p.Recent(p.MFAVerifiedAt) {
			return nil
		}
		return needOTP(p, wordsFor(StepUpMessage))
	}
	return needOTP(p, otpRequired)
}

// moderateByToken decides moderation through the moderation API
// (/-/rampart/v1/moderation/...): only with the token of `npm login` of
// a moderator or administrator who has a second factor, and with a
// one-time password on every request (npm's auth-and-writes). API tokens
// never moderate: CI holds them. Administrative power over accounts stays
// with the browser (AdminUsers).
func moderateByToken(p Principal) error {
	if !p.User.Moderator && !p.User.Admin {
		return core.Errorf(core.KindForbidden, "only the registry's moderators and administrators may do this")
	}
	if p.Token.Kind != core.TokenSession {
		return core.Errorf(core.KindForbidden, "moderation needs the token of `npm login` (with a one-time password on each request) or a signed-in browser session, not an API token (%s)", p.Token.Mask)
	}
	if !p.MFA {
		return core.Errorf(core.KindForbidden, "moderators need two-factor authentication: enable it at %s", p.accountPage("mfa"))
	}
	return needOTP(p, otpRequired)
}

// moderatePolicy lets administrators and moderators moderate, with the
// second factor administrators need (adminPolicy's rule).
func moderatePolicy(p Principal) error {
	if !p.User.Moderator && !p.User.Admin {
		return core.Errorf(core.KindForbidden, "only the registry's moderators and administrators may do this")
	}
	if p.Console {
		return nil
	}
	q := p
	u := *p.User
	u.Admin = true // the same factor rule as an administrator's
	q.User = &u
	return adminPolicy(q, Moderate)
}

func describeOrg(a Action) string {
	switch a {
	case OrgMembers:
		return "managing members"
	case OrgDelete:
		return "deleting the organisation"
	case OrgTeams:
		return "managing teams"
	case OrgTeamDelete:
		return "deleting a team"
	case OrgGrants:
		return "granting packages to teams"
	}
	return string(a)
}

func joinRoles(rs []core.OrgRole) string {
	if len(rs) == 1 {
		return string(rs[0])
	}
	return fmt.Sprintf("%s or %s", rs[0], rs[1])
}

func article(word string) string {
	if word != "" && (word[0] == 'a' || word[0] == 'o') {
		return "n"
	}
	return ""
}
