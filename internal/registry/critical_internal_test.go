package registry

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
		want    []int64
	}{
		{"no downloads", nil, 500, 1, nil},
		{"minimum one", totals(9, 3), 3, 1, []int64{1}},
		{"1% of 250 is 3 (rounded up)", totals(90, 80, 70, 60, 50), 250, 1, []int64{1, 2, 3}},
		{"1% of 200 is 2", totals(90, 80, 70, 60, 50), 200, 1, []int64{1, 2}},
		{"ties with the last are in", totals(90, 80, 80, 80, 50), 200, 1, []int64{1, 2, 3, 4}},
		{"tie at the top", totals(7, 7), 100, 1, []int64{1, 2}},
		{"more than have downloads", totals(5, 4), 1000, 10, []int64{1, 2}},
		{"zero percent: only designated ones", totals(5), 10, 0, nil},
	} {
		if got := topCritical(tc.totals, tc.all, tc.percent); !slices.Equal(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}
