package authn

import (
	"context"
	"errors"
	"net/netip"
	"time"

	"github.com/rampart/rampart/internal/account"
	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/secondfactor"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/throttle"
)

// npm's web login (`npm login`, auth-type web): the CLI asks for a login,
// opens the login URL in a browser and polls the done URL. A signed-in
// browser (password and second factor, or a passkey) approves; the next
// poll receives a session token, made at that moment and handed out once.
// The two URLs carry different secrets, so the browser's URL (history,
// screen sharing) is no use for collecting the token.

// Paths of npm web login, under the public URL.
const (
	PathCLILogin = "login/cli/" // + the login secret: the browser's page
	PathCLIDone  = "-/v1/done/" // + the done secret: what the CLI polls
)

// CLILoginLifetime is how long an `npm login` waits for the browser.
const CLILoginLifetime = 10 * time.Minute

// CLILoginURLs are the two URLs npm's web login answers with.
type CLILoginURLs struct {
	LoginURL string `json:"loginUrl"`
	DoneURL  string `json:"doneUrl"`
}

// StartCLILogin begins a web login for the CLI at addr.
func (s *Service) StartCLILogin(ctx context.Context, addr netip.Addr) (*CLILoginURLs, error) {
	if err := s.limiter.ReserveRate(ctx, []throttle.RateKey{{Key: "start:addr:" + throttle.SourceKey(addr), Rate: throttle.StartRate,
		Refusal: "too many sign-in requests from your address; try again in %s"}}); err != nil {
		return nil, err
	}
	login, done := account.NewSecret(), account.NewSecret()
	now := s.now()
	err := s.store.Update(ctx, func(tx store.Tx) error {
		return tx.CreateCLILogin(&core.CLILogin{DoneHash: account.Hash(done), LoginHash: account.Hash(login), Addr: addr.Unmap().String(), CreatedAt: now, ExpiresAt: now.Add(CLILoginLifetime)})
	})
	if err != nil {
		return nil, err
	}
	return &CLILoginURLs{LoginURL: s.notes.URL(PathCLILogin + login), DoneURL: s.notes.URL(PathCLIDone + done)}, nil
}

// CLILoginRequest is what the browser is asked to approve.
type CLILoginRequest struct {
	Addr      string
	CreatedAt time.Time
	ExpiresAt time.Time
	Approved  bool
	// ForUserID is set for a web OTP: an npm write of that user waiting
	// for a second factor.
	ForUserID int64
}

// errCLILoginGone also answers a login that ended with every session of
// its account (a password reset, sign out everywhere): its row is gone.
var errCLILoginGone error = &core.Error{Kind: core.KindNotFound, Msg: "this npm login link is not valid, has expired, or was cancelled when the account signed out everywhere; run `npm login` again"}

func validSecret(v string) bool { return v != "" && len(v) <= 64 }

// CLILogin looks up the login a browser was sent to.
func (s *Service) CLILogin(ctx context.Context, loginSecret string) (*CLILoginRequest, error) {
	if !validSecret(loginSecret) {
		return nil, errCLILoginGone
	}
	var l *core.CLILogin
	err := s.store.View(ctx, func(tx store.Tx) error {
		var err error
		l, err = tx.CLILoginByLogin(account.Hash(loginSecret))
		return err
	})
	if errors.Is(err, core.ErrNotFound) || (err == nil && !s.now().Before(l.ExpiresAt)) {
		return nil, errCLILoginGone
	}
	if err != nil {
		return nil, err
	}
	return &CLILoginRequest{Addr: l.Addr, CreatedAt: l.CreatedAt, ExpiresAt: l.ExpiresAt, Approved: !l.ApprovedAt.IsZero(), ForUserID: l.ForUserID}, nil
}

// ApproveCLILogin lets the CLI waiting on loginSecret log in as the
// principal, a signed-in browser. The token it will get records the
// browser's second factor (and whether it was phishing-resistant).
func (s *Service) ApproveCLILogin(ctx context.Context, p authz.Principal, loginSecret string) error {
	if err := account.NeedUser(p); err != nil {
		return err
	}
	if p.Token != nil || p.SessionID == "" {
		return core.Errorf(core.KindForbidden, "approve an npm login in the browser")
	}
	req, err := s.CLILogin(ctx, loginSecret)
	if err != nil {
		return err
	}
	now := s.now()
	if req.ForUserID != 0 && req.ForUserID != p.User.ID {
		return core.Errorf(core.KindForbidden, "this npm command waits for another account's second factor; sign in as that account to approve it")
	}
	// Approving hands a token to a CLI somewhere: like creating one, it
	// needs a second factor passed just now (or, for an account without
	// one, a fresh sign-in), so that a stolen or forgotten browser
	// session cannot mint tokens.
	if err := authz.Require(p, authz.ApproveLogin, authz.Resource{}); err != nil {
		return err
	}
	err = s.store.Update(ctx, func(tx store.Tx) error {
		// A session ended since the request came in approves nothing: the
		// token would outlive the owner's reset (sessionlive.go).
		if _, err := LiveSession(tx, p); err != nil {
			return err
		}
		return tx.ApproveCLILogin(account.Hash(loginSecret), p.User.ID, now, p.MFAVerifiedAt, !p.PhishingResistantAt.IsZero())
	})
	if errors.Is(err, core.ErrConflict) {
		return core.Errorf(core.KindConflict, "this npm login was already approved")
	}
	return err
}

