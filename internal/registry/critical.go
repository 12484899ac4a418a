package registry

import (
	"context"
	"errors"
	"time"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/critical"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/store"
)

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
	err = s.store.Update(ctx, func(tx store.Tx) error {
		changed = false
		c, err := critical.Recompute(tx, now, s.cfg.CriticalTopPercent, s.cfg.CriticalMinDownloads)
		if err != nil || !c.Changed {
			return err
		}
		changed = true
		ids, byID, wasCritical := c.IDs, c.Names, c.WasCritical
		list := make([]string, 0, len(ids))
		added, recipients := []string{}, []string{}
		for _, id := range ids {
			list = append(list, byID[id])
			if wasCritical[id] {
				continue
			}
			added = append(added, byID[id])
			ms, err := tx.Maintainers(id) // mailed from the outbox
			if err != nil {
				return err
			}
			for _, u := range core.UserNames(ms) {
				recipients = append(recipients, byID[id]+" "+u)
			}
		}
		data := event.CriticalChange{Computed: list, BecameCritical: added, TopPercent: event.Decimal(s.cfg.CriticalTopPercent),
			MinDownloads: max(s.cfg.CriticalMinDownloads, 1), WindowDays: 30, Recipients: recipients}
		if len(added) > 0 {
			data.KeyRequiredFrom = now.Add(s.cfg.CriticalGrace)
		}
		return tx.AppendEvent(data.At(now, "rampart", "", ""))
	})
	if err == nil && changed {
		s.notices.Wake()
	}
	return changed, err
}

// KeyRequiredFrom is when a package in its grace period starts needing a
// security key or passkey; zero if it is not critical or already needs one.
func (s *Service) KeyRequiredFrom(c core.CriticalPackage) time.Time {
	return critical.KeyRequiredFrom(c, s.cfg.CriticalGrace, s.now())
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
	err := s.store.Update(ctx, func(tx store.Tx) error {
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
		ev := event.CriticalChange{Designated: on}
		if on && !before.Designated {
			// A designation applies at once (an administrator's
			// deliberate decision, with no grace period); the
			// maintainers hear of it all the same, from the outbox.
			ms, err := tx.Maintainers(pkg.ID)
			if err != nil {
				return err
			}
			ev.Notify = core.UserNames(ms)
		}
		return tx.AppendEvent(ev.At(now, p.Name(), name, ""))
	})
	if err == nil {
		s.notices.Wake()
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
