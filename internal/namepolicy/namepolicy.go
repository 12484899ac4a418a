// Package namepolicy is typosquatting protection for new package names:
// a new name that imitates a popular one (internal/typosquat's Match) is
// refused, unless a moderator or administrator allowed that exact name
// (store.NameAllowances, each allowance an event). The popular names are
// npm's high-impact names shipped in the binary and this registry's own
// most downloaded packages, re-read at most every RefreshEvery. Existing
// packages are never checked: the publish pipeline asks only for a name
// that does not exist yet (internal/publish, the "names" stage).
package namepolicy

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/critical"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/typosquat"
)

const (
	// RefreshEvery is how long the registry's own popular names are
	// reused before the download ranking is read again.
	RefreshEvery = 10 * time.Minute
	// LocalTop is how many of the registry's most downloaded packages
	// (over critical.Window) join the popular names.
	LocalTop = 1000
)

// Roles are the store roles a check reads.
type Roles interface {
	store.Critical
	store.NameAllowances
}

// Service checks and allows new names.
type Service struct {
	st       store.Store
	now      func() time.Time
	snapshot []string

	mu    sync.Mutex
	index *typosquat.Index
	built time.Time
}

// New returns the service on st; now nil is time.Now.
func New(st store.Store, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{st: st, now: now, snapshot: typosquat.Snapshot()}
}

// Check refuses a new name that resembles a popular one and that no
// moderator allowed. It is publish.Config.Names.
func (s *Service) Check(tx Roles, ref core.PackageRef) error {
	if _, err := tx.NameAllowance(ref); err == nil {
		return nil
	} else if !errors.Is(err, core.ErrNotFound) {
		return err
	}
	x, err := s.popular(tx)
	if err != nil {
		return err
	}
	m, ok := x.Match(ref.Name)
	if !ok {
		return nil
	}
	return core.Errorf(core.KindForbidden,
		"the new package name %s is refused because it resembles the popular package %s: it %s. Typosquatting protection refuses new names that imitate popular ones. Choose another name; or, if it is no imitation, ask this registry's moderators to review it (an administrator can allow it with `rampart admin name allow %s`)",
		ref.Name, m.Popular, m.Why, ref.Name)
}

// popular is the index of popular names, rebuilt from the download
// ranking when older than RefreshEvery.
func (s *Service) popular(tx store.Critical) (*typosquat.Index, error) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.index != nil && now.Sub(s.built) < RefreshEvery && !now.Before(s.built) {
		return s.index, nil
	}
	totals, err := tx.DownloadTotals(now.Add(-critical.Window))
	if err != nil {
		return nil, err
	}
	names := append([]string{}, s.snapshot...)
	for i, d := range totals {
		if i == LocalTop {
			break
		}
		names = append(names, d.Name)
	}
	s.index, s.built = typosquat.New(names), now
	return s.index, nil
}

// Allow lets ref be created although it resembles a popular name: a
// moderator's or administrator's decision, recorded with its event.
func (s *Service) Allow(ctx context.Context, p authz.Principal, ref core.PackageRef, reason string) error {
	if err := authz.Authorize(p, authz.Moderate, authz.Resource{}); err != nil {
		return err
	}
	if strings.TrimSpace(ref.Name) == "" {
		return core.Errorf(core.KindInvalid, "name a package to allow")
	}
	now := s.now()
	return s.st.Update(ctx, func(tx store.Tx) error {
		var resembles string
		x, err := s.popular(tx)
		if err != nil {
			return err
		}
		if m, ok := x.Match(ref.Name); ok {
			resembles = m.Popular
		}
		if err := tx.AllowName(core.NameAllowance{Ref: ref, AllowedBy: p.User.Name, Reason: reason, AllowedAt: now}); err != nil {
			if errors.Is(err, core.ErrConflict) {
				return core.Errorf(core.KindConflict, "the name %s is already allowed", ref.Name)
			}
			return err
		}
		return tx.AppendEvent(event.NameAllowed{Resembles: resembles, Reason: reason}.At(now, p.User.Name, ref.Name))
	})
}

// Allowed lists the allowances, oldest first.
func (s *Service) Allowed(ctx context.Context, p authz.Principal) ([]core.NameAllowance, error) {
	if err := authz.Authorize(p, authz.Moderate, authz.Resource{}); err != nil {
		return nil, err
	}
	var out []core.NameAllowance
	err := s.st.View(ctx, func(tx store.Tx) error {
		var err error
		out, err = tx.NameAllowances()
		return err
	})
	return out, err
}
