package core

import "time"

// Org is an organisation: it owns the scope of its name (@acme), and its
// members act on the packages in that scope through their org role and
// their teams' grants (docs/orgs.md). A deleted org keeps its row, with
// DeletedAt set, so that its name (and scope) is never taken again.
type Org struct {
	ID        int64
	Name      string
	CreatedAt time.Time
	DeletedAt time.Time // zero while the org exists
}

// Deleted reports whether the org was deleted (its name stays held).
func (o *Org) Deleted() bool { return !o.DeletedAt.IsZero() }

// OrgRole is a member's role in an org. Roles are separate powers, not a
// ladder of publishing rights: none of them publishes anything by itself;
// only a team's grant does (authz/org.go).
type OrgRole string

const (
	// OrgOwner manages members (owners too), teams, grants and the org
	// itself, which only an owner may delete.
	OrgOwner OrgRole = "owner"
	// OrgAdmin manages teams and the packages' grants; not members.
	OrgAdmin OrgRole = "admin"
	// OrgMember publishes what their teams are granted (npm calls the
	// role "developer").
	OrgMember OrgRole = "member"
)

// Valid reports whether r is one of the three roles.
func (r OrgRole) Valid() bool { return r == OrgOwner || r == OrgAdmin || r == OrgMember }

// OrgMembership is one member of an org.
type OrgMembership struct {
	OrgID   int64
	OrgName string
	User    User
	Role    OrgRole
	AddedAt time.Time
}

// Team is a named group of an org's members (npm's @acme:developers),
// through which packages are granted.
type Team struct {
	ID          int64
	OrgID       int64
	Name        string
	Description string
	CreatedAt   time.Time
}

// DevelopersTeam is the team every org starts with (as on npm): its
// members may create packages in the org's scope, and become the new
// package's first maintainer.
const DevelopersTeam = "developers"

// Permission is what a team's grant allows on a package.
type Permission string

const (
	PermNone      Permission = ""
	PermReadOnly  Permission = "read-only"  // read a restricted package
	PermReadWrite Permission = "read-write" // and publish, deprecate, dist-tags, unpublish
)

// Valid reports whether p is a grant's permission.
func (p Permission) Valid() bool { return p == PermReadOnly || p == PermReadWrite }

// Max returns the stronger of p and q.
func (p Permission) Max(q Permission) Permission {
	if p == PermReadWrite || q == PermReadWrite {
		return PermReadWrite
	}
	if p == PermReadOnly || q == PermReadOnly {
		return PermReadOnly
	}
	return PermNone
}

// TeamGrant is a team's permission on one package.
type TeamGrant struct {
	TeamID     int64
	Team       string
	PackageID  int64
	Package    string
	Permission Permission
}

// Org event types.
const (
	EventOrgCreate       = "org.create"
	EventOrgDelete       = "org.delete"
	EventOrgMemberSet    = "org.member_set"    // a member was added, or their role changed
	EventOrgMemberRemove = "org.member_remove" // a member left or was removed
	EventTeamCreate      = "org.team_create"
	EventTeamDelete      = "org.team_delete"
	EventTeamMemberAdd   = "org.team_member_add"
	EventTeamMemberRm    = "org.team_member_remove"
	EventTeamGrant       = "org.team_grant"  // a team was granted a package, or its permission changed
	EventTeamRevoke      = "org.team_revoke" // a team's grant on a package was removed

	EventSiteRole = "account.site_role" // a site role (moderator) was granted or revoked
)
