// Package orgs is the conformance suite's cases for store.Orgs:
// organisations, their members and roles, teams, team members and the
// teams' grants on packages.
package orgs

import (
	"errors"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/storetest/suite"
)

// RunOrgs runs the cases of store.Orgs.
func RunOrgs(t *testing.T, open func(t *testing.T) store.Store) {
	suite.Cases(t, open, []suite.Test{
		{Name: "Members", F: testMembers},
		{Name: "Teams", F: testTeams},
		{Name: "Grants", F: testGrants},
		{Name: "DeleteKeepsTheName", F: testDelete},
		{Name: "ScopePackages", F: testScopePackages},
	})
}

func createOrg(t *testing.T, s store.Store, name string) *core.Org {
	t.Helper()
	o := &core.Org{Name: name, CreatedAt: suite.T0}
	suite.Write(t, s, func(tx store.Tx) error { return tx.CreateOrg(o) })
	if o.ID == 0 {
		t.Fatal("CreateOrg did not set the ID")
	}
	return o
}

func memberRoles(ms []core.OrgMembership) map[string]core.OrgRole {
	out := map[string]core.OrgRole{}
	for _, m := range ms {
		out[m.User.Name] = m.Role
	}
	return out
}

// testMembers: an org's name is unique; members are added with a role,
// their role changes in place, removing a non-member is not found, and
// OrgsOfUser lists the user's orgs.
func testMembers(t *testing.T, s store.Store) {
	alice, bob := suite.CreateUser(t, s, "alice"), suite.CreateUser(t, s, "bob")
	acme := createOrg(t, s, "acme")
	err := s.Update(t.Context(), func(tx store.Tx) error { return tx.CreateOrg(&core.Org{Name: "acme", CreatedAt: suite.T0}) })
	suite.WantErr(t, err, core.ErrConflict, "CreateOrg of a taken name")
	got := suite.Read(t, s, func(tx store.Tx) (*core.Org, error) { return tx.OrgByName("acme") })
	if got.ID != acme.ID || got.Name != "acme" || !suite.SameTime(got.CreatedAt, suite.T0) || got.Deleted() {
		t.Fatalf("OrgByName = %+v, want %+v", got, acme)
	}
	suite.WantNotFound(t, s, "OrgByName", func(tx store.Tx) (*core.Org, error) { return tx.OrgByName("nope") })

	suite.Write(t, s, func(tx store.Tx) error { return tx.SetOrgMember(acme.ID, alice.ID, core.OrgOwner, suite.At(time.Hour)) })
	suite.Write(t, s, func(tx store.Tx) error { return tx.SetOrgMember(acme.ID, bob.ID, core.OrgMember, suite.At(time.Hour)) })
	ms := suite.Read(t, s, func(tx store.Tx) ([]core.OrgMembership, error) { return tx.OrgMembers(acme.ID) })
	if want := map[string]core.OrgRole{"alice": core.OrgOwner, "bob": core.OrgMember}; !maps.Equal(memberRoles(ms), want) || ms[0].User.Name != "alice" {
		t.Fatalf("OrgMembers = %v, want %v by name", memberRoles(ms), want)
	}
	if ms[0].OrgName != "acme" || !suite.SameTime(ms[0].AddedAt, suite.At(time.Hour)) || ms[0].User.Email != alice.Email {
		t.Fatalf("OrgMembers[0] = %+v", ms[0])
	}
	suite.Write(t, s, func(tx store.Tx) error { return tx.SetOrgMember(acme.ID, bob.ID, core.OrgAdmin, suite.At(2*time.Hour)) })
	ms = suite.Read(t, s, func(tx store.Tx) ([]core.OrgMembership, error) { return tx.OrgMembers(acme.ID) })
	if memberRoles(ms)["bob"] != core.OrgAdmin || len(ms) != 2 {
		t.Fatalf("after a role change OrgMembers = %v, want bob admin", memberRoles(ms))
	}
	of := suite.Read(t, s, func(tx store.Tx) ([]core.OrgMembership, error) { return tx.OrgsOfUser(bob.ID) })
	if len(of) != 1 || of[0].OrgName != "acme" || of[0].Role != core.OrgAdmin {
		t.Fatalf("OrgsOfUser(bob) = %+v", of)
	}
	suite.Write(t, s, func(tx store.Tx) error { return tx.RemoveOrgMember(acme.ID, bob.ID) })
	err = s.Update(t.Context(), func(tx store.Tx) error { return tx.RemoveOrgMember(acme.ID, bob.ID) })
	suite.WantErr(t, err, core.ErrNotFound, "RemoveOrgMember of a non-member")
	if of := suite.Read(t, s, func(tx store.Tx) ([]core.OrgMembership, error) { return tx.OrgsOfUser(bob.ID) }); len(of) != 0 {
		t.Fatalf("OrgsOfUser(bob) after removal = %+v", of)
	}
}

