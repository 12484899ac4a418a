package store

import (
	"time"

	"github.com/rampart/rampart/internal/core"
)

// Orgs holds organisations, their members with a role, their teams, the
// teams' members and the teams' grants on packages.
//
// An org's name is unique forever: CreateOrg of a name already used, by
// a live or a deleted org, is a conflict. DeleteOrg marks the org
// deleted and removes its members, teams, team members and grants; the
// row stays (OrgByName still finds it, Deleted set) so that the name
// is never taken again. A team's name is unique within its org
// (conflict). Removing a member from an org removes them from its
// teams too. Deleting a team removes its members and grants. Lists are
// ordered by name (members by user name, grants by package name).
type Orgs interface {
	CreateOrg(o *core.Org) error // sets o.ID
	OrgByName(name string) (*core.Org, error)
	// DeleteOrg marks the org deleted at the given time and removes
	// everything hanging off it.
	DeleteOrg(orgID int64, at time.Time) error
	// SetOrgMember adds the user with role, or changes their role.
	SetOrgMember(orgID, userID int64, role core.OrgRole, at time.Time) error
	RemoveOrgMember(orgID, userID int64) error // not found if not a member
	OrgMembers(orgID int64) ([]core.OrgMembership, error)
	// OrgsOfUser lists the live orgs the user belongs to, by org name.
	OrgsOfUser(userID int64) ([]core.OrgMembership, error)

	CreateTeam(t *core.Team) error // sets t.ID
	TeamByName(orgID int64, name string) (*core.Team, error)
	DeleteTeam(teamID int64) error
	Teams(orgID int64) ([]core.Team, error)
	// AddTeamMember is idempotent; RemoveTeamMember of a non-member is
	// not found.
	AddTeamMember(teamID, userID int64) error
	RemoveTeamMember(teamID, userID int64) error
	TeamMembers(teamID int64) ([]core.User, error)

	// SetTeamGrant grants the team perm on the package, or changes it.
	SetTeamGrant(teamID, packageID int64, perm core.Permission) error
	RemoveTeamGrant(teamID, packageID int64) error // not found if none
	TeamGrants(teamID int64) ([]core.TeamGrant, error)
	// PackageGrants lists every team's grant on a package, by team name.
	PackageGrants(packageID int64) ([]core.TeamGrant, error)
	// UserPackageGrants is the strongest permission each user holds on
	// the package through their teams: the facts authorization needs.
	UserPackageGrants(packageID int64) (map[int64]core.Permission, error)
	// ScopePackages lists the names of the packages (unpublished ones
	// included) in an npm scope, "@scope/...", by name.
	ScopePackages(scope string) ([]string, error)
}
