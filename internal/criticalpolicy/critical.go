// Package criticalpolicy keeps the set of critical packages: the daily
// recomputation from the last 30 days of downloads (internal/critical
// computes it), an administrator's designation, and the lists pages and
// the console show. Each change records a critical.change event naming
// the maintainers to mail, so that the notices go out from the outbox
// (internal/pkgnotices). What being critical demands of a publish (a
// phishing-resistant factor after the grace period) is authz's.
package criticalpolicy

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/critical"
	"github.com/rampart/rampart/internal/ecosystem"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/store"
)

// Config is how critical packages are chosen.
type Config struct {
	// TopPercent is the share of packages, by downloads over the last 30
	// days, that is critical ([mfa] critical_top_percent).
	TopPercent float64
	// MinDownloads is the floor under the percentile: fewer downloads
	// over 30 days never make a package critical
	// ([mfa] critical_min_downloads; 0 counts as 1).
	MinDownloads int64
	// Grace is how long after becoming critical by downloads a package's
	// maintainers may still use TOTP for it ([mfa]
	// critical_grace_period); the mail they get names the deadline.
	Grace time.Duration
}

// Service keeps the critical packages of one format's packages.
type Service struct {
	store  store.Store
	format ecosystem.Format
	cfg    Config
	now    func() time.Time
	log    *slog.Logger
	// flush writes the download counts still held in memory, so that a
	// recomputation counts them.
	flush func(context.Context) error
	// wake tells the package notices' notifier that an event waits.
	wake func()
}

// New is the service over st; flush writes buffered download counts
// before a recomputation, wake is called after a change commits.
func New(st store.Store, format ecosystem.Format, cfg Config, now func() time.Time, log *slog.Logger, flush func(context.Context) error, wake func()) *Service {
	return &Service{store: st, format: format, cfg: cfg, now: now, log: log, flush: flush, wake: wake}
}

// ref names a package of the format served.
func (s *Service) ref(name string) core.PackageRef { return ecosystem.Ref(s.format, name) }

// Recompute recomputes the computed set of critical packages from
// the last 30 days of downloads and writes an event when it changed. The
// maintainers of each package that became critical are mailed what it
// means, how to add a security key, and when TOTP stops being enough
// (the grace period).
func (s *Service) Recompute(ctx context.Context) (changed bool, err error) {
	if err := s.flush(ctx); err != nil {
		return false, err
	}
	now := s.now()
	err = s.store.Update(ctx, func(tx store.Tx) error {
		changed = false
		c, err := critical.Recompute(tx, now, s.cfg.TopPercent, s.cfg.MinDownloads)
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
		data := event.CriticalChange{Computed: list, BecameCritical: added, TopPercent: event.Decimal(s.cfg.TopPercent),
			MinDownloads: max(s.cfg.MinDownloads, 1), WindowDays: 30, Recipients: recipients}
		if len(added) > 0 {
			data.KeyRequiredFrom = now.Add(s.cfg.Grace)
		}
		return tx.AppendEvent(data.At(now, "rampart", "", ""))
	})
	if err == nil && changed {
		s.wake()
	}
	return changed, err
}

// KeyRequiredFrom is when a package in its grace period starts needing a
// security key or passkey; zero if it is not critical or already needs one.
func (s *Service) KeyRequiredFrom(c core.CriticalPackage) time.Time {
	return critical.KeyRequiredFrom(c, s.cfg.Grace, s.now())
}

// Run recomputes critical packages now and then every interval
// (a day) until ctx ends.
func (s *Service) Run(ctx context.Context, interval time.Duration) {
	for {
		if _, err := s.Recompute(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("recomputing critical packages", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(interval):
		}
	}
}

// Designate marks a package critical (on) or removes the mark; an
// administrator's decision, independent of downloads.
func (s *Service) Designate(ctx context.Context, p authz.Principal, name string, on bool) error {
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
		s.wake()
	}
	return err
}

// List lists the critical packages, for admins and pages.
func (s *Service) List(ctx context.Context) ([]core.CriticalPackage, error) {
	var out []core.CriticalPackage
	err := s.store.View(ctx, func(tx store.Tx) error {
		var err error
		out, err = tx.CriticalPackages()
		return err
	})
	return out, err
}