// testTeams: team names are unique within an org, not across orgs;
// members are added idempotently; leaving the org leaves its teams;
// deleting a team removes it.
func testTeams(t *testing.T, s store.Store) {
	alice, bob := suite.CreateUser(t, s, "alice"), suite.CreateUser(t, s, "bob")
	acme, other := createOrg(t, s, "acme"), createOrg(t, s, "other")
	dev := &core.Team{OrgID: acme.ID, Name: "developers", Description: "d", CreatedAt: suite.T0}
	suite.Write(t, s, func(tx store.Tx) error { return tx.CreateTeam(dev) })
	suite.Write(t, s, func(tx store.Tx) error {
		return tx.CreateTeam(&core.Team{OrgID: other.ID, Name: "developers", CreatedAt: suite.T0})
	})
	err := s.Update(t.Context(), func(tx store.Tx) error {
		return tx.CreateTeam(&core.Team{OrgID: acme.ID, Name: "developers", CreatedAt: suite.T0})
	})
	suite.WantErr(t, err, core.ErrConflict, "CreateTeam of a taken name in the org")
	suite.Write(t, s, func(tx store.Tx) error {
		return tx.CreateTeam(&core.Team{OrgID: acme.ID, Name: "alpha", CreatedAt: suite.T0})
	})
	teams := suite.Read(t, s, func(tx store.Tx) ([]core.Team, error) { return tx.Teams(acme.ID) })
	if len(teams) != 2 || teams[0].Name != "alpha" || teams[1].Name != "developers" || teams[1].Description != "d" {
		t.Fatalf("Teams = %+v, want alpha, developers", teams)
	}
	got := suite.Read(t, s, func(tx store.Tx) (*core.Team, error) { return tx.TeamByName(acme.ID, "developers") })
	if got.ID != dev.ID || got.OrgID != acme.ID {
		t.Fatalf("TeamByName = %+v, want %+v", got, dev)
	}
	suite.WantNotFound(t, s, "TeamByName", func(tx store.Tx) (*core.Team, error) { return tx.TeamByName(acme.ID, "nope") })

	suite.Write(t, s, func(tx store.Tx) error {
		for _, id := range []int64{alice.ID, bob.ID} {
			if err := tx.SetOrgMember(acme.ID, id, core.OrgMember, suite.T0); err != nil {
				return err
			}
		}
		return nil
	})
	for range 2 {
		suite.Write(t, s, func(tx store.Tx) error { return tx.AddTeamMember(dev.ID, bob.ID) })
	}
	suite.Write(t, s, func(tx store.Tx) error { return tx.AddTeamMember(dev.ID, alice.ID) })
	names := func() []string {
		us := suite.Read(t, s, func(tx store.Tx) ([]core.User, error) { return tx.TeamMembers(dev.ID) })
		var out []string
		for _, u := range us {
			out = append(out, u.Name)
		}
		return out
	}
	if got := names(); !slices.Equal(got, []string{"alice", "bob"}) {
		t.Fatalf("TeamMembers = %q, want alice, bob", got)
	}
	suite.Write(t, s, func(tx store.Tx) error { return tx.RemoveTeamMember(dev.ID, alice.ID) })
	err = s.Update(t.Context(), func(tx store.Tx) error { return tx.RemoveTeamMember(dev.ID, alice.ID) })
	suite.WantErr(t, err, core.ErrNotFound, "RemoveTeamMember of a non-member")
	suite.Write(t, s, func(tx store.Tx) error { return tx.RemoveOrgMember(acme.ID, bob.ID) })
	if got := names(); len(got) != 0 {
		t.Fatalf("TeamMembers after bob left the org = %q, want none", got)
	}
	suite.Write(t, s, func(tx store.Tx) error { return tx.DeleteTeam(dev.ID) })
	suite.WantNotFound(t, s, "TeamByName after DeleteTeam", func(tx store.Tx) (*core.Team, error) { return tx.TeamByName(acme.ID, "developers") })
	err = s.Update(t.Context(), func(tx store.Tx) error { return tx.DeleteTeam(dev.ID) })
	suite.WantErr(t, err, core.ErrNotFound, "DeleteTeam twice")
}

