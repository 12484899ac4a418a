package storetest

import (
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
)

// testCountDownload: a source is counted once per package and day; a new
// day, another source or another package counts again; sweeping forgets
// past days only.
func testCountDownload(t *testing.T, s store.Store) {
	p := createPackage(t, s, newPackage("left-pad"))
	q := createPackage(t, s, newPackage("right-pad"))
	day := func(n int) time.Time { return time.Date(2024, time.March, 10+n, 0, 0, 0, 0, time.UTC) }
	count := func(pkg *core.Package, when time.Time, source string) bool {
		t.Helper()
		return update(t, s, func(tx store.Tx) (bool, error) { return tx.CountDownload(pkg.ID, when, source) })
	}
	for _, c := range []struct {
		pkg    *core.Package
		when   time.Time
		source string
		want   bool
	}{
		{p, day(0).Add(time.Hour), "a", true},
		{p, day(0).Add(23 * time.Hour), "a", false}, // same source, same day
		{p, day(0).Add(2 * time.Hour), "b", true},   // another source
		{q, day(0).Add(3 * time.Hour), "a", true},   // another package
		{p, day(1).Add(time.Minute), "a", true},     // the next day
	} {
		if got := count(c.pkg, c.when, c.source); got != c.want {
			t.Errorf("CountDownload(%s, %v, %q) = %t, want %t", c.pkg.Name, c.when, c.source, got, c.want)
		}
	}
	since := func(pkg *core.Package) int64 {
		return read(t, s, func(tx store.Tx) (int64, error) { return tx.DownloadsSince(pkg.ID, day(0)) })
	}
	if n, m := since(p), since(q); n != 3 || m != 1 {
		t.Fatalf("DownloadsSince = %d and %d, want 3 and 1", n, m)
	}
	n := update(t, s, func(tx store.Tx) (int64, error) { return tx.SweepDownloadSources(day(1)) })
	if n != 3 {
		t.Errorf("SweepDownloadSources removed %d rows, want the 3 of day 0", n)
	}
	if count(p, day(1).Add(time.Hour), "a") {
		t.Error("sweeping past days forgot today's sources: a source counted twice on one day")
	}
	if since(p) != 3 {
		t.Errorf("sweeping the sources changed the counts: %d, want 3", since(p))
	}
}

// testCriticalGrace: ComputedSince records when a package entered the
// computed set, survives recomputations that keep it, and is cleared when
// it leaves; CriticalState reports it.
func testCriticalGrace(t *testing.T, s store.Store) {
	a := createPackage(t, s, newPackage("alpha"))
	b := createPackage(t, s, newPackage("beta"))
	day := func(n int) time.Time { return time.Date(2024, time.March, 10+n, 0, 0, 0, 0, time.UTC) }
	state := func(p *core.Package) core.CriticalPackage {
		t.Helper()
		return read(t, s, func(tx store.Tx) (core.CriticalPackage, error) { return tx.CriticalState(p.ID) })
	}
	if c := state(a); c.Critical() || c.PackageID != a.ID {
		t.Fatalf("CriticalState of a fresh package = %+v, want not critical", c)
	}
	write(t, s, func(tx store.Tx) error { return tx.SetCriticalComputed([]int64{a.ID}, day(0)) })
	write(t, s, func(tx store.Tx) error { return tx.SetCriticalComputed([]int64{a.ID, b.ID}, day(1)) })
	if c := state(a); !c.Computed || !c.ComputedSince.Equal(day(0)) || !c.ComputedAt.Equal(day(1)) || !c.GraceStart().Equal(day(0)) {
		t.Fatalf("alpha after two computations = %+v, want computed since %v", c, day(0))
	}
	if c := state(b); !c.ComputedSince.Equal(day(1)) {
		t.Fatalf("beta = %+v, want computed since %v", c, day(1))
	}
	list := read(t, s, func(tx store.Tx) ([]core.CriticalPackage, error) { return tx.CriticalPackages() })
	if len(list) != 2 || !list[0].ComputedSince.Equal(day(0)) || !list[1].ComputedSince.Equal(day(1)) {
		t.Fatalf("CriticalPackages = %+v, want alpha since day 0, beta since day 1", list)
	}
	// Leaving the set and coming back starts again.
	write(t, s, func(tx store.Tx) error { return tx.SetCriticalComputed([]int64{b.ID}, day(2)) })
	if c := state(a); c.Critical() || !c.ComputedSince.IsZero() {
		t.Fatalf("alpha after leaving the set = %+v, want not critical, no since", c)
	}
	write(t, s, func(tx store.Tx) error { return tx.SetCriticalComputed([]int64{a.ID, b.ID}, day(3)) })
	if c := state(a); !c.ComputedSince.Equal(day(3)) {
		t.Fatalf("alpha back in the set = %+v, want since %v", c, day(3))
	}
	// A designation applies at once: no grace.
	write(t, s, func(tx store.Tx) error { return tx.SetCriticalDesignated(b.ID, true) })
	if c := state(b); !c.Critical() || !c.GraceStart().IsZero() {
		t.Fatalf("designated beta = %+v, want critical with no grace", c)
	}
}

// update runs f in Update and returns what it returned, failing the test
// on an error.
func update[T any](t *testing.T, s store.Store, f func(tx store.Tx) (T, error)) T {
	t.Helper()
	var v T
	write(t, s, func(tx store.Tx) error {
		var err error
		v, err = f(tx)
		return err
	})
	return v
}
