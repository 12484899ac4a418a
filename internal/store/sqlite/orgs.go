package sqlite

import (
	"time"

	"github.com/rampart/rampart/internal/core"
)

// ---- organisations, teams and grants (store.Orgs) ----

func (t *tx) CreateOrg(o *core.Org) error {
	res, err := t.exec(`INSERT INTO orgs (name, created_at, deleted_at) VALUES (?, ?, ?)`, o.Name, ms(o.CreatedAt), ms(o.DeletedAt))
	if err != nil {
		return conflict(err, "creating org %s", o.Name)
	}
	o.ID, err = res.LastInsertId()
	return err
}

func (t *tx) OrgByName(name string) (*core.Org, error) {
	var o core.Org
	var created, deleted int64
	err := t.row(`SELECT id, name, created_at, deleted_at FROM orgs WHERE name = ?`, name).Scan(&o.ID, &o.Name, &created, &deleted)
	if err != nil {
		return nil, notFound(err, "org %s", name)
	}
	o.CreatedAt, o.DeletedAt = fromMS(created), fromMS(deleted)
	return &o, nil
}

func (t *tx) DeleteOrg(orgID int64, at time.Time) error {
	for _, q := range []string{
		`DELETE FROM team_grants WHERE team_id IN (SELECT id FROM teams WHERE org_id = ?)`,
		`DELETE FROM team_members WHERE team_id IN (SELECT id FROM teams WHERE org_id = ?)`,
		`DELETE FROM teams WHERE org_id = ?`,
		`DELETE FROM org_members WHERE org_id = ?`,
	} {
		if _, err := t.exec(q, orgID); err != nil {
			return err
		}
	}
	res, err := t.exec(`UPDATE orgs SET deleted_at = ? WHERE id = ? AND deleted_at = 0`, ms(at), orgID)
	if err != nil {
		return err
	}
	return mustAffect(res, "org %d", orgID)
}

func (t *tx) SetOrgMember(orgID, userID int64, role core.OrgRole, at time.Time) error {
	_, err := t.exec(`INSERT INTO org_members (org_id, user_id, role, added_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (org_id, user_id) DO UPDATE SET role = excluded.role`, orgID, userID, string(role), ms(at))
	if err != nil {
		return conflict(err, "adding user %d to org %d", userID, orgID)
	}
	return nil
}

func (t *tx) RemoveOrgMember(orgID, userID int64) error {
	if _, err := t.exec(`DELETE FROM team_members WHERE user_id = ? AND team_id IN (SELECT id FROM teams WHERE org_id = ?)`, userID, orgID); err != nil {
		return err
	}
	res, err := t.exec(`DELETE FROM org_members WHERE org_id = ? AND user_id = ?`, orgID, userID)
	if err != nil {
		return err
	}
	return mustAffect(res, "member %d of org %d", userID, orgID)
}

// memberCols are the columns scanMembership reads.
var memberCols = `m.org_id, o.name, m.role, m.added_at, ` + prefixed("u.", userCols)

func scanMembership(sc interface{ Scan(...any) error }) (*core.OrgMembership, error) {
	var m core.OrgMembership
	var role string
	var added int64
	var verified, admin, compromised, moderator int
	var disabled, created int64
	u := &m.User
	if err := sc.Scan(&m.OrgID, &m.OrgName, &role, &added,
		&u.ID, &u.Name, &u.Email, &u.PasswordHash, &verified, &admin, &disabled, &created, &compromised, &moderator); err != nil {
		return nil, err
	}
	u.EmailVerified, u.Admin, u.PasswordCompromised, u.Moderator = verified == 1, admin == 1, compromised == 1, moderator == 1
	u.DisabledAt, u.CreatedAt = fromMS(disabled), fromMS(created)
	m.Role, m.AddedAt = core.OrgRole(role), fromMS(added)
	return &m, nil
}

func (t *tx) OrgMembers(orgID int64) ([]core.OrgMembership, error) {
	rows, err := t.query(`SELECT `+memberCols+` FROM org_members m JOIN orgs o ON o.id = m.org_id JOIN users u ON u.id = m.user_id
		WHERE m.org_id = ? ORDER BY u.name`, orgID)
	return collect(rows, err, scanMembership)
}

func (t *tx) OrgsOfUser(userID int64) ([]core.OrgMembership, error) {
	rows, err := t.query(`SELECT `+memberCols+` FROM org_members m JOIN orgs o ON o.id = m.org_id JOIN users u ON u.id = m.user_id
		WHERE m.user_id = ? AND o.deleted_at = 0 ORDER BY o.name`, userID)
	return collect(rows, err, scanMembership)
}

func (t *tx) CreateTeam(tm *core.Team) error {
	res, err := t.exec(`INSERT INTO teams (org_id, name, description, created_at) VALUES (?, ?, ?, ?)`, tm.OrgID, tm.Name, tm.Description, ms(tm.CreatedAt))
	if err != nil {
		return conflict(err, "creating team %s", tm.Name)
	}
	tm.ID, err = res.LastInsertId()
	return err
}