// testGrants: a grant is set and changed in place; a user's permission
// on a package is the strongest of their teams' grants; revoking and
// deleting a team take it away.
func testGrants(t *testing.T, s store.Store) {
	alice, bob := suite.CreateUser(t, s, "alice"), suite.CreateUser(t, s, "bob")
	acme := createOrg(t, s, "acme")
	pkg := suite.CreatePackage(t, s, suite.NewPackage("@acme/widget"))
	other := suite.CreatePackage(t, s, suite.NewPackage("@acme/gadget"))
	readers := &core.Team{OrgID: acme.ID, Name: "readers", CreatedAt: suite.T0}
	writers := &core.Team{OrgID: acme.ID, Name: "writers", CreatedAt: suite.T0}
	suite.Write(t, s, func(tx store.Tx) error {
		for _, tm := range []*core.Team{readers, writers} {
			if err := tx.CreateTeam(tm); err != nil {
				return err
			}
		}
		for _, id := range []int64{alice.ID, bob.ID} {
			if err := tx.SetOrgMember(acme.ID, id, core.OrgMember, suite.T0); err != nil {
				return err
			}
		}
		for _, m := range [][2]int64{{readers.ID, alice.ID}, {readers.ID, bob.ID}, {writers.ID, bob.ID}} {
			if err := tx.AddTeamMember(m[0], m[1]); err != nil {
				return err
			}
		}
		return nil
	})
	grants := func() map[int64]core.Permission {
		return suite.Read(t, s, func(tx store.Tx) (map[int64]core.Permission, error) { return tx.UserPackageGrants(pkg.ID) })
	}
	if g := grants(); len(g) != 0 {
		t.Fatalf("UserPackageGrants before any grant = %v", g)
	}
	suite.Write(t, s, func(tx store.Tx) error { return tx.SetTeamGrant(readers.ID, pkg.ID, core.PermReadWrite) })
	suite.Write(t, s, func(tx store.Tx) error { return tx.SetTeamGrant(readers.ID, pkg.ID, core.PermReadOnly) })
	suite.Write(t, s, func(tx store.Tx) error { return tx.SetTeamGrant(writers.ID, pkg.ID, core.PermReadWrite) })
	suite.Write(t, s, func(tx store.Tx) error { return tx.SetTeamGrant(writers.ID, other.ID, core.PermReadOnly) })
	if g, want := grants(), map[int64]core.Permission{alice.ID: core.PermReadOnly, bob.ID: core.PermReadWrite}; !maps.Equal(g, want) {
		t.Fatalf("UserPackageGrants = %v, want %v", g, want)
	}
	pg := suite.Read(t, s, func(tx store.Tx) ([]core.TeamGrant, error) { return tx.PackageGrants(pkg.ID) })
	if len(pg) != 2 || pg[0].Team != "readers" || pg[0].Permission != core.PermReadOnly || pg[1].Team != "writers" || pg[1].Package != "@acme/widget" {
		t.Fatalf("PackageGrants = %+v", pg)
	}
	tg := suite.Read(t, s, func(tx store.Tx) ([]core.TeamGrant, error) { return tx.TeamGrants(writers.ID) })
	if len(tg) != 2 || tg[0].Package != "@acme/gadget" || tg[1].Package != "@acme/widget" || tg[1].Permission != core.PermReadWrite || tg[1].PackageID != pkg.ID {
		t.Fatalf("TeamGrants(writers) = %+v", tg)
	}
	suite.Write(t, s, func(tx store.Tx) error { return tx.RemoveTeamGrant(writers.ID, pkg.ID) })
	err := s.Update(t.Context(), func(tx store.Tx) error { return tx.RemoveTeamGrant(writers.ID, pkg.ID) })
	suite.WantErr(t, err, core.ErrNotFound, "RemoveTeamGrant twice")
	if g, want := grants(), map[int64]core.Permission{alice.ID: core.PermReadOnly, bob.ID: core.PermReadOnly}; !maps.Equal(g, want) {
		t.Fatalf("UserPackageGrants after revoke = %v, want %v", g, want)
	}
	suite.Write(t, s, func(tx store.Tx) error { return tx.DeleteTeam(readers.ID) })
	if g := grants(); len(g) != 0 {
		t.Fatalf("UserPackageGrants after deleting the team = %v", g)
	}
}

