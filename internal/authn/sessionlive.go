package authn

import (
	"errors"
	"time"

	"github.com/rampart/rampart/internal/account"
	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
)

// A browser request is authenticated when it arrives (WebPrincipal), and
// its write runs a little later in its own transaction. Ending every
// session (a password reset or change, "sign out everywhere", a recovery)
// can land in between. A write that hands the browser lasting access (a
// new session, an approved npm login, an API token, a change-of-address
// link) must then fail: otherwise whoever
// holds a stolen session keeps such requests in flight and survives the
// owner taking the account back. These writes check, in their own
// transaction, that the session they were authenticated with still exists.

// errSessionEnded answers a browser request whose session ended while it
// was under way.
var errSessionEnded error = &core.Error{Kind: core.KindUnauthenticated, Msg: "this browser was signed out (the account signed out everywhere, or its password was changed or reset); sign in again"}

// LiveSession returns, in tx, the browser session p was authenticated
// with, or errSessionEnded if it no longer exists.
func LiveSession(tx store.WebSessions, p authz.Principal) (*core.WebSession, error) {
	if p.SessionID == "" {
		return nil, errSessionEnded
	}
	ws, err := tx.WebSession(p.SessionID)
	if errors.Is(err, core.ErrNotFound) || (err == nil && (ws.UserID != p.User.ID || ws.Pending)) {
		return nil, errSessionEnded
	}
	return ws, err
}

// reissueSession creates, in tx, the session that replaces ws for the same
// browser after every session of the account ended, and returns its
// cookie value. Reissuing is no authentication: the new session keeps the
// old one's sign-in time, second-factor record and expiry, so that a
// stolen session can neither turn fresh nor live forever by signing out
// the others again and again.
func reissueSession(tx store.WebSessions, ws *core.WebSession, now time.Time) (string, error) {
	value := account.NewSecret()
	err := tx.CreateWebSession(&core.WebSession{
		IDHash: account.Hash(value), UserID: ws.UserID, CreatedAt: now, ExpiresAt: ws.ExpiresAt,
		MFAVerifiedAt: ws.MFAVerifiedAt, PhishingResistant: ws.PhishingResistant, SignedInAt: ws.SignedInAt,
	})
	return value, err
}

// liveCredential is LiveSession for a principal that may also be an npm
// token: the token must still be unrevoked in tx.
func liveCredential(tx interface {
	store.WebSessions
	store.Tokens
}, p authz.Principal) error {
	if p.Token == nil {
		_, err := LiveSession(tx, p)
		return err
	}
	t, err := tx.TokenByHash(p.Token.Hash)
	if errors.Is(err, core.ErrNotFound) || (err == nil && !t.RevokedAt.IsZero()) {
		return core.Errorf(core.KindUnauthenticated, "this token (%s) was revoked while the request was under way; log in again with `npm login`", p.Token.Mask)
	}
	return err
}
