package upstream

import (
	"context"
	"fmt"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/store"
)

// The moderators' decisions on proxied versions the malware scan held:
// release (a false positive: served, never scanned again for those
// bytes) or confirm (malicious: a MAL- advisory in this registry's
// database, which npm audit reports and which keeps the version blocked
// even if the hold were lost). Each is decided as a local version's
// (internal/quarantine: authz.Moderate, a fresh factor to confirm) and
// recorded once, with its event (upstream.decide).

// Moderation is what the decisions need from the moderation services.
type Moderation struct {
	// Authorize decides a moderator's action; destructive ones
	// (confirm) need a fresh second factor.
	Authorize func(p authz.Principal, destructive bool) error
	// Reason checks a moderator's reason (required, bounded).
	Reason func(r, what string) (string, error)
	// Signed says how p signed in and from where (the event's personal
	// part).
	Signed func(p authz.Principal) (via, ip string)
	// Advisories publishes the MAL- advisory of a confirmation; nil
	// confirms without one.
	Advisories interface {
		PublishMalicious(ctx context.Context, actor string, pkg core.PackageRef, versions []string, summary, details string) (id string, err error)
	}
}

func (s *Service) moderation() (*Moderation, error) {
	if s == nil || s.d.Moderation == nil {
		return nil, core.Errorf(core.KindNotFound, "this registry proxies no upstream registry")
	}
	return s.d.Moderation, nil
}

// HeldVersions lists the proxied versions held for review, oldest first.
func (s *Service) HeldVersions(ctx context.Context, p authz.Principal, limit, offset int) ([]core.UpstreamHold, int, error) {
	return s.listHolds(ctx, p, func(tx store.Tx) ([]core.UpstreamHold, int, error) {
		return tx.ListUpstreamHolds(core.UpstreamHeld, limit, offset)
	})
}

// listHolds reads a page of holds for a moderator.
func (s *Service) listHolds(ctx context.Context, p authz.Principal, read func(tx store.Tx) ([]core.UpstreamHold, int, error)) ([]core.UpstreamHold, int, error) {
	m, err := s.moderation()
	if err != nil {
		return nil, 0, err
	}
	if err := m.Authorize(p, false); err != nil {
		return nil, 0, err
	}
	var list []core.UpstreamHold
	var n int
	err = s.d.Store.View(ctx, func(tx store.Tx) error {
		var err error
		list, n, err = read(tx)
		return err
	})
	return list, n, err
}

// Release serves a held proxied version again (a false positive).
func (s *Service) Release(ctx context.Context, p authz.Principal, name, version, why string) error {
	return s.decide(ctx, p, name, version, why, core.UpstreamReleased)
}

// Confirm blocks a held proxied version for good and publishes its MAL-
// advisory; it returns the advisory's id.
func (s *Service) Confirm(ctx context.Context, p authz.Principal, name, version, why string) (string, error) {
	var id string
	err := s.decideWith(ctx, p, name, version, why, core.UpstreamConfirmed, func(h *core.UpstreamHold, m *Moderation) error {
		if m.Advisories == nil {
			return nil
		}
		var err error
		id, err = m.Advisories.PublishMalicious(ctx, actorOf(p), h.Ref, []string{version},
			fmt.Sprintf("Malicious code in %s@%s (proxied from %s)", name, version, h.Upstream),
			fmt.Sprintf("%s@%s, proxied from the upstream registry %q, was held by this registry's malware scan (%s) and confirmed malicious by its moderators: %s", name, version, h.Upstream, h.Reason, why))
		h.Advisory = id
		return err
	})
	return id, err
}

func (s *Service) decide(ctx context.Context, p authz.Principal, name, version, why, state string) error {
	return s.decideWith(ctx, p, name, version, why, state, nil)
}

// decideWith records a decision on a held version, after before (the
// advisory of a confirmation, in its own transaction: the advisory's
// counter is its own).
func (s *Service) decideWith(ctx context.Context, p authz.Principal, name, version, why, state string, before func(*core.UpstreamHold, *Moderation) error) error {
	m, err := s.moderation()
	if err != nil {
		return err
	}
	what := "release"
	if state == core.UpstreamConfirmed {
		what = "confirm as malicious"
	}
	if why, err = m.Reason(why, what); err != nil {
		return err
	}
	if err := m.Authorize(p, state == core.UpstreamConfirmed); err != nil {
		return err
	}
	ref := core.NPM(name)
	var h *core.UpstreamHold
	if err := s.d.Store.View(ctx, func(tx store.Tx) error {
		holds, err := tx.UpstreamHolds(ref)
		for i := range holds {
			if holds[i].Version == version {
				h = &holds[i]
			}
		}
		return err
	}); err != nil {
		return err
	}
	if h == nil || h.State != core.UpstreamHeld {
		return core.Errorf(core.KindNotFound, "%s@%s is not a proxied version held for review", name, version)
	}
	if before != nil {
		if err := before(h, m); err != nil {
			return err
		}
	}
	via, ip := "", ""
	if m.Signed != nil {
		via, ip = m.Signed(p)
	}
	now := s.d.Now()
	h.State, h.DecidedBy, h.DecidedAt, h.Decision = state, actorOf(p), now, why
	err = s.d.Store.Update(ctx, func(tx store.Tx) error {
		if err := tx.DecideUpstreamHold(*h); err != nil {
			return err
		}
		return tx.AppendEvent(event.UpstreamDecide{Upstream: h.Upstream, State: state, Reason: why, Advisory: h.Advisory, Via: via, IP: ip}.At(now, actorOf(p), name, version))
	})
	if err != nil {
		return err
	}
	for i := range s.d.Upstreams {
		s.forget(&s.d.Upstreams[i], name)
	}
	return nil
}

func actorOf(p authz.Principal) string {
	if p.Console && p.User == nil {
		return "operator"
	}
	return p.Name()
}

// Hold is the hold of the proxied name@version in any state (held,
// released or confirmed), for its evidence page; the caller must be a
// moderator.
func (s *Service) Hold(ctx context.Context, p authz.Principal, name, version string) (*core.UpstreamHold, error) {
	m, err := s.moderation()
	if err != nil {
		return nil, err
	}
	if err := m.Authorize(p, false); err != nil {
		return nil, err
	}
	var h *core.UpstreamHold
	err = s.d.Store.View(ctx, func(tx store.Tx) error {
		holds, err := tx.UpstreamHolds(core.NPM(name))
		for i := range holds {
			if holds[i].Version == version {
				h = &holds[i]
			}
		}
		return err
	})
	if err == nil && h == nil {
		err = core.Errorf(core.KindNotFound, "%s@%s is not a proxied version the malware scan held", name, version)
	}
	return h, err
}
