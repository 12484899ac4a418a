// Package critical decides which packages are critical by downloads: the
// top percent of the last 30 days' downloads, above a floor, and when a
// package that became critical starts needing a security key (its grace
// period). What follows from it (authorization, mailing the maintainers,
// the event recording the change) is the registry's.
package critical

import (
	"math"
	"slices"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
)

// Window is the period over which downloads make a package critical.
const Window = 30 * 24 * time.Hour

// Top picks the critical packages from download totals (most first): the
// top percent of all packages, rounded up, at least one, among those with
// at least floor downloads. Packages tied with the last one picked are
// critical too, so the answer never depends on the order of equal
// counts. The floor keeps a small registry's top percent (often its only
// package, with a handful of downloads) from becoming critical and
// locking out its maintainer.
func Top(totals []core.PackageDownloads, allPackages int, percent float64, floor int64) []int64 {
	floor = max(floor, 1)
	eligible := 0
	for eligible < len(totals) && totals[eligible].Downloads >= floor {
		eligible++
	}
	totals = totals[:eligible]
	if len(totals) == 0 || percent <= 0 {
		return nil
	}
	n := max(int(math.Ceil(float64(allPackages)*percent/100)), 1)
	n = min(n, len(totals))
	for n < len(totals) && totals[n].Downloads == totals[n-1].Downloads {
		n++
	}
	ids := make([]int64, n)
	for i := range n {
		ids[i] = totals[i].PackageID
	}
	slices.Sort(ids)
	return ids
}

// Roles are the store roles Recompute reads and writes.
type Roles interface {
	store.Packages
	store.Critical
}

// Computed is the computed set as Recompute wrote it.
type Computed struct {
	// Changed is whether the set differs from the one before.
	Changed bool
	// IDs are the critical packages by downloads, sorted.
	IDs []int64
	// Names are the names of the packages with downloads, by id.
	Names map[int64]string
	// WasCritical are the packages critical before (computed or
	// designated), by id.
	WasCritical map[int64]bool
}

// Recompute makes the packages critical by downloads over the Window
// before now the computed set, inside the caller's transaction.
func Recompute(tx Roles, now time.Time, percent float64, floor int64) (Computed, error) {
	var c Computed
	totals, err := tx.DownloadTotals(now.Add(-Window))
	if err != nil {
		return c, err
	}
	names, err := tx.AllPackageNames()
	if err != nil {
		return c, err
	}
	c.IDs = Top(totals, len(names), percent, floor)
	before, err := tx.CriticalPackages()
	if err != nil {
		return c, err
	}
	var old []int64
	c.WasCritical = map[int64]bool{}
	for _, b := range before {
		c.WasCritical[b.PackageID] = true
		if b.Computed {
			old = append(old, b.PackageID)
		}
	}
	if err := tx.SetCriticalComputed(c.IDs, now); err != nil {
		return c, err
	}
	c.Changed = !slices.Equal(old, c.IDs)
	c.Names = map[int64]string{}
	for _, d := range totals {
		c.Names[d.PackageID] = d.Name
	}
	return c, nil
}

// KeyRequiredFrom is when a package in its grace period starts needing a
// security key or passkey; zero if it is not critical, already needs one,
// or there is no grace period.
func KeyRequiredFrom(c core.CriticalPackage, grace time.Duration, now time.Time) time.Time {
	start := c.GraceStart()
	if !c.Critical() || start.IsZero() || grace <= 0 {
		return time.Time{}
	}
	end := start.Add(grace)
	if !now.Before(end) {
		return time.Time{}
	}
	return end
}
