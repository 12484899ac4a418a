package packages

import (
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/storetest/suite"
)

// RunDownloads runs the cases of store.Downloads: daily counts, and
// counting a download once per source and day.
func RunDownloads(t *testing.T, open func(t *testing.T) store.Store) {
	run(t, open, []test{
		{"Accumulate", testDownloads},
		{"CountOncePerSource", testCountDownload},
		{"Daily", testDailyDownloads},
	})
}

func testDownloads(t *testing.T, s store.Store) {
	p := suite.CreatePackage(t, s, suite.NewPackage("left-pad"))
	q := suite.CreatePackage(t, s, suite.NewPackage("right-pad"))
	day := func(n int) time.Time { return time.Date(2024, time.March, 10+n, 0, 0, 0, 0, time.UTC) }
	since := func(pkg *core.Package, from time.Time) int64 {
		t.Helper()
		return suite.Read(t, s, func(tx store.Tx) (int64, error) { return tx.DownloadsSince(pkg.ID, from) })
	}
	if n := since(p, day(0)); n != 0 {
		t.Fatalf("DownloadsSince with no downloads = %d, want 0", n)
	}
	suite.Write(t, s, func(tx store.Tx) error {
		for _, a := range []struct {
			pkg  *core.Package
			when time.Time
			n    int64
		}{
			{p, day(0).Add(1 * time.Hour), 5},
			{p, day(0).Add(23 * time.Hour), 3}, // same day: accumulates
			{p, day(1).Add(12 * time.Hour), 7},
			{p, day(3), 1},
			{q, day(1), 100},
		} {
			if err := tx.AddDownloads(a.pkg.ID, a.when, a.n); err != nil {
				return err
			}
		}
		return nil
	})
	suite.Write(t, s, func(tx store.Tx) error { return tx.AddDownloads(p.ID, day(1).Add(time.Minute), 2) })

	for _, tc := range []struct {
		from time.Time
		want int64
	}{
		{day(-5), 18},
		{day(0), 18},
		{day(1), 10},
		{day(2), 1},
		{day(3), 1},
		{day(4), 0},
	} {
		if n := since(p, tc.from); n != tc.want {
			t.Errorf("DownloadsSince(%s) = %d, want %d", tc.from.Format(time.DateOnly), n, tc.want)
		}
	}
	if n := since(q, day(0)); n != 100 {
		t.Errorf("DownloadsSince for the other package = %d, want 100", n)
	}
}

// testCountDownload: a source is counted once per package and day; a new
// day, another source or another package counts again; sweeping forgets
// past days only.
func testCountDownload(t *testing.T, s store.Store) {
	p := suite.CreatePackage(t, s, suite.NewPackage("left-pad"))
	q := suite.CreatePackage(t, s, suite.NewPackage("right-pad"))
	day := func(n int) time.Time { return time.Date(2024, time.March, 10+n, 0, 0, 0, 0, time.UTC) }
	count := func(pkg *core.Package, when time.Time, source string) bool {
		t.Helper()
		return suite.Update(t, s, func(tx store.Tx) (bool, error) { return tx.CountDownload(pkg.ID, when, source) })
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
		return suite.Read(t, s, func(tx store.Tx) (int64, error) { return tx.DownloadsSince(pkg.ID, day(0)) })
	}
	if n, m := since(p), since(q); n != 3 || m != 1 {
		t.Fatalf("DownloadsSince = %d and %d, want 3 and 1", n, m)
	}
	n := suite.Update(t, s, func(tx store.Tx) (int64, error) { return tx.SweepDownloadSources(day(1)) })
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

// testDailyDownloads: per day, oldest first, from since's day on, per
// package; empty days are left out.
func testDailyDownloads(t *testing.T, s store.Store) {
	p := suite.CreatePackage(t, s, suite.NewPackage("left-pad"))
	q := suite.CreatePackage(t, s, suite.NewPackage("right-pad"))
	day := func(n int) time.Time { return time.Date(2024, time.March, 10+n, 0, 0, 0, 0, time.UTC) }
	suite.Write(t, s, func(tx store.Tx) error {
		for _, a := range []struct {
			id int64
			at time.Time
			n  int64
		}{{p.ID, day(0), 1}, {p.ID, day(2).Add(5 * time.Hour), 3}, {p.ID, day(2), 4}, {p.ID, day(5), 2}, {q.ID, day(3), 9}} {
			if err := tx.AddDownloads(a.id, a.at, a.n); err != nil {
				return err
			}
		}
		return nil
	})
	got := suite.Read(t, s, func(tx store.Tx) ([]core.DayCount, error) { return tx.DailyDownloads(p.ID, day(1).Add(13*time.Hour)) })
	want := []core.DayCount{{Day: day(2), N: 7}, {Day: day(5), N: 2}}
	if len(got) != len(want) {
		t.Fatalf("DailyDownloads = %v, want %v", got, want)
	}
	for i := range want {
		if !got[i].Day.Equal(want[i].Day) || got[i].N != want[i].N {
			t.Fatalf("DailyDownloads = %v, want %v", got, want)
		}
	}
}