// testDelete: a deleted org loses its members, teams and grants, is
// still found by name (marked deleted), and its name stays taken.
func testDelete(t *testing.T, s store.Store) {
	alice := suite.CreateUser(t, s, "alice")
	acme := createOrg(t, s, "acme")
	pkg := suite.CreatePackage(t, s, suite.NewPackage("@acme/widget"))
	dev := &core.Team{OrgID: acme.ID, Name: "developers", CreatedAt: suite.T0}
	suite.Write(t, s, func(tx store.Tx) error {
		if err := tx.SetOrgMember(acme.ID, alice.ID, core.OrgOwner, suite.T0); err != nil {
			return err
		}
		if err := tx.CreateTeam(dev); err != nil {
			return err
		}
		if err := tx.AddTeamMember(dev.ID, alice.ID); err != nil {
			return err
		}
		return tx.SetTeamGrant(dev.ID, pkg.ID, core.PermReadWrite)
	})
	suite.Write(t, s, func(tx store.Tx) error { return tx.DeleteOrg(acme.ID, suite.At(time.Hour)) })
	got := suite.Read(t, s, func(tx store.Tx) (*core.Org, error) { return tx.OrgByName("acme") })
	if !got.Deleted() || !suite.SameTime(got.DeletedAt, suite.At(time.Hour)) {
		t.Fatalf("OrgByName after delete = %+v, want deleted at %v", got, suite.At(time.Hour))
	}
	if ms := suite.Read(t, s, func(tx store.Tx) ([]core.OrgMembership, error) { return tx.OrgMembers(acme.ID) }); len(ms) != 0 {
		t.Fatalf("OrgMembers after delete = %v", memberRoles(ms))
	}
	if ts := suite.Read(t, s, func(tx store.Tx) ([]core.Team, error) { return tx.Teams(acme.ID) }); len(ts) != 0 {
		t.Fatalf("Teams after delete = %+v", ts)
	}
	if g := suite.Read(t, s, func(tx store.Tx) (map[int64]core.Permission, error) { return tx.UserPackageGrants(pkg.ID) }); len(g) != 0 {
		t.Fatalf("UserPackageGrants after delete = %v", g)
	}
	err := s.Update(t.Context(), func(tx store.Tx) error { return tx.CreateOrg(&core.Org{Name: "acme", CreatedAt: suite.T0}) })
	suite.WantErr(t, err, core.ErrConflict, "CreateOrg of a deleted org's name")
	err = s.Update(t.Context(), func(tx store.Tx) error { return tx.DeleteOrg(acme.ID, suite.At(2*time.Hour)) })
	if !errors.Is(err, core.ErrNotFound) {
		t.Fatalf("DeleteOrg twice: %v, want not found", err)
	}
}

// testScopePackages: the packages of a scope, by exact prefix: "_" and
// "%" in a scope match only themselves.
func testScopePackages(t *testing.T, s store.Store) {
	for _, n := range []string{"@acme/b", "@acme/a", "@acmex/c", "acme", "@a_me/d", "@ab/e"} {
		suite.CreatePackage(t, s, suite.NewPackage(n))
	}
	got := suite.Read(t, s, func(tx store.Tx) ([]string, error) { return tx.ScopePackages("acme") })
	if !slices.Equal(got, []string{"@acme/a", "@acme/b"}) {
		t.Fatalf("ScopePackages(acme) = %q", got)
	}
	if got := suite.Read(t, s, func(tx store.Tx) ([]string, error) { return tx.ScopePackages("a_me") }); !slices.Equal(got, []string{"@a_me/d"}) {
		t.Fatalf("ScopePackages(a_me) = %q", got)
	}
	if got := suite.Read(t, s, func(tx store.Tx) ([]string, error) { return tx.ScopePackages("a%") }); len(got) != 0 {
		t.Fatalf("ScopePackages(a%%) = %q", got)
	}
}
