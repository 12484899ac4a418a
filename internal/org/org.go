// Package org is the organisations service: creating and deleting an
// org, its members and their roles, its teams and their members, and
// the teams' grants on the org's packages (docs/orgs.md). Every change
// is decided by authz.Authorize on the org's facts (internal/orgfacts),
// records a typed event in its transaction, and is mailed to the org's
// owners and the user it affects from the event outbox (notices.go).
package org

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/identity"
	"github.com/rampart/rampart/internal/mail"
	"github.com/rampart/rampart/internal/notifier"
	"github.com/rampart/rampart/internal/orgfacts"
	"github.com/rampart/rampart/internal/store"
)

// Service manages organisations.
type Service struct {
	store     store.Store
	now       func() time.Time
	publicURL string // ends in "/"
	log       *slog.Logger
	notices   *notifier.Notifier
}

// metaNoticeCursor is the store.Meta key of the org notices' outbox
// cursor (migration 0030 sets it for an existing registry).
const metaNoticeCursor = "notices.orgs"

// New builds the service; publicURL is the registry's, for the links in
// notices.
func New(st store.Store, m mail.Mailer, publicURL string, now func() time.Time, log *slog.Logger) *Service {
	if log == nil {
		log = slog.Default()
	}
	s := &Service{store: st, now: now, publicURL: publicURL, log: log}
	s.notices = notifier.New(st, m, metaNoticeCursor, s.noticesOf, log).Types(noticeTypes...)
	return s
}

// Notices is the org notices notifier, a subscriber the composition root adds
// to the outbox's one dispatcher (notifier.Dispatcher).
func (s *Service) Notices() *notifier.Notifier { return s.notices }

// Deliver mails what the outbox holds now (shutdown, console commands).
func (s *Service) Deliver(ctx context.Context) error { return s.notices.Deliver(ctx) }

// noSuchOrg is the refusal of a name that is no (live) org.
func noSuchOrg(name string) error {
	return core.Errorf(core.KindNotFound, "there is no organisation named %q", name)
}

// Create makes the org name with owner (a user name; "" for the caller)
// as its first owner, and its developers team with the owner in it, so
// that the owner can publish in the scope at once (and can leave the
// team to stop). The name shares the user names' space: it must not be
// a user's, an org's (even a deleted one's), a reserved name, or a scope
// that already holds packages.
func (s *Service) Create(ctx context.Context, p authz.Principal, name, owner string) error {
	if err := authz.Require(p, authz.OrgCreate, authz.Resource{}); err != nil {
		return err
	}
	if err := identity.CheckSharedName(name); err != nil {
		return core.Errorf(core.KindInvalid, "%s", orgWords(core.Message(err)))
	}
	if owner == "" {
		owner = p.Name()
	}
	now := s.now()
	err := s.store.Update(ctx, func(tx store.Tx) error {
		if err := authz.Authorize(p, authz.OrgCreate, authz.Resource{}); err != nil {
			return err
		}
		if err := nameFree(tx, name); err != nil {
			return err
		}
		u, err := member(tx, owner)
		if err != nil {
			return err
		}
		o := &core.Org{Name: name, CreatedAt: now}
		if err := tx.CreateOrg(o); err != nil {
			if errors.Is(err, core.ErrConflict) {
				return core.Errorf(core.KindConflict, "the name %q is already taken; choose another", name)
			}
			return err
		}
		if err := tx.SetOrgMember(o.ID, u.ID, core.OrgOwner, now); err != nil {
			return err
		}
		dev := &core.Team{OrgID: o.ID, Name: core.DevelopersTeam, Description: "members who may create packages in @" + name + "/", CreatedAt: now}
		if err := tx.CreateTeam(dev); err != nil {
			return err
		}
		if err := tx.AddTeamMember(dev.ID, u.ID); err != nil {
			return err
		}
		h := how(p)
		return tx.AppendEvent(eventOrgCreate(name, u.Name, h).At(now, actor(p)))
	})
	if err != nil {
		return err
	}
	s.notices.Wake()
	return nil
}

// nameFree refuses an org name that a user, an org or a scope's
// packages already have.
func nameFree(tx store.Tx, name string) error {
	if _, err := tx.UserByName(name); err == nil {
		return core.Errorf(core.KindConflict, "the name %q belongs to a user, who owns the scope @%s; choose another name for the organisation", name, name)
	} else if !errors.Is(err, core.ErrNotFound) {
		return err
	}
	if o, err := tx.OrgByName(name); err == nil {
		if o.Deleted() {
			return core.Errorf(core.KindConflict, "the name %q belonged to an organisation that was deleted, and is held so that nobody can take over its scope; choose another", name)
		}
		return core.Errorf(core.KindConflict, "the organisation %q already exists; choose another name", name)
	} else if !errors.Is(err, core.ErrNotFound) {
		return err
	}
	pkgs, err := tx.ScopePackages(name)
	if err != nil {
		return err
	}
	if len(pkgs) > 0 {
		return core.Errorf(core.KindConflict, "the scope @%s already holds packages (%s, ...) published before any account owned it; choose another name, or ask the registry's administrators", name, pkgs[0])
	}
	return nil
}