// PollCLILogin is the CLI's poll: pending until a browser approves, then
// the token, once. An unknown, expired or collected login is NotFound.
func (s *Service) PollCLILogin(ctx context.Context, doneSecret string) (tok *CreatedToken, pending bool, err error) {
	if !validSecret(doneSecret) {
		return nil, false, errCLILoginGone
	}
	var l *core.CLILogin
	var u *core.User
	err = s.store.View(ctx, func(tx store.Tx) error {
		var err error
		if l, err = tx.CLILoginByDone(account.Hash(doneSecret)); err != nil || l.ApprovedAt.IsZero() {
			return err
		}
		u, err = tx.UserByID(l.UserID)
		return err
	})
	switch {
	case errors.Is(err, core.ErrNotFound):
		return nil, false, errCLILoginGone
	case err != nil:
		return nil, false, err
	case !l.CollectedAt.IsZero() || !s.now().Before(l.ExpiresAt):
		return nil, false, errCLILoginGone
	case l.ApprovedAt.IsZero():
		return nil, true, nil
	}
	// The account may have been disabled, or its password found
	// breached, since the browser approved.
	if err := s.mayIssue(u, netip.Addr{}); err != nil { // the poll's address is not the approver's
		return nil, false, err
	}
	now := s.now()
	var otp string
	err = s.store.Update(ctx, func(tx store.Tx) error {
		if err := tx.CollectCLILogin(l.DoneHash, now); err != nil {
			return err
		}
		if l.ForUserID == 0 {
			return nil
		}
		if l.ForUserID != l.UserID {
			return core.Errorf(core.KindForbidden, "this npm command was approved by another account")
		}
		otp = account.NewSecret()
		return tx.CreateWebOTP(account.Hash(otp), l.UserID, core.WebOTPNPMWrite, now.Add(WebOTPLifetime))
	})
	if errors.Is(err, core.ErrConflict) {
		return nil, false, errCLILoginGone
	}
	if err != nil {
		return nil, false, err
	}
	if otp != "" {
		// A web OTP: the CLI sends the value back as npm-otp.
		return &CreatedToken{Value: otp}, false, nil
	}
	t := core.Token{
		Name:      "npm login (web) from " + l.Addr,
		Kind:      core.TokenSession,
		Actions:   []core.TokenAction{core.TokenRead, core.TokenPublish, core.TokenManage},
		CreatedAt: now,
		ExpiresAt: now.Add(s.policy.SessionLifetime),
	}
	if !l.MFAVerifiedAt.IsZero() {
		// The token records the approving browser's second factor, at
		// the time it was passed.
		t.MFAVerifiedAt = l.MFAVerifiedAt
		if l.PhishingResistant {
			t.PhishingResistantAt = l.MFAVerifiedAt
		}
	}
	if tok, err = s.insertToken(ctx, u, t, nil); err != nil {
		return nil, false, err
	}
	// As for a password login from npm: a new device or network is told.
	if addr, perr := netip.ParseAddr(l.Addr); perr == nil {
		s.noteCLISignIn(ctx, u, addr)
	}
	return tok, false, nil
}

// WebOTPLifetime is how long the one-time value of an approved web OTP
// may be sent back as npm-otp.
const WebOTPLifetime = 5 * time.Minute

// StartWebOTP begins npm's web OTP for u, whose write needs a second
// factor it cannot type (a security key or passkey): the browser approves
// at the login URL (with ?purpose=otp), and the CLI's poll of the done URL
// answers a one-time value that the npm write's OTP check
// (secondfactor.Service.WithOTP) accepts once, and nothing else does.
func (s *Service) StartWebOTP(ctx context.Context, u *core.User, addr netip.Addr) (*CLILoginURLs, error) {
	login, done := account.NewSecret(), account.NewSecret()
	now := s.now()
	err := s.store.Update(ctx, func(tx store.Tx) error {
		return tx.CreateCLILogin(&core.CLILogin{DoneHash: account.Hash(done), LoginHash: account.Hash(login), Addr: addr.Unmap().String(), CreatedAt: now, ExpiresAt: now.Add(CLILoginLifetime), ForUserID: u.ID})
	})
	if err != nil {
		return nil, err
	}
	return &CLILoginURLs{LoginURL: s.notes.URL(PathCLILogin + login + "?purpose=otp"), DoneURL: s.notes.URL(PathCLIDone + done)}, nil
}

// NeedsWebOTP reports whether u's second factors are only security keys
// or passkeys, which npm cannot prompt for: its writes use the web OTP.
func (s *Service) NeedsWebOTP(ctx context.Context, u *core.User) (bool, error) {
	var totp, keys bool
	err := s.store.View(ctx, func(tx store.Tx) error {
		var err error
		totp, keys, err = secondfactor.Factors(tx, u)
		return err
	})
	return keys && !totp, err
}
