package critical

import (
	"slices"
	"testing"

	"github.com/rampart/rampart/internal/core"
)

func TestTopCritical(t *testing.T) {
	totals := func(counts ...int64) []core.PackageDownloads {
		var out []core.PackageDownloads
		for i, n := range counts {
			out = append(out, core.PackageDownloads{PackageID: int64(i + 1), Downloads: n})
		}
		return out
	}
	for _, tc := range []struct {
		name    string
		totals  []core.PackageDownloads
		all     int
		percent float64
		floor   int64
		want    []int64
	}{
		{"no downloads", nil, 500, 1, 1, nil},
		{"minimum one", totals(9, 3), 3, 1, 1, []int64{1}},
		{"1% of 250 is 3 (rounded up)", totals(90, 80, 70, 60, 50), 250, 1, 1, []int64{1, 2, 3}},
		{"1% of 200 is 2", totals(90, 80, 70, 60, 50), 200, 1, 1, []int64{1, 2}},
		{"ties with the last are in", totals(90, 80, 80, 80, 50), 200, 1, 1, []int64{1, 2, 3, 4}},
		{"tie at the top", totals(7, 7), 100, 1, 1, []int64{1, 2}},
		{"more than have downloads", totals(5, 4), 1000, 10, 1, []int64{1, 2}},
		{"zero percent: only designated ones", totals(5), 10, 0, 1, nil},
		// The floor: a small registry's only package, downloaded once, is
		// the top 1% but not critical.
		{"one package, one download, under the floor", totals(1), 1, 1, 1000, nil},
		{"under the floor is never picked", totals(5000, 999, 998), 3, 100, 1000, []int64{1}},
		{"at the floor counts", totals(1000), 1, 1, 1000, []int64{1}},
		{"ties across the floor stop at it", totals(1200, 999), 10, 50, 1000, []int64{1}},
	} {
		if got := Top(tc.totals, tc.all, tc.percent, tc.floor); !slices.Equal(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}
