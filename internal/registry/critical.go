package registry

import (
	"context"
	"errors"
	"math"
	"slices"
	"time"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
)

// CriticalWindow is the period over which downloads make a package critical.
const CriticalWindow = 30 * 24 * time.Hour

// topCritical picks the critical packages from download totals (most
// first): the top percent of all packages, rounded up, at least one if
// any package has downloads. Packages tied with the last one picked are
// critical too, so the answer never depends on the order of equal counts.
func topCritical(totals []core.PackageDownloads, allPackages int, percent float64) []int64 {
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

// RecomputeCritical recomputes the computed set of critical packages from
// the last 30 days of downloads and writes an event when it changed.
func (s *Service) RecomputeCritical(ctx context.Context) (changed bool, err error) {
	if err := s.downloads.Flush(ctx); err != nil {
		return false, err
	}
	now := s.now()
	err = s.store.Update(ctx, func(tx store.Tx) error {
		changed = false
		totals, err := tx.DownloadTotals(now.Add(-CriticalWindow))
		if err != nil {
			return err
		}
		names, err := tx.AllPackageNames()
		if err != nil {
			return err
		}
		ids := topCritical(totals, len(names), s.cfg.CriticalTopPercent)
		before, err := tx.CriticalPackages()
		if err != nil {
			return err
		}
		var old []int64
		for _, c := range before {
			if c.Computed {
				old = append(old, c.PackageID)
			}
		}
		if err := tx.SetCriticalComputed(ids, now); err != nil {
			return err
		}
		if slices.Equal(old, ids) {
			return nil
		}
		changed = true
		byID := map[int64]string{}
		for _, d := range totals {
			byID[d.PackageID] = d.Name
		}
		list := make([]string, 0, len(ids))
		for _, id := range ids {
			list = append(list, byID[id])
		}
		return tx.AppendEvent(&core.Event{At: now, Type: core.EventCriticalChange, Actor: "rampart", Data: jsonData(map[string]any{
			"computed": list, "top_percent": s.cfg.CriticalTopPercent, "window_days": 30})})
	})
	return changed, err
}

// RunCritical recomputes critical packages now and then every interval
// (a day) until ctx ends.
func (s *Service) RunCritical(ctx context.Context, interval time.Duration) {
	for {
		if _, err := s.RecomputeCritical(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("recomputing critical packages", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(interval):
		}
	}
}

// DesignateCritical marks a package critical (on) or removes the mark; an
// administrator's decision, independent of downloads.
func (s *Service) DesignateCritical(ctx context.Context, p authz.Principal, name string, on bool) error {
	if err := authz.Authorize(p, authz.AdminNames, authz.Resource{Package: name}); err != nil {
		return err
	}
	now := s.now()
	return s.store.Update(ctx, func(tx store.Tx) error {
		pkg, err := tx.PackageByName(name)
		if errors.Is(err, core.ErrNotFound) {
			return core.Errorf(core.KindNotFound, "package %s was not found", name)
		}
		if err != nil {
			return err
		}
		if err := tx.SetCriticalDesignated(pkg.ID, on); err != nil {
			return err
		}
		return tx.AppendEvent(&core.Event{At: now, Type: core.EventCriticalChange, Actor: p.Name(), Package: name, Data: jsonData(map[string]any{"designated": on})})
	})
}

// CriticalPackages lists the critical packages, for admins and pages.
func (s *Service) CriticalPackages(ctx context.Context) ([]core.CriticalPackage, error) {
	var out []core.CriticalPackage
	err := s.store.View(ctx, func(tx store.Tx) error {
		var err error
		out, err = tx.CriticalPackages()
		return err
	})
	return out, err
}

// IsCritical reports whether the named package is critical (false for an
// unknown name).
func (s *Service) IsCritical(ctx context.Context, name string) (bool, error) {
	var on bool
	err := s.store.View(ctx, func(tx store.Tx) error {
		p, err := tx.PackageByName(name)
		if errors.Is(err, core.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		on, err = tx.IsCritical(p.ID)
		return err
	})
	return on, err
}
