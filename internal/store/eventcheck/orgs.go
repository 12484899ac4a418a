package eventcheck

import (
	"time"

	"github.com/rampart/rampart/internal/core"
)

// The classes of store.Orgs, kept beside their wrappers so that the org
// area adds to Methods without touching the other roles' rows.
func init() {
	for name, r := range map[string]Rule{
		"CreateOrg":         {Security, "a scope is taken by an organisation"},
		"OrgByName":         {Read, ""},
		"DeleteOrg":         {Security, "an organisation ends; its members lose their power"},
		"SetOrgMember":      {Security, "who manages the org, its teams and grants"},
		"RemoveOrgMember":   {Security, "as SetOrgMember"},
		"OrgMembers":        {Read, ""},
		"OrgsOfUser":        {Read, ""},
		"CreateTeam":        {Security, "a team that grants can be given to"},
		"TeamByName":        {Read, ""},
		"DeleteTeam":        {Security, "its members lose its grants"},
		"Teams":             {Read, ""},
		"AddTeamMember":     {Security, "the member gains the team's grants"},
		"RemoveTeamMember":  {Security, "the member loses the team's grants"},
		"TeamMembers":       {Read, ""},
		"SetTeamGrant":      {Security, "who may read or publish a package"},
		"RemoveTeamGrant":   {Security, "as SetTeamGrant"},
		"TeamGrants":        {Read, ""},
		"PackageGrants":     {Read, ""},
		"UserPackageGrants": {Read, ""},
		"ScopePackages":     {Read, ""},
	} {
		Methods[name] = r
	}
}

func (c *checkedTx) CreateOrg(o *core.Org) error {
	c.try("CreateOrg")
	return c.did(c.Tx.CreateOrg(o))
}

func (c *checkedTx) DeleteOrg(orgID int64, at time.Time) error {
	c.try("DeleteOrg")
	return c.did(c.Tx.DeleteOrg(orgID, at))
}

func (c *checkedTx) SetOrgMember(orgID, userID int64, role core.OrgRole, at time.Time) error {
	c.try("SetOrgMember")
	return c.did(c.Tx.SetOrgMember(orgID, userID, role, at))
}

func (c *checkedTx) RemoveOrgMember(orgID, userID int64) error {
	c.try("RemoveOrgMember")
	return c.did(c.Tx.RemoveOrgMember(orgID, userID))
}

func (c *checkedTx) CreateTeam(t *core.Team) error {
	c.try("CreateTeam")
	return c.did(c.Tx.CreateTeam(t))
}

func (c *checkedTx) DeleteTeam(teamID int64) error {
	c.try("DeleteTeam")
	return c.did(c.Tx.DeleteTeam(teamID))
}

func (c *checkedTx) AddTeamMember(teamID, userID int64) error {
	c.try("AddTeamMember")
	return c.did(c.Tx.AddTeamMember(teamID, userID))
}

func (c *checkedTx) RemoveTeamMember(teamID, userID int64) error {
	c.try("RemoveTeamMember")
	return c.did(c.Tx.RemoveTeamMember(teamID, userID))
}

func (c *checkedTx) SetTeamGrant(teamID, packageID int64, perm core.Permission) error {
	c.try("SetTeamGrant")
	return c.did(c.Tx.SetTeamGrant(teamID, packageID, perm))
}

func (c *checkedTx) RemoveTeamGrant(teamID, packageID int64) error {
	c.try("RemoveTeamGrant")
	return c.did(c.Tx.RemoveTeamGrant(teamID, packageID))
}
