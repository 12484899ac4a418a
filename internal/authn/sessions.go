package authn

import (
	"context"
	"strings"
	"time"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/store"
)

// SessionInfo is a signed-in browser as the account page lists it. Handle
// names it for revocation: a prefix of the cookie's hash, which reveals
// nothing about the cookie itself.
type SessionInfo struct {
	Handle            string
	CreatedAt         time.Time
	ExpiresAt         time.Time
	MFAVerifiedAt     time.Time
	PhishingResistant bool
	Current           bool // the browser asking
	// SignedInAt is when the browser last signed in; a session reissued
	// (sign out everywhere else, a password change) keeps it.
	SignedInAt time.Time
}

// handleLen is how much of a session's hash names it: enough to be
// unique among one user's few sessions.
const handleLen = 16

// Sessions lists the signed-in browsers of the principal's account.
func (s *Service) Sessions(ctx context.Context, p authz.Principal) ([]SessionInfo, error) {
	if p.User == nil {
		return nil, core.Errorf(core.KindUnauthenticated, "sign in to see your sessions")
	}
	var out []SessionInfo
	now := s.now()
	err := s.store.View(ctx, func(tx store.Tx) error {
		all, err := tx.WebSessionsOf(p.User.ID)
		for _, ws := range all {
			if !now.Before(ws.ExpiresAt) {
				continue
			}
			out = append(out, SessionInfo{
				Handle: ws.IDHash[:min(handleLen, len(ws.IDHash))], CreatedAt: ws.CreatedAt, SignedInAt: ws.SignedInAt, ExpiresAt: ws.ExpiresAt,
				MFAVerifiedAt: ws.MFAVerifiedAt, PhishingResistant: ws.PhishingResistant, Current: ws.IDHash == p.SessionID,
			})
		}
		return err
	})
	return out, err
}

// RevokeSession signs one of the principal's browsers out, by handle.
func (s *Service) RevokeSession(ctx context.Context, p authz.Principal, handle string) error {
	if p.User == nil {
		return core.Errorf(core.KindUnauthenticated, "sign in to manage your sessions")
	}
	if len(handle) != handleLen {
		return core.Errorf(core.KindInvalid, "no such session")
	}
	now := s.now()
	err := s.store.Update(ctx, func(tx store.Tx) error {
		all, err := tx.WebSessionsOf(p.User.ID)
		if err != nil {
			return err
		}
		for _, ws := range all {
			if strings.HasPrefix(ws.IDHash, handle) {
				if err := tx.DeleteWebSession(ws.IDHash); err != nil {
					return err
				}
				return tx.AppendEvent(event.SessionRevoke{Session: handle, Own: ws.IDHash == p.SessionID}.At(now, p.User.Name))
			}
		}
		return core.Errorf(core.KindNotFound, "you have no signed-in browser %s; it may have expired or been signed out already", handle)
	})
	return err
}

// SignOutOthers signs out every browser of the principal's account and
// revokes every `npm login` token (API tokens stay: they are listed and
// revoked one by one), and signs this browser in again under a new cookie
// value, which it returns, in the same transaction (reissueSession). A
// browser whose own session ended meanwhile (LiveSession) is refused: it
// must not sign back in, nor sign the owner out. It also returns how many
// npm logins were revoked.
func (s *Service) SignOutOthers(ctx context.Context, p authz.Principal) (int, string, error) {
	if p.User == nil {
		return 0, "", core.Errorf(core.KindUnauthenticated, "sign in to manage your sessions")
	}
	now := s.now()
	var revoked []string
	var value string
	err := s.store.Update(ctx, func(tx store.Tx) error {
		ws, err := LiveSession(tx, p)
		if err != nil {
			return err
		}
		if revoked, err = SignOutEverywhere(tx, p.User, now, false); err != nil {
			return err
		}
		if value, err = reissueSession(tx, ws, now); err != nil {
			return err
		}
		return tx.AppendEvent(event.SessionRevoke{All: true, RevokedTokens: revoked}.At(now, p.User.Name))
	})
	if err != nil {
		return 0, "", err
	}
	return len(revoked), value, nil
}

// endPending voids, in tx, what u's sessions asked for and could still
// collect after every session ended (a sign-out everywhere, a password
// change or reset, a recovery, an admin disabling the account): npm web
// logins approved or waiting (their poll then gets no token), web OTP
// values, WebAuthn ceremonies under way, and every mailed link not yet
// followed. A link requested from a stolen session (a change of address
// mailed to the thief) must not outlive the owner taking the account
// back; links the owner still needs can be asked for again. The reset
// link being followed, if any, is already used; a recovery stores its
// reset link after this.
func endPending(tx interface {
	store.CLILogins
	store.EmailTokens
}, u *core.User, now time.Time) error {
	if err := tx.DeleteCLILoginsByUser(u.ID); err != nil {
		return err
	}
	for _, purpose := range []core.EmailTokenPurpose{core.PurposeChangeEmail, core.PurposePasswordReset, core.PurposeVerifyEmail} {
		if err := tx.ExpireEmailTokens(u.ID, purpose, now); err != nil {
			return err
		}
	}
	return nil
}

// SignOutRoles are the store roles SignOutEverywhere writes.
type SignOutRoles interface {
	store.WebSessions
	store.CLILogins
	store.EmailTokens
	store.Tokens
}

// SignOutEverywhere ends every browser session of u (pending sign-ins
// included) and revokes its `npm login` tokens, and its API tokens too
// when all is set; and it voids everything a session could still turn
// into access (endPending). It returns the keys revoked.
func SignOutEverywhere(tx SignOutRoles, u *core.User, now time.Time, all bool) ([]string, error) {
	if err := tx.DeleteWebSessionsByUser(u.ID); err != nil {
		return nil, err
	}
	if err := endPending(tx, u, now); err != nil {
		return nil, err
	}
	toks, err := tx.TokensByUser(u.ID)
	if err != nil {
		return nil, err
	}
	revoked := []string{}
	for _, t := range toks {
		if !t.RevokedAt.IsZero() || (!all && t.Kind != core.TokenSession) {
			continue
		}
		if err := tx.RevokeToken(u.ID, t.Key, now); err != nil {
			return nil, err
		}
		revoked = append(revoked, t.Key)
	}
	return revoked, nil
}
