package identity

import (
	"context"
	"strings"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/event"
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

// staffEventTypes are the events only the site's staff cause: the
// actions authz.AdminUsers, AdminNames and Moderate allow. The admin
// area lists them by kind, not by today's staff, so that an action stays
// listed after its author leaves the staff. Each event type declares its
// class where it is registered (internal/event, class.go), and a test
// there fails on one that does not: a new staff action is listed here by
// being registered .by(event.Staff).
var staffEventTypes = event.StaffTypes()

// staffActors are the actors whose every event is a staff action: the
// operator at the console.
var staffActors = []string{"operator"}

// staffAction reports whether e, of a staff type or by a staff actor,
// was done by a person: the registry's own jobs record some of the same
// types (the scan's holds, critical packages by downloads, the scheduled
// advisory pull).
func staffAction(e *core.Event) bool {
	switch e.Actor {
	case "", "rampart", "malware-scan":
		return false
	}
	if e.Type == core.EventQuarantine {
		// The scan's hold of a new version is recorded under its
		// publisher's name and names the staff to alert; a moderator's
		// hold alerts no staff.
		p, err := event.Parse(e)
		if q, ok := p.(event.Quarantine); err == nil && ok && len(q.Staff) > 0 {
			return false
		}
	}
	return true
}

// adminEventsPage is how many events AdminEvents reads at a time while
// it skips the registry's own, and adminEventsPages how many pages at
// most, so that one page view reads a bounded number of rows.
const (
	adminEventsPage  = 200
	adminEventsPages = 25
)

// AdminEvents lists the newest staff actions, newest first, at most
// limit: every administrator's and moderator's action ever recorded,
// including by people no longer staff, and the console operator's.
func (s *Service) AdminEvents(ctx context.Context, p authz.Principal, limit int) ([]core.Event, error) {
	if err := authz.Require(p, authz.AdminUsers, authz.Resource{}); err != nil {
		return nil, err
	}
	var out []core.Event
	err := s.store.View(ctx, func(tx store.Tx) error {
		before := int64(0)
		for page := 0; page < adminEventsPages && len(out) < limit; page++ {
			evs, err := tx.EventsOfKinds(staffEventTypes, staffActors, before, adminEventsPage)
			if err != nil {
				return err
			}
			for i := range evs {
				if staffAction(&evs[i]) && len(out) < limit {
					out = append(out, evs[i])
				}
			}
			if len(evs) < adminEventsPage {
				return nil
			}
			before = evs[len(evs)-1].Seq
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
