package namepolicy

import (
	"context"
	"errors"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/typosquat"
)

// Resembles says whether a name served from an upstream registry
// resembles a popular one, as Check would refuse it for a new local name
// (moderators' allowances included). A proxied name is not refused (it
// exists upstream) but flagged to those who install it.
func (s *Service) Resembles(ctx context.Context, ref core.PackageRef) (typosquat.Match, bool, error) {
	var m typosquat.Match
	var ok bool
	err := s.st.View(ctx, func(tx store.Tx) error {
		if _, err := tx.NameAllowance(ref); err == nil {
			return nil
		} else if !errors.Is(err, core.ErrNotFound) {
			return err
		}
		x, err := s.popular(tx)
		if err != nil {
			return err
		}
		m, ok = x.Match(ref.Name)
		return nil
	})
	return m, ok, err
}
