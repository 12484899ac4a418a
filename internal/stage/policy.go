package stage

import (
	"context"
	"errors"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/store"
)

// Policy is the staged-publishing policy of the package name, for one of
// its maintainers.
func (s *Service) Policy(ctx context.Context, p authz.Principal, name string) (core.StagePolicy, error) {
	var out core.StagePolicy
	err := s.store.View(ctx, func(tx store.Tx) error {
		pk, err := s.load(tx, name)
		if errors.Is(err, core.ErrNotFound) {
			return core.Errorf(core.KindNotFound, "package %s was not found", name)
		}
		if err != nil {
			return err
		}
		if err := authz.Authorize(p, authz.ReviewStages, pk.res); err != nil {
			return err
		}
		out, err = tx.StagePolicy(pk.pkg.ID)
		return err
	})
	return out, err
}

// SetPolicy changes the staged-publishing policy of the package name:
// a maintainer with a fresh second factor (authz.SetStagePolicy), and
// every maintainer is mailed.
func (s *Service) SetPolicy(ctx context.Context, p authz.Principal, name string, policy core.StagePolicy) error {
	if _, ok := core.ParseStagePolicy(string(policy)); !ok || policy == "" {
		return core.Errorf(core.KindInvalid, "unknown staged-publishing policy %q: choose none, ci or all", policy)
	}
	decide := func(tx store.Tx) (*pkgState, error) {
		pk, err := s.load(tx, name)
		if errors.Is(err, core.ErrNotFound) {
			return nil, core.Errorf(core.KindNotFound, "package %s was not found", name)
		}
		if err != nil {
			return nil, err
		}
		return pk, authz.Authorize(p, authz.SetStagePolicy, pk.res)
	}
	err := authz.Settle(p, func() error {
		return s.store.View(ctx, func(tx store.Tx) error { _, err := decide(tx); return err })
	})
	if err != nil {
		return err
	}
	changed := false
	err = s.store.Update(ctx, func(tx store.Tx) error {
		pk, err := decide(tx)
		if err != nil {
			return err
		}
		old, err := tx.StagePolicy(pk.pkg.ID)
		if err != nil || old == policy {
			changed = false
			return err
		}
		if err := tx.SetStagePolicy(pk.pkg.ID, policy); err != nil {
			return err
		}
		now := s.now()
		via, ip := s.cfg.Hooks.Signed(p)
		ev := event.StagePolicy{From: string(old), To: string(policy), Via: via, IP: ip, Notify: core.UserNames(pk.maintainers)}
		changed = true
		return tx.AppendEvent(ev.At(now, p.User.Name, pk.pkg.Name))
	})
	if err == nil && changed {
		s.log.Info("staged-publishing policy changed", "package", name, "policy", policy, "user", p.User.Name)
		s.notices.Wake()
	}
	return err
}
