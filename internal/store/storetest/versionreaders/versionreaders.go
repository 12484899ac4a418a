// Package versionreaders holds the conformance cases of the store's role
// for what a version's page shows per reader: store.VersionReaders.
package versionreaders

import (
	"slices"
	"testing"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/storetest/suite"
)

// RunVersionReaders runs the cases of store.VersionReaders.
func RunVersionReaders(t *testing.T, open func(t *testing.T) store.Store) {
	suite.Cases(t, open, []suite.Test{
		{Name: "PublishedByKeptOnce", F: testPublishedByKeptOnce},
		{Name: "DependentsOpenAndGuarded", F: testDependentsOpenAndGuarded},
	})
}

// How a version was published is not found before it was recorded,
// found after, and a second record of the same version keeps the first.
func testPublishedByKeptOnce(t *testing.T, s store.Store) {
	u := suite.CreateUser(t, s, "alice")
	p := suite.CreatePackage(t, s, suite.NewPackage("widget"))
	suite.InsertVersion(t, s, suite.NewVersion(p, "1.0.0", u.ID, suite.T0))
	suite.WantNotFound(t, s, "PublishedByOf before a record", func(tx store.Tx) (*store.PublishedBy, error) { return tx.PublishedByOf(p.ID, "1.0.0") })
	want := store.PublishedBy{Kind: store.PublishedByTrusted, Issuer: "github", Repository: "acme/widget", Workflow: ".github/workflows/publish.yml",
		Ref: "refs/heads/main", Subject: "repo:acme/widget:ref:refs/heads/main"}
	suite.Write(t, s, func(tx store.Tx) error { return tx.RecordPublishedBy(p.ID, "1.0.0", want) })
	suite.Write(t, s, func(tx store.Tx) error {
		return tx.RecordPublishedBy(p.ID, "1.0.0", store.PublishedBy{Kind: store.PublishedWithToken})
	})
	got := suite.Read(t, s, func(tx store.Tx) (*store.PublishedBy, error) { return tx.PublishedByOf(p.ID, "1.0.0") })
	if *got != want {
		t.Fatalf("PublishedByOf = %+v, want %+v", *got, want)
	}
	suite.WantNotFound(t, s, "PublishedByOf another version", func(tx store.Tx) (*store.PublishedBy, error) { return tx.PublishedByOf(p.ID, "2.0.0") })
	// The package's trusted publishes, for its version list: not the
	// token publish of 2.0.0, nor another package's.
	suite.InsertVersion(t, s, suite.NewVersion(p, "2.0.0", u.ID, suite.T0))
	suite.Write(t, s, func(tx store.Tx) error {
		return tx.RecordPublishedBy(p.ID, "2.0.0", store.PublishedBy{Kind: store.PublishedWithToken})
	})
	other := suite.CreatePackage(t, s, suite.NewPackage("other"))
	suite.InsertVersion(t, s, suite.NewVersion(other, "1.0.0", u.ID, suite.T0))
	suite.Write(t, s, func(tx store.Tx) error { return tx.RecordPublishedBy(other.ID, "1.0.0", want) })
	trusted := suite.Read(t, s, func(tx store.Tx) (map[string]store.PublishedBy, error) { return tx.TrustedPublishes(p.ID) })
	if len(trusted) != 1 || trusted["1.0.0"] != want {
		t.Fatalf("TrustedPublishes = %+v, want 1.0.0 only", trusted)
	}
}

func names(ds []store.Dependent) []string {
	out := []string{}
	for _, d := range ds {
		out = append(out, d.Name+"@"+d.Version)
	}
	return out
}