func scanTeam(sc interface{ Scan(...any) error }) (*core.Team, error) {
	var tm core.Team
	var created int64
	if err := sc.Scan(&tm.ID, &tm.OrgID, &tm.Name, &tm.Description, &created); err != nil {
		return nil, err
	}
	tm.CreatedAt = fromMS(created)
	return &tm, nil
}

func (t *tx) TeamByName(orgID int64, name string) (*core.Team, error) {
	tm, err := scanTeam(t.row(`SELECT id, org_id, name, description, created_at FROM teams WHERE org_id = ? AND name = ?`, orgID, name))
	if err != nil {
		return nil, notFound(err, "team %s", name)
	}
	return tm, nil
}

func (t *tx) DeleteTeam(teamID int64) error {
	for _, q := range []string{`DELETE FROM team_grants WHERE team_id = ?`, `DELETE FROM team_members WHERE team_id = ?`} {
		if _, err := t.exec(q, teamID); err != nil {
			return err
		}
	}
	res, err := t.exec(`DELETE FROM teams WHERE id = ?`, teamID)
	if err != nil {
		return err
	}
	return mustAffect(res, "team %d", teamID)
}

func (t *tx) Teams(orgID int64) ([]core.Team, error) {
	rows, err := t.query(`SELECT id, org_id, name, description, created_at FROM teams WHERE org_id = ? ORDER BY name`, orgID)
	return collect(rows, err, scanTeam)
}

func (t *tx) AddTeamMember(teamID, userID int64) error {
	_, err := t.exec(`INSERT INTO team_members (team_id, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING`, teamID, userID)
	if err != nil {
		return conflict(err, "adding user %d to team %d", userID, teamID)
	}
	return nil
}

func (t *tx) RemoveTeamMember(teamID, userID int64) error {
	res, err := t.exec(`DELETE FROM team_members WHERE team_id = ? AND user_id = ?`, teamID, userID)
	if err != nil {
		return err
	}
	return mustAffect(res, "member %d of team %d", userID, teamID)
}

func (t *tx) TeamMembers(teamID int64) ([]core.User, error) {
	rows, err := t.query(`SELECT `+prefixed("u.", userCols)+` FROM team_members m JOIN users u ON u.id = m.user_id WHERE m.team_id = ? ORDER BY u.name`, teamID)
	return collect(rows, err, scanUser)
}

func (t *tx) SetTeamGrant(teamID, packageID int64, perm core.Permission) error {
	_, err := t.exec(`INSERT INTO team_grants (team_id, package_id, permission) VALUES (?, ?, ?)
		ON CONFLICT (team_id, package_id) DO UPDATE SET permission = excluded.permission`, teamID, packageID, string(perm))
	if err != nil {
		return conflict(err, "granting package %d to team %d", packageID, teamID)
	}
	return nil
}

func (t *tx) RemoveTeamGrant(teamID, packageID int64) error {
	res, err := t.exec(`DELETE FROM team_grants WHERE team_id = ? AND package_id = ?`, teamID, packageID)
	if err != nil {
		return err
	}
	return mustAffect(res, "grant of package %d to team %d", packageID, teamID)
}

func scanGrant(sc interface{ Scan(...any) error }) (*core.TeamGrant, error) {
	var g core.TeamGrant
	var perm string
	if err := sc.Scan(&g.TeamID, &g.Team, &g.PackageID, &g.Package, &perm); err != nil {
		return nil, err
	}
	g.Permission = core.Permission(perm)
	return &g, nil
}

const grantQuery = `SELECT g.team_id, t.name, g.package_id, p.name, g.permission FROM team_grants g
	JOIN teams t ON t.id = g.team_id JOIN packages p ON p.id = g.package_id `

func (t *tx) TeamGrants(teamID int64) ([]core.TeamGrant, error) {
	rows, err := t.query(grantQuery+`WHERE g.team_id = ? ORDER BY p.name`, teamID)
	return collect(rows, err, scanGrant)
}

func (t *tx) PackageGrants(packageID int64) ([]core.TeamGrant, error) {
	rows, err := t.query(grantQuery+`WHERE g.package_id = ? ORDER BY t.name`, packageID)
	return collect(rows, err, scanGrant)
}

func (t *tx) UserPackageGrants(packageID int64) (map[int64]core.Permission, error) {
	rows, err := t.query(`SELECT m.user_id, g.permission FROM team_grants g JOIN team_members m ON m.team_id = g.team_id WHERE g.package_id = ?`, packageID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]core.Permission{}
	for rows.Next() {
		var id int64
		var perm string
		if err := rows.Scan(&id, &perm); err != nil {
			return nil, err
		}
		out[id] = out[id].Max(core.Permission(perm))
	}
	return out, rows.Err()
}

func (t *tx) ScopePackages(scope string) ([]string, error) {
	// LIKE would read "_" and "%" in the scope as wildcards: compare the
	// prefix exactly instead.
	prefix := "@" + scope + "/"
	rows, err := t.query(`SELECT name FROM packages WHERE ecosystem = 'npm' AND substr(name, 1, ?) = ? ORDER BY name`, len(prefix), prefix)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}
