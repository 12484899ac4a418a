package identity

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
)

// The administrators' view of accounts, for the web admin area. Every
// call is an administrative action (authz.AdminUsers): an administrator
// whose security key or passkey passed within the step-up window in this
// browser session, or the operator at the console. The console commands
// call the unchecked forms (DisableUser, StartRecovery) as "operator".

// MaxUsersPerPage bounds one page of the user list.
const MaxUsersPerPage = 100

// UserPage is one page of the user list; Next is the name to list after
// for the next page, "" on the last.
type UserPage struct {
	Users []core.User
	Next  string
}

// ListUsers lists the accounts whose name or address contains query.
func (s *Service) ListUsers(ctx context.Context, p authz.Principal, query, after string, limit int) (*UserPage, error) {
	if err := authz.Require(p, authz.AdminUsers, authz.Resource{}); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > MaxUsersPerPage {
		limit = MaxUsersPerPage
	}
	query = strings.TrimSpace(query)
	if len(query) > 256 {
		return nil, core.Errorf(core.KindInvalid, "the search is too long (at most 256 bytes)")
	}
	var users []core.User
	err := s.store.View(ctx, func(tx store.Tx) error {
		var err error
		users, err = tx.SearchUsers(query, after, limit+1)
		return err
	})
	if err != nil {
		return nil, err
	}
	page := &UserPage{Users: users}
	if len(users) > limit {
		page.Users = users[:limit]
		page.Next = users[limit-1].Name
	}
	return page, nil
}

// DisableUserAs disables an account as administrator p. An administrator
// cannot disable their own account (nobody could undo it from the web).
func (s *Service) DisableUserAs(ctx context.Context, p authz.Principal, name string) error {
	if err := authz.Require(p, authz.AdminUsers, authz.Resource{}); err != nil {
		return err
	}
	if p.User != nil && p.User.Name == name && !p.Console {
		return core.Errorf(core.KindInvalid, "you cannot disable your own account; ask another administrator, or use `rampart admin user disable` at the console")
	}
	return s.DisableUser(ctx, p.Name(), name)
}

// StartRecoveryAs starts the assisted recovery of an account as
// administrator p, with the reason recorded in the event log.
func (s *Service) StartRecoveryAs(ctx context.Context, p authz.Principal, name, reason string) (*core.Recovery, error) {
	if err := authz.Require(p, authz.AdminUsers, authz.Resource{}); err != nil {
		return nil, err
	}
	if p.User != nil && p.User.Name == name && !p.Console {
		return nil, core.Errorf(core.KindInvalid, "you cannot start the recovery of your own account; ask another administrator")
	}
	return s.StartRecovery(ctx, p.Name(), name, reason)
}

// AdminEvents lists the newest events whose actor is an administrator,
// a moderator or the console operator, newest first, at most limit: what
// the site's staff did.
func (s *Service) AdminEvents(ctx context.Context, p authz.Principal, limit int) ([]core.Event, error) {
	if err := authz.Require(p, authz.AdminUsers, authz.Resource{}); err != nil {
		return nil, err
	}
	var out []core.Event
	err := s.store.View(ctx, func(tx store.Tx) error {
		staff, err := tx.SiteStaff()
		if err != nil {
			return err
		}
		actors := []string{"operator"}
		for _, u := range staff {
			actors = append(actors, u.Name)
		}
		for _, a := range actors {
			evs, err := tx.EventsByActor(a, limit)
			if err != nil {
				return err
			}
			out = append(out, evs...)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b core.Event) int { return cmp.Compare(b.Seq, a.Seq) })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}