// Open dependents are the public ones (unscoped only when scoped names
// are guarded), paginated and counted over all pages; guarded ones are
// the rest, each with its package id and whether it is restricted. A
// dependent whose latest version does not depend, or that is held, is
// in neither.
func testDependentsOpenAndGuarded(t *testing.T, s store.Store) {
	u := suite.CreateUser(t, s, "alice")
	pkgs := map[string]*core.Package{}
	for _, name := range []string{"lib", "a", "b", "@org/c", "@org/d", "e", "f"} {
		p := suite.NewPackage(name)
		if name == "@org/d" || name == "e" {
			p.Access = "restricted"
		}
		pkgs[name] = suite.CreatePackage(t, s, p)
	}
	held := suite.NewVersion(pkgs["f"], "1.0.0", u.ID, suite.T0, "lib")
	held.Held = core.StateQuarantined
	for _, v := range []*core.Version{
		suite.NewVersion(pkgs["lib"], "1.0.0", u.ID, suite.T0),
		suite.NewVersion(pkgs["a"], "1.0.0", u.ID, suite.T0, "lib"),
		suite.NewVersion(pkgs["b"], "1.0.0", u.ID, suite.T0, "lib"),
		suite.NewVersion(pkgs["@org/c"], "1.0.0", u.ID, suite.T0, "lib"),
		suite.NewVersion(pkgs["@org/d"], "1.0.0", u.ID, suite.T0, "lib"),
		suite.NewVersion(pkgs["e"], "2.0.0", u.ID, suite.T0, "lib"),
		held,
	} {
		suite.InsertVersion(t, s, v)
	}
	suite.Write(t, s, func(tx store.Tx) error {
		for n, v := range map[string]string{"lib": "1.0.0", "a": "1.0.0", "b": "1.0.0", "@org/c": "1.0.0", "@org/d": "1.0.0", "e": "2.0.0", "f": "1.0.0"} {
			if err := tx.SetDistTag(pkgs[n].ID, "latest", v); err != nil {
				return err
			}
		}
		return nil
	})
	lib := core.NPM("lib")
	for _, c := range []struct {
		guardScoped   bool
		open, guarded []string
	}{
		{false, []string{"@org/c@1.0.0", "a@1.0.0", "b@1.0.0"}, []string{"@org/d@1.0.0", "e@2.0.0"}},
		{true, []string{"a@1.0.0", "b@1.0.0"}, []string{"@org/c@1.0.0", "@org/d@1.0.0", "e@2.0.0"}},
	} {
		open := suite.Read(t, s, func(tx store.Tx) ([]store.Dependent, error) { return tx.OpenDependents(lib, "", 100, c.guardScoped) })
		if !slices.Equal(names(open), c.open) {
			t.Errorf("OpenDependents(guardScoped %v) = %q, want %q", c.guardScoped, names(open), c.open)
		}
		n := suite.Read(t, s, func(tx store.Tx) (int, error) { return tx.CountOpenDependents(lib, c.guardScoped) })
		if n != len(c.open) {
			t.Errorf("CountOpenDependents(guardScoped %v) = %d, want %d", c.guardScoped, n, len(c.open))
		}
		page := suite.Read(t, s, func(tx store.Tx) ([]store.Dependent, error) {
			return tx.OpenDependents(lib, open[0].Name, 1, c.guardScoped)
		})
		if !slices.Equal(names(page), c.open[1:2]) {
			t.Errorf("OpenDependents(after %s, limit 1) = %q, want %q", open[0].Name, names(page), c.open[1:2])
		}
		guarded := suite.Read(t, s, func(tx store.Tx) ([]store.GuardedDependent, error) {
			return tx.GuardedDependents(lib, 100, c.guardScoped)
		})
		var gn []string
		for _, g := range guarded {
			gn = append(gn, g.Name+"@"+g.Version)
			if g.PackageID != pkgs[g.Name].ID || g.Restricted != (pkgs[g.Name].Access == "restricted") {
				t.Errorf("GuardedDependents: %+v, want package id %d, restricted %v", g, pkgs[g.Name].ID, pkgs[g.Name].Access == "restricted")
			}
		}
		if !slices.Equal(gn, c.guarded) {
			t.Errorf("GuardedDependents(guardScoped %v) = %q, want %q", c.guardScoped, gn, c.guarded)
		}
		if one := suite.Read(t, s, func(tx store.Tx) ([]store.GuardedDependent, error) {
			return tx.GuardedDependents(lib, 1, c.guardScoped)
		}); len(one) != 1 {
			t.Errorf("GuardedDependents(limit 1) = %d rows", len(one))
		}
	}
}
