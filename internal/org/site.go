package org

import (
	"context"
	"errors"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/store"
)

// SetModerator grants (on) or revokes a user's site role of moderator:
// moderators handle reports and quarantine (authz.Moderate) and have no
// power over accounts. Only administrators change site roles.
func (s *Service) SetModerator(ctx context.Context, p authz.Principal, user string, on bool) error {
	if err := authz.Require(p, authz.AdminUsers, authz.Resource{}); err != nil {
		return err
	}
	return s.store.Update(ctx, func(tx store.Tx) error {
		if err := authz.Authorize(p, authz.AdminUsers, authz.Resource{}); err != nil {
			return err
		}
		u, err := tx.UserByName(user)
		if errors.Is(err, core.ErrNotFound) {
			return core.Errorf(core.KindNotFound, "there is no user named %q", user)
		}
		if err != nil {
			return err
		}
		if u.Moderator == on {
			return nil
		}
		if on && u.Disabled() {
			return core.Errorf(core.KindInvalid, "user %s is disabled and cannot moderate", user)
		}
		u.Moderator = on
		if err := tx.UpdateUser(u); err != nil {
			return err
		}
		return tx.AppendEvent(event.SiteRole{User: u.Name, Role: "moderator", Granted: on}.At(s.now(), actor(p)))
	})
}
