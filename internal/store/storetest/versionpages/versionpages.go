// Package versionpages holds the conformance cases of the store's role
// for per-version web pages: store.VersionPages.
package versionpages

import (
	"slices"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/storetest/suite"
)

// RunVersionPages runs the cases of store.VersionPages.
func RunVersionPages(t *testing.T, open func(t *testing.T) store.Store) {
	suite.Cases(t, open, []suite.Test{
		{Name: "DependentsOfLatest", F: testDependentsOfLatest},
		{Name: "DependentsPaginate", F: testDependentsPaginate},
		{Name: "TarballFilesKeptOnce", F: testTarballFilesKeptOnce},
	})
}

func names(ds []store.Dependent) []string {
	out := []string{}
	for _, d := range ds {
		out = append(out, d.Name+"@"+d.Version)
	}
	return out
}

// Only a package whose "latest" version depends on lib is a dependent:
// not an older version, not an unpublished, held or restricted one, not
// lib itself, not a package of another ecosystem.
func testDependentsOfLatest(t *testing.T, s store.Store) {
	u := suite.CreateUser(t, s, "alice")
	pkgs := map[string]*core.Package{}
	for _, name := range []string{"lib", "a", "b", "c", "d", "e", "f", "g"} {
		p := suite.NewPackage(name)
		if name == "f" {
			p.Access = "restricted"
		}
		pkgs[name] = suite.CreatePackage(t, s, p)
	}
	gomod := suite.NewPackage("h")
	gomod.Ecosystem = "go"
	pkgs["h"] = suite.CreatePackage(t, s, gomod)
	at := func(h int) time.Time { return suite.At(time.Duration(h) * time.Hour) }
	held := func(v *core.Version) *core.Version { v.Held = core.StateQuarantined; return v }
	for _, v := range []*core.Version{
		suite.NewVersion(pkgs["lib"], "1.0.0", u.ID, at(1), "lib"),        // itself: never
		suite.NewVersion(pkgs["a"], "1.0.0", u.ID, at(2), "lib", "other"), // latest depends: yes
		suite.NewVersion(pkgs["b"], "1.0.0", u.ID, at(3), "lib"),          // an older version only: no
		suite.NewVersion(pkgs["b"], "2.0.0", u.ID, at(4), "other"),        //
		suite.NewVersion(pkgs["c"], "1.0.0", u.ID, at(5)),                 // latest is 2.0.0, which depends: yes
		suite.NewVersion(pkgs["c"], "2.0.0", u.ID, at(6), "lib"),          //
		held(suite.NewVersion(pkgs["d"], "1.0.0", u.ID, at(7), "lib")),    // held: no
		suite.NewVersion(pkgs["e"], "1.0.0", u.ID, at(8), "other"),        // depends on another: no
		suite.NewVersion(pkgs["f"], "1.0.0", u.ID, at(9), "lib"),          // restricted: no
		suite.NewVersion(pkgs["g"], "1.0.0", u.ID, at(10), "lib"),         // deprecated, still latest: yes
		suite.NewVersion(pkgs["h"], "1.0.0", u.ID, at(11), "lib"),         // another ecosystem: no
	} {
		suite.InsertVersion(t, s, v)
	}
	latest := map[string]string{"lib": "1.0.0", "a": "1.0.0", "b": "2.0.0", "c": "2.0.0", "d": "1.0.0", "e": "1.0.0", "f": "1.0.0", "g": "1.0.0", "h": "1.0.0"}
	suite.Write(t, s, func(tx store.Tx) error {
		for n, v := range latest {
			if err := tx.SetDistTag(pkgs[n].ID, "latest", v); err != nil {
				return err
			}
		}
		g, err := tx.Version(pkgs["g"].ID, "1.0.0")
		if err != nil {
			return err
		}
		g.Deprecated = "use a"
		return tx.UpdateVersion(g)
	})
	got := suite.Read(t, s, func(tx store.Tx) ([]store.Dependent, error) { return tx.DependentsOf(core.NPM("lib"), "", 100) })
	if want := []string{"a@1.0.0", "c@2.0.0", "g@1.0.0"}; !slices.Equal(names(got), want) {
		t.Fatalf("DependentsOf(lib) = %q, want %q", names(got), want)
	}
	// Moving latest back to c@1.0.0 takes c off the list.
	suite.Write(t, s, func(tx store.Tx) error { return tx.SetDistTag(pkgs["c"].ID, "latest", "1.0.0") })
	got = suite.Read(t, s, func(tx store.Tx) ([]store.Dependent, error) { return tx.DependentsOf(core.NPM("lib"), "", 100) })
	if want := []string{"a@1.0.0", "g@1.0.0"}; !slices.Equal(names(got), want) {
		t.Fatalf("after moving c's latest: DependentsOf(lib) = %q, want %q", names(got), want)
	}
	if none := suite.Read(t, s, func(tx store.Tx) ([]store.Dependent, error) { return tx.DependentsOf(core.NPM("nothing"), "", 100) }); len(none) != 0 {
		t.Fatalf("DependentsOf(nothing) = %q, want none", names(none))
	}
}

