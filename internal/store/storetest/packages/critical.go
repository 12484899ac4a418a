package packages

import (
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/storetest/suite"
)

// RunCritical runs the cases of store.Critical: download totals and the
// designated and computed flags.
func RunCritical(t *testing.T, open func(t *testing.T) store.Store) {
	run(t, open, []test{
		{"Flags", testCritical},
		{"ComputedSince", testCriticalGrace},
	})
}

// testCritical: download totals over a window, and the two flags that make
// a package critical (designated, computed), each settable on its own.
func testCritical(t *testing.T, s store.Store) {
	a := suite.CreatePackage(t, s, suite.NewPackage("alpha"))
	b := suite.CreatePackage(t, s, suite.NewPackage("beta"))
	c := suite.CreatePackage(t, s, suite.NewPackage("gamma"))
	day := func(n int) time.Time { return time.Date(2024, time.March, 10+n, 0, 0, 0, 0, time.UTC) }
	suite.Write(t, s, func(tx store.Tx) error {
		for _, d := range []struct {
			id   int64
			when time.Time
			n    int64
		}{{a.ID, day(0), 50}, {a.ID, day(5), 5}, {b.ID, day(5).Add(time.Hour), 10}, {c.ID, day(5), 10}} {
			if err := tx.AddDownloads(d.id, d.when, d.n); err != nil {
				return err
			}
		}
		return nil
	})
	totals := suite.Read(t, s, func(tx store.Tx) ([]core.PackageDownloads, error) { return tx.DownloadTotals(day(1)) })
	want := []core.PackageDownloads{{PackageID: b.ID, Name: "beta", Downloads: 10}, {PackageID: c.ID, Name: "gamma", Downloads: 10}, {PackageID: a.ID, Name: "alpha", Downloads: 5}}
	if len(totals) != len(want) {
		t.Fatalf("DownloadTotals = %v, want %v", totals, want)
	}
	for i := range want {
		if totals[i] != want[i] {
			t.Errorf("DownloadTotals[%d] = %v, want %v", i, totals[i], want[i])
		}
	}
	isCritical := func(p *core.Package) bool {
		return suite.Read(t, s, func(tx store.Tx) (bool, error) { return tx.IsCritical(p.ID) })
	}
	if isCritical(a) || len(suite.Read(t, s, func(tx store.Tx) ([]core.CriticalPackage, error) { return tx.CriticalPackages() })) != 0 {
		t.Fatal("a fresh store has critical packages")
	}
	suite.Write(t, s, func(tx store.Tx) error { return tx.SetCriticalDesignated(b.ID, true) })
	suite.Write(t, s, func(tx store.Tx) error { return tx.SetCriticalComputed([]int64{a.ID, b.ID}, day(6)) })
	suite.Write(t, s, func(tx store.Tx) error { return tx.SetCriticalComputed([]int64{b.ID}, day(7)) })
	if isCritical(a) || !isCritical(b) || isCritical(c) {
		t.Fatalf("critical a=%t b=%t c=%t, want only b", isCritical(a), isCritical(b), isCritical(c))
	}
	list := suite.Read(t, s, func(tx store.Tx) ([]core.CriticalPackage, error) { return tx.CriticalPackages() })
	if len(list) != 1 || list[0].Name != "beta" || !list[0].Designated || !list[0].Computed || !list[0].ComputedAt.Equal(day(7)) {
		t.Fatalf("CriticalPackages = %+v, want beta, designated and computed at %v", list, day(7))
	}
	suite.Write(t, s, func(tx store.Tx) error { return tx.SetCriticalComputed(nil, day(8)) })
	if !isCritical(b) {
		t.Fatal("a designated package stopped being critical when the computed set changed")
	}
	suite.Write(t, s, func(tx store.Tx) error { return tx.SetCriticalDesignated(b.ID, false) })
	if isCritical(b) {
		t.Fatal("undesignated package is still critical")
	}
}

// testCriticalGrace: ComputedSince records when a package entered the
// computed set, survives recomputations that keep it, and is cleared when
// it leaves; CriticalState reports it.
func testCriticalGrace(t *testing.T, s store.Store) {
	a := suite.CreatePackage(t, s, suite.NewPackage("alpha"))
	b := suite.CreatePackage(t, s, suite.NewPackage("beta"))
	day := func(n int) time.Time { return time.Date(2024, time.March, 10+n, 0, 0, 0, 0, time.UTC) }
	state := func(p *core.Package) core.CriticalPackage {
		t.Helper()
		return suite.Read(t, s, func(tx store.Tx) (core.CriticalPackage, error) { return tx.CriticalState(p.ID) })
	}
	if c := state(a); c.Critical() || c.PackageID != a.ID {
		t.Fatalf("CriticalState of a fresh package = %+v, want not critical", c)
	}
	suite.Write(t, s, func(tx store.Tx) error { return tx.SetCriticalComputed([]int64{a.ID}, day(0)) })
	suite.Write(t, s, func(tx store.Tx) error { return tx.SetCriticalComputed([]int64{a.ID, b.ID}, day(1)) })
	if c := state(a); !c.Computed || !c.ComputedSince.Equal(day(0)) || !c.ComputedAt.Equal(day(1)) || !c.GraceStart().Equal(day(0)) {
		t.Fatalf("alpha after two computations = %+v, want computed since %v", c, day(0))
	}
	if c := state(b); !c.ComputedSince.Equal(day(1)) {
		t.Fatalf("beta = %+v, want computed since %v", c, day(1))
	}
	list := suite.Read(t, s, func(tx store.Tx) ([]core.CriticalPackage, error) { return tx.CriticalPackages() })
	if len(list) != 2 || !list[0].ComputedSince.Equal(day(0)) || !list[1].ComputedSince.Equal(day(1)) {
		t.Fatalf("CriticalPackages = %+v, want alpha since day 0, beta since day 1", list)
	}
	// Leaving the set and coming back starts again.
	suite.Write(t, s, func(tx store.Tx) error { return tx.SetCriticalComputed([]int64{b.ID}, day(2)) })
	if c := state(a); c.Critical() || !c.ComputedSince.IsZero() {
		t.Fatalf("alpha after leaving the set = %+v, want not critical, no since", c)
	}
	suite.Write(t, s, func(tx store.Tx) error { return tx.SetCriticalComputed([]int64{a.ID, b.ID}, day(3)) })
	if c := state(a); !c.ComputedSince.Equal(day(3)) {
		t.Fatalf("alpha back in the set = %+v, want since %v", c, day(3))
	}
	// A designation applies at once: no grace.
	suite.Write(t, s, func(tx store.Tx) error { return tx.SetCriticalDesignated(b.ID, true) })
	if c := state(b); !c.Critical() || !c.GraceStart().IsZero() {
		t.Fatalf("designated beta = %+v, want critical with no grace", c)
	}
}