// member finds a user who may join an org: verified and enabled.
func member(tx store.Users, name string) (*core.User, error) {
	u, err := tx.UserByName(name)
	if errors.Is(err, core.ErrNotFound) {
		return nil, core.Errorf(core.KindNotFound, "there is no user named %q", name)
	}
	if err != nil {
		return nil, err
	}
	if u.Disabled() {
		return nil, core.Errorf(core.KindInvalid, "user %s is disabled and cannot join an organisation", name)
	}
	if !u.EmailVerified {
		return nil, core.Errorf(core.KindForbidden, "%s cannot join an organisation until they verify their email address (%s)", name, authz.MaskEmail(u.Email))
	}
	return u, nil
}

// change runs apply on the org name in a write transaction once the
// action is allowed: prepare sets the facts of the change asked for
// (the user acted on, the role, the permission). As everywhere, it is
// decided first in a read transaction where a one-time password may be
// spent (authz.Settle), then again inside the write.
func (s *Service) change(ctx context.Context, p authz.Principal, name string, a authz.Action,
	prepare func(tx store.Tx, o *core.Org, f *authz.OrgFacts) error,
	apply func(tx store.Tx, o *core.Org, f *authz.OrgFacts) error) error {
	decide := func(tx store.Tx) (*core.Org, *authz.OrgFacts, error) {
		o, f, err := load(tx, p, name)
		if err != nil {
			return nil, nil, err
		}
		if prepare != nil {
			if err := prepare(tx, o, f); err != nil {
				return nil, nil, err
			}
		}
		return o, f, authz.Authorize(p, a, authz.Resource{Org: f})
	}
	if err := authz.Settle(p, func() error {
		return s.store.View(ctx, func(tx store.Tx) error { _, _, err := decide(tx); return err })
	}); err != nil {
		return err
	}
	err := s.store.Update(ctx, func(tx store.Tx) error {
		o, f, err := decide(tx)
		if err != nil {
			return err
		}
		return apply(tx, o, f)
	})
	if err != nil {
		return err
	}
	s.notices.Wake()
	return nil
}

// load returns a live org and its facts, once the caller is known to be
// allowed to see it (a member): nothing of an org is read for others.
func load(tx store.Orgs, p authz.Principal, name string) (*core.Org, *authz.OrgFacts, error) {
	o, f, err := orgfacts.Org(tx, name)
	if err != nil {
		return nil, nil, err
	}
	if o == nil || f == nil {
		if p.User == nil {
			return nil, nil, authz.NotLoggedIn()
		}
		return nil, nil, noSuchOrg(name)
	}
	if err := authz.Authorize(p, authz.OrgRead, authz.Resource{Org: f}); err != nil {
		return nil, nil, err
	}
	return o, f, nil
}

// view runs f on a live org the caller may read.
func (s *Service) view(ctx context.Context, p authz.Principal, name string, f func(tx store.Tx, o *core.Org, facts *authz.OrgFacts) error) error {
	return s.store.View(ctx, func(tx store.Tx) error {
		o, facts, err := load(tx, p, name)
		if err != nil {
			return err
		}
		return f(tx, o, facts)
	})
}

// owners are the names of the org's owners, after a change: whom its
// notices go to.
func owners(tx store.Orgs, orgID int64) ([]string, error) {
	ms, err := tx.OrgMembers(orgID)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, m := range ms {
		if m.Role == core.OrgOwner {
			out = append(out, m.User.Name)
		}
	}
	return out, nil
}

// notify is owners plus the users affected, each once.
func notify(tx store.Orgs, orgID int64, affected ...string) ([]string, error) {
	out, err := owners(tx, orgID)
	if err != nil {
		return nil, err
	}
	for _, a := range affected {
		seen := false
		for _, o := range out {
			seen = seen || o == a
		}
		if !seen && a != "" {
			out = append(out, a)
		}
	}
	return out, nil
}

// orgWords turns the user-name rules' refusal into an org's.
func orgWords(msg string) string {
	return fmt.Sprintf("not a valid organisation name (organisations follow the rules of user names): %s", msg)
}

// actor names who acted in events: the user (the operator at the
// console is "operator").
func actor(p authz.Principal) string { return p.Name() }