// Pages follow the name: limit at a time, each after the last name seen.
func testDependentsPaginate(t *testing.T, s store.Store) {
	u := suite.CreateUser(t, s, "alice")
	for _, name := range []string{"p5", "p3", "p1", "p4", "p2"} {
		p := suite.CreatePackage(t, s, suite.NewPackage(name))
		suite.InsertVersion(t, s, suite.NewVersion(p, "1.0.0", u.ID, suite.T0, "lib"))
		suite.Write(t, s, func(tx store.Tx) error { return tx.SetDistTag(p.ID, "latest", "1.0.0") })
	}
	var all []string
	after := ""
	for range 4 {
		page := suite.Read(t, s, func(tx store.Tx) ([]store.Dependent, error) { return tx.DependentsOf(core.NPM("lib"), after, 2) })
		if len(page) == 0 {
			break
		}
		if len(page) > 2 {
			t.Fatalf("DependentsOf(limit 2) = %q", names(page))
		}
		all = append(all, names(page)...)
		after = page[len(page)-1].Name
	}
	if want := []string{"p1@1.0.0", "p2@1.0.0", "p3@1.0.0", "p4@1.0.0", "p5@1.0.0"}; !slices.Equal(all, want) {
		t.Fatalf("pages of DependentsOf(lib) = %q, want %q", all, want)
	}
}

// A file list is found under its digest after it was put; before, not
// found; a second put of the same digest keeps the first.
func testTarballFilesKeptOnce(t *testing.T, s store.Store) {
	suite.WantNotFound(t, s, "TarballFiles before a put", func(tx store.Tx) ([]store.TarballFile, error) { return tx.TarballFiles("d1") })
	files := []store.TarballFile{{Path: "package/package.json", Size: 120}, {Path: "package/index.js", Size: 4096}}
	suite.Write(t, s, func(tx store.Tx) error { return tx.PutTarballFiles("d1", files) })
	suite.Write(t, s, func(tx store.Tx) error {
		return tx.PutTarballFiles("d1", []store.TarballFile{{Path: "other", Size: 1}})
	})
	suite.Write(t, s, func(tx store.Tx) error { return tx.PutTarballFiles("empty", nil) })
	got := suite.Read(t, s, func(tx store.Tx) ([]store.TarballFile, error) { return tx.TarballFiles("d1") })
	if !slices.Equal(got, files) {
		t.Fatalf("TarballFiles(d1) = %+v, want %+v", got, files)
	}
	if got := suite.Read(t, s, func(tx store.Tx) ([]store.TarballFile, error) { return tx.TarballFiles("empty") }); len(got) != 0 {
		t.Fatalf("TarballFiles(empty) = %+v, want none", got)
	}
}
