// Package names holds the conformance cases of the store's typosquatting
// role: store.NameAllowances, the names moderators allowed.
package names

import (
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/storetest/suite"
)

// RunNameAllowances runs the cases of store.NameAllowances.
func RunNameAllowances(t *testing.T, open func(t *testing.T) store.Store) {
	suite.Cases(t, open, []suite.Test{
		{Name: "AllowOnce", F: testAllowOnce},
		{Name: "PerEcosystemAndExact", F: testPerEcosystemAndExact},
	})
}

func allow(s store.Store, t *testing.T, a core.NameAllowance) error {
	return s.Update(t.Context(), func(tx store.Tx) error { return tx.AllowName(a) })
}

// An allowance is read back as written, listed oldest first, and a
// second one for the same name is a conflict that changes nothing.
func testAllowOnce(t *testing.T, s store.Store) {
	a := core.NameAllowance{Ref: core.PackageRef{Ecosystem: "npm", Name: "lodahs"}, AllowedBy: "mod", Reason: "a fork", AllowedAt: suite.At(time.Minute)}
	b := core.NameAllowance{Ref: core.PackageRef{Ecosystem: "npm", Name: "expres"}, AllowedBy: "admin", Reason: "ours", AllowedAt: suite.At(2 * time.Minute)}
	for _, x := range []core.NameAllowance{a, b} {
		if err := allow(s, t, x); err != nil {
			t.Fatalf("AllowName(%s): %v", x.Ref.Name, err)
		}
	}
	suite.WantErr(t, allow(s, t, core.NameAllowance{Ref: a.Ref, AllowedBy: "other", Reason: "again", AllowedAt: suite.At(time.Hour)}), core.ErrConflict, "allowing the same name again")
	err := s.View(t.Context(), func(tx store.Tx) error {
		got, err := tx.NameAllowance(a.Ref)
		if err != nil {
			return err
		}
		if got.AllowedBy != "mod" || got.Reason != "a fork" || !got.AllowedAt.Equal(a.AllowedAt.Truncate(time.Millisecond)) || got.Ref != a.Ref {
			t.Errorf("NameAllowance = %+v, want %+v", got, a)
		}
		list, err := tx.NameAllowances()
		if err != nil {
			return err
		}
		if len(list) != 2 || list[0].Ref.Name != "lodahs" || list[1].Ref.Name != "expres" {
			t.Errorf("NameAllowances = %+v, want lodahs then expres", list)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// An allowance is for one exact name in one ecosystem.
func testPerEcosystemAndExact(t *testing.T, s store.Store) {
	if err := allow(s, t, core.NameAllowance{Ref: core.PackageRef{Ecosystem: "npm", Name: "lodahs"}, AllowedBy: "mod", AllowedAt: suite.At(0)}); err != nil {
		t.Fatal(err)
	}
	err := s.View(t.Context(), func(tx store.Tx) error {
		for _, ref := range []core.PackageRef{{Ecosystem: "go", Name: "lodahs"}, {Ecosystem: "npm", Name: "lodahs2"}, {Ecosystem: "npm", Name: "Lodahs"}} {
			_, err := tx.NameAllowance(ref)
			suite.WantErr(t, err, core.ErrNotFound, "allowance of "+string(ref.Ecosystem)+":"+ref.Name)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
