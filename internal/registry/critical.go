package registry

import (
	"context"
	"errors"
	"math"
	"slices"
	"time"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/mail"
	"github.com/rampart/rampart/internal/store"
)

// CriticalWindow is the period over which downloads make a package critical.
const CriticalWindow = 30 * 24 * time.Hour

// topCritical picks the critical packages from download totals (most
// first): the top percent of all packages, rounded up, at least one, among
// those with at least floor downloads. Packages tied with the last one
// picked are critical too, so the answer never depends on the order of
// equal counts. The floor keeps a small registry's top percent (often
// its only package, with a handful of downloads) from becoming critical
// and locking out its maintainer.
func topCritical(totals []core.PackageDownloads, allPackages int, percent float64, floor int64) []int64 {
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

// RecomputeCritical recomputes the computed set of critical packages from
// the last 30 days of downloads and writes an event when it changed. The
// maintainers of each package that became critical are mailed what it
// means, how to add a security key, and when TOTP stops being enough
// (the grace period).
func (s *Service) RecomputeCritical(ctx context.Context) (changed bool, err error) {
	if err := s.downloads.Flush(ctx); err != nil {
		return false, err
	}
	now := s.now()
	var notices []notice
	err = s.store.Update(ctx, func(tx store.Tx) error {
		changed, notices = false, nil
		totals, err := tx.DownloadTotals(now.Add(-CriticalWindow))
		if err != nil {
			return err
		}
		names, err := tx.AllPackageNames()
		if err != nil {
			return err
		}
		ids := topCritical(totals, len(names), s.cfg.CriticalTopPercent, s.cfg.CriticalMinDownloads)
		before, err := tx.CriticalPackages()
		if err != nil {
			return err
		}
		var old []int64
		wasCritical := map[int64]bool{}
		for _, c := range before {
			wasCritical[c.PackageID] = true
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
		added := []string{}
		for _, id := range ids {
			list = append(list, byID[id])
			if wasCritical[id] {
				continue
			}
			added = append(added, byID[id])
			n, err := s.criticalNotice(tx, id, byID[id], "among the most downloaded packages of this registry", now.Add(s.cfg.CriticalGrace))
			if err != nil {
				return err
			}
			notices = append(notices, n)
		}
		data := map[string]any{"computed": list, "became_critical": added, "top_percent": s.cfg.CriticalTopPercent,
			"min_downloads": max(s.cfg.CriticalMinDownloads, 1), "window_days": 30}
		if len(added) > 0 {
			data["key_required_from"] = now.Add(s.cfg.CriticalGrace).UTC().Format(time.RFC3339)
		}
		return tx.AppendEvent(&core.Event{At: now, Type: core.EventCriticalChange, Actor: "rampart", Data: jsonData(data)})
	})
	if err == nil {
		s.mailNotices(ctx, notices)
	}
	return changed, err
}

// criticalNotice is the mail to the maintainers of a package that became
// critical: keyFrom is when TOTP alone stops being enough for it (the end
// of the grace period; now or earlier means at once).
func (s *Service) criticalNotice(tx store.Packages, pkgID int64, name, reason string, keyFrom time.Time) (notice, error) {
	ms, err := tx.Maintainers(pkgID)
	if err != nil {
		return notice{}, err
	}
	now := s.now()
	n := mail.Notice{When: now, Package: name, Reason: reason, PackageURL: s.packageURL(name),
		SecurityURL: s.cfg.PublicURL + pathSecurityKeys}
	if keyFrom.After(now) {
		n.KeyRequiredFrom = keyFrom
	}
	return notice{kind: mail.KindPackageCritical, n: n, to: ms}, nil
}

// KeyRequiredFrom is when a package in its grace period starts needing a
// security key or passkey; zero if it is not critical or already needs one.
func (s *Service) KeyRequiredFrom(c core.CriticalPackage) time.Time {
	start := c.GraceStart()
	if !c.Critical() || start.IsZero() || s.cfg.CriticalGrace <= 0 {
		return time.Time{}
	}
	end := start.Add(s.cfg.CriticalGrace)
	if !s.now().Before(end) {
		return time.Time{}
	}
	return end
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
	if err := authz.Settle(p, func() error { return authz.Authorize(p, authz.AdminNames, authz.Resource{Package: s.ref(name)}) }); err != nil {
		return err
	}
	now := s.now()
	var notices []notice
	err := s.store.Update(ctx, func(tx store.Tx) error {
		notices = nil
		pkg, err := tx.PackageByRef(s.ref(name))
		if errors.Is(err, core.ErrNotFound) {
			return core.Errorf(core.KindNotFound, "package %s was not found", name)
		}
		if err != nil {
			return err
		}
		before, err := tx.CriticalState(pkg.ID)
		if err != nil {
			return err
		}
		if err := tx.SetCriticalDesignated(pkg.ID, on); err != nil {
			return err
		}
		if on && !before.Designated {
			// A designation applies at once (an administrator's
			// deliberate decision, with no grace period); the
			// maintainers hear of it all the same.
			n, err := s.criticalNotice(tx, pkg.ID, name, "designated critical by the registry's administrators", now)
			if err != nil {
				return err
			}
			notices = append(notices, n)
		}
		return tx.AppendEvent(&core.Event{At: now, Type: core.EventCriticalChange, Actor: p.Name(), Package: name, Data: jsonData(map[string]any{"designated": on})})
	})
	if err == nil {
		s.mailNotices(ctx, notices)
	}
	return err
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
		p, err := tx.PackageByRef(s.ref(name))
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
