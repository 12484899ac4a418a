package identity

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/rampart/rampart/internal/account"
	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/store"
)

// Registration modes ([access] registration).
const (
	RegistrationOpen   = "open"
	RegistrationInvite = "invite"
	RegistrationClosed = "closed"
)

// DefaultInviteLifetime is how long an invitation stays valid unless
// configured otherwise.
const DefaultInviteLifetime = 7 * 24 * time.Hour

// PathSignup is the sign-up page an invitation links to.
const PathSignup = "signup"

// Registration is the registry's registration mode.
func (s *Service) Registration() string {
	switch {
	case s.policy.Registration != "":
		return s.policy.Registration
	case s.policy.AllowRegistration:
		return RegistrationOpen
	}
	return RegistrationClosed
}

// Invitation is a new invitation and the link that uses it: the link
// holds the secret, shown once and stored only hashed.
type Invitation struct {
	core.Invite
	Link string
}

// CreateInvite invites email to sign up. Only administrators invite (the
// console, or a signed-in site administrator: authz.AdminUsers). The
// invitation is recorded with its event; the link is returned, never
// stored or logged.
func (s *Service) CreateInvite(ctx context.Context, p authz.Principal, email string) (*Invitation, error) {
	if err := authz.Authorize(p, authz.AdminUsers, authz.Resource{}); err != nil {
		return nil, err
	}
	email = strings.TrimSpace(email)
	if err := validateEmail(email); err != nil {
		return nil, err
	}
	b := make([]byte, linkSecretBytes)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	secret := base64.RawURLEncoding.EncodeToString(b)
	life := s.policy.InviteLifetime
	if life <= 0 {
		life = DefaultInviteLifetime
	}
	now := s.now()
	actor := p.Name()
	if p.Console {
		actor = "operator"
	}
	inv := core.Invite{Hash: account.Hash(secret), Email: email, CreatedBy: actor, CreatedAt: now, ExpiresAt: now.Add(life)}
	err := s.store.Update(ctx, func(tx store.Tx) error {
		if err := tx.CreateInvite(&inv); err != nil {
			return err
		}
		return tx.AppendEvent(event.InviteCreate{Invite: inv.ID, Email: email, Expires: inv.ExpiresAt}.At(now, actor))
	})
	if err != nil {
		return nil, err
	}
	return &Invitation{Invite: inv, Link: s.notes.URL(PathSignup + "?" + url.Values{"invite": {secret}}.Encode())}, nil
}

// Invites lists the invitations, newest first (administrators only).
func (s *Service) Invites(ctx context.Context, p authz.Principal) ([]core.Invite, error) {
	if err := authz.Authorize(p, authz.AdminUsers, authz.Resource{}); err != nil {
		return nil, err
	}
	var out []core.Invite
	err := s.store.View(ctx, func(tx store.Tx) error {
		var err error
		out, err = tx.Invites()
		return err
	})
	return out, err
}

// InviteState says whether i is open, used or expired, for listings.
func (s *Service) InviteState(i core.Invite) string {
	switch {
	case !i.UsedAt.IsZero():
		return "used by " + i.UsedBy + " on " + i.UsedAt.Format(time.RFC3339)
	case !s.now().Before(i.ExpiresAt):
		return "expired on " + i.ExpiresAt.Format(time.RFC3339)
	}
	return "open until " + i.ExpiresAt.Format(time.RFC3339)
}

// mayRegister applies the registration mode to a self-service sign-up and
// returns the invitation it uses (nil when registration is open). The
// invitation is checked here, before any work, and spent in the sign-up's
// transaction (useInvite), so two sign-ups with one link cannot both win.
func (s *Service) mayRegister(ctx context.Context, nu NewUser) (*core.Invite, error) {
	switch s.Registration() {
	case RegistrationOpen:
		return nil, nil
	case RegistrationClosed:
		return nil, core.Errorf(core.KindForbidden, "sign-up is closed on this registry: ask an administrator to create your account (rampart admin user create)")
	}
	if nu.Invite == "" {
		return nil, core.Errorf(core.KindForbidden, "this registry is invite-only: sign up in a browser through the link in your invitation (an administrator creates one with rampart admin invite create EMAIL)")
	}
	var inv *core.Invite
	err := s.store.View(ctx, func(tx store.Tx) error {
		var err error
		inv, err = tx.InviteByHash(account.Hash(nu.Invite))
		return err
	})
	if errors.Is(err, core.ErrNotFound) {
		return nil, core.Errorf(core.KindForbidden, "this invitation link is not valid: check that you copied the whole link, or ask an administrator for a new invitation")
	}
	if err != nil {
		return nil, err
	}
	switch {
	case !inv.UsedAt.IsZero():
		return nil, core.Errorf(core.KindForbidden, "this invitation was used already (an invitation creates one account): sign in instead, or ask an administrator for a new invitation")
	case !s.now().Before(inv.ExpiresAt):
		return nil, core.Errorf(core.KindForbidden, "this invitation expired on %s: ask an administrator for a new one", inv.ExpiresAt.Format(time.RFC3339))
	case !strings.EqualFold(inv.Email, strings.TrimSpace(nu.Email)):
		return nil, core.Errorf(core.KindForbidden, "this invitation is for %s: sign up with that address", authz.MaskEmail(inv.Email))
	}
	return inv, nil
}

// useInvite spends inv for the new account u in the sign-up's
// transaction.
func useInvite(tx interface {
	store.Invites
	store.Events
}, inv *core.Invite, u *core.User) error {
	if err := tx.UseInvite(inv.ID, u.Name, u.CreatedAt); err != nil {
		if errors.Is(err, core.ErrConflict) {
			return core.Errorf(core.KindForbidden, "this invitation was used already (an invitation creates one account): sign in instead, or ask an administrator for a new invitation")
		}
		return err
	}
	return tx.AppendEvent(event.InviteUse{Invite: inv.ID, User: u.Name}.At(u.CreatedAt, u.Name))
}
