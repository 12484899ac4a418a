package versionview

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/ecosystem/npm"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/sqlite"
	"github.com/rampart/rampart/internal/store/storetest/suite"
)

// Each reader sees the public dependents and the restricted ones it may
// read, paginated by name, and a total over exactly those: an anonymous
// reader's list and count say nothing of the restricted ones.
func TestDependentsPerReader(t *testing.T) {
	db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "meta.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	bob, carol := suite.CreateUser(t, db, "bob"), suite.CreateUser(t, db, "carol")
	owners := map[string]*core.User{"a": bob, "b": bob, "c": bob, "d": carol, "e": carol, "lib": carol}
	for _, name := range []string{"lib", "a", "b", "c", "d", "e"} {
		p := suite.NewPackage(name)
		if name == "b" || name == "d" {
			p.Access = "restricted"
		}
		p = suite.CreatePackage(t, db, p)
		deps := []string{"lib"}
		if name == "lib" {
			deps = nil
		}
		suite.InsertVersion(t, db, suite.NewVersion(p, "1.0.0", owners[name].ID, suite.T0, deps...))
		suite.Write(t, db, func(tx store.Tx) error {
			if err := tx.AddMaintainer(p.ID, owners[name].ID, suite.T0); err != nil {
				return err
			}
			return tx.SetDistTag(p.ID, "latest", "1.0.0")
		})
	}
	s := New(db, npm.Format{})
	pages := func(p authz.Principal, limit int) (all []string, total int) {
		t.Helper()
		after := ""
		for range 10 {
			deps, next, n, err := s.Dependents(t.Context(), p, "lib", after, limit)
			if err != nil {
				t.Fatal(err)
			}
			if len(deps) > limit {
				t.Fatalf("a page of %d with limit %d", len(deps), limit)
			}
			total = n
			for _, d := range deps {
				all = append(all, d.Name)
			}
			if next == "" {
				return all, total
			}
			after = next
		}
		t.Fatal("pages never ended")
		return nil, 0
	}
	for _, c := range []struct {
		who  string
		p    authz.Principal
		want []string
	}{
		{"anonymous", authz.Principal{}, []string{"a", "c", "e"}},
		{"bob", authz.Principal{User: bob}, []string{"a", "b", "c", "e"}},
		{"carol", authz.Principal{User: carol}, []string{"a", "c", "d", "e"}},
	} {
		for _, limit := range []int{1, 2, 50} {
			got, total := pages(c.p, limit)
			if !slices.Equal(got, c.want) || total != len(c.want) {
				t.Errorf("%s, %d a page: %q (total %d), want %q (total %d)", c.who, limit, got, total, c.want, len(c.want))
			}
		}
	}
}
