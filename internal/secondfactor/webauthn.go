package secondfactor

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/rampart/rampart/internal/account"
	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/throttle"
)

// WebAuthn security keys and passkeys (AUTHN-2b, AUTHN-3a). A security key
// is a second factor after the password; a passkey is a discoverable
// credential with user verification that signs in on its own. Both are
// phishing-resistant: the browser binds every assertion to our origin.
// A ceremony's challenge is kept in the store under the hash of a random
// value the browser holds in a cookie, and is answered at most once.

// Kinds of WebAuthn credential to register.
const (
	KeySecurityKey = account.MethodSecurityKey
	KeyPasskey     = account.MethodPasskey
)

// Ceremony kinds, as stored.
const (
	ceremonyRegister = "register"
	ceremonyMFA      = "mfa"
	ceremonyPasskey  = "passkey"
	ceremonyStepUp   = "stepup"
)

// CeremonyLifetime is how long a browser has to answer a WebAuthn challenge.
const CeremonyLifetime = 5 * time.Minute

// maxKeysPerUser bounds how many credentials an account may register.
const maxKeysPerUser = 20

// newRelyingParty derives the WebAuthn relying party from the public URL:
// its host name is the RP ID and its origin the only one accepted.
func newRelyingParty(publicURL, site string) (*webauthn.WebAuthn, error) {
	u, err := url.Parse(publicURL)
	if err != nil {
		return nil, err
	}
	return webauthn.New(&webauthn.Config{
		RPID:          u.Hostname(),
		RPDisplayName: site,
		RPOrigins:     []string{u.Scheme + "://" + u.Host},
	})
}

// waUser adapts a user and their credentials to the library.
type waUser struct {
	u      *core.User
	handle []byte
	creds  []webauthn.Credential
	rows   []core.WebAuthnCredential
}

func (w *waUser) WebAuthnID() []byte                         { return w.handle }
func (w *waUser) WebAuthnName() string                       { return w.u.Name }
func (w *waUser) WebAuthnDisplayName() string                { return w.u.Name }
func (w *waUser) WebAuthnCredentials() []webauthn.Credential { return w.creds }

// loadWAUser reads u's credentials; a user without any gets a fresh
// random handle (64 bytes, as the specification recommends).
func loadWAUser(tx store.WebAuthn, u *core.User) (*waUser, error) {
	rows, err := tx.WebAuthnCredentials(u.ID)
	if err != nil {
		return nil, err
	}
	w := &waUser{u: u, rows: rows}
	for _, r := range rows {
		var c webauthn.Credential
		if err := json.Unmarshal(r.Data, &c); err != nil {
			return nil, err
		}
		c.Authenticator.SignCount = r.SignCount
		w.creds = append(w.creds, c)
		w.handle = r.UserHandle
	}
	if w.handle == nil {
		w.handle = make([]byte, 64)
		rand.Read(w.handle)
	}
	return w, nil
}

func (w *waUser) row(credentialID []byte) *core.WebAuthnCredential {
	for i := range w.rows {
		if bytes.Equal(w.rows[i].CredentialID, credentialID) {
			return &w.rows[i]
		}
	}
	return nil
}

// relyingParty is the WebAuthn relying party, or an error saying why
// there is none.
func (s *Service) relyingParty() (*webauthn.WebAuthn, error) {
	if s.webauthn == nil {
		return nil, core.Errorf(core.KindConflict, "security keys and passkeys need the registry's public URL to use a host name, not an IP address; ask the operator")
	}
	return s.webauthn, nil
}

// Roles are the store roles that hold a user's second factors.
type Roles interface {
	store.SecondFactors
	store.WebAuthn
}

// HasAny reports whether u has TOTP on or any WebAuthn credential.
func HasAny(tx Roles, u *core.User) (bool, error) {
	totp, keys, err := Factors(tx, u)
	return totp || keys, err
}

// Factors reports which second factors u has: TOTP, and any security key
// or passkey.
func Factors(tx Roles, u *core.User) (totp, keys bool, err error) {
	if totp, err = hasTOTP(tx, u); err != nil {
		return false, false, err
	}
	keys, err = tx.HasWebAuthnCredentials(u.ID)
	return totp, keys, err
}

// SecurityKeys lists the principal's security keys and passkeys.
func (s *Service) SecurityKeys(ctx context.Context, p authz.Principal) ([]core.WebAuthnCredential, error) {
	if err := account.NeedUser(p); err != nil {
		return nil, err
	}
	var out []core.WebAuthnCredential
	err := s.store.View(ctx, func(tx store.Tx) error {
		var err error
		out, err = tx.WebAuthnCredentials(p.User.ID)
		return err
	})
	return out, err
}

// Options is a WebAuthn ceremony to hand to the browser: Options is the
// JSON for navigator.credentials.create or .get, Ceremony the secret
// that names the challenge (for a cookie).
type Options struct {
	Options  json.RawMessage
	Ceremony string
}

func (s *Service) putCeremony(ctx context.Context, userID int64, kind string, sd *webauthn.SessionData, opts any) (*Options, error) {
	data, err := json.Marshal(sd)
	if err != nil {
		return nil, err
	}
	o, err := json.Marshal(opts)
	if err != nil {
		return nil, err
	}
	id := account.NewSecret()
	err = s.store.Update(ctx, func(tx store.Tx) error {
		return tx.PutWebAuthnCeremony(&core.WebAuthnCeremony{IDHash: account.Hash(id), UserID: userID, Kind: kind, Data: data, ExpiresAt: s.now().Add(CeremonyLifetime)})
	})
	if err != nil {
		return nil, err
	}
	return &Options{Options: o, Ceremony: id}, nil
}

var errCeremonyGone error = &core.Error{Kind: core.KindInvalid, Msg: "this security key request expired or was already answered; try again"}

// takeCeremony spends the ceremony id of the given kind (and user, unless 0).
func (s *Service) takeCeremony(ctx context.Context, id, kind string, userID int64) (*webauthn.SessionData, error) {
	if id == "" {
		return nil, errCeremonyGone
	}
	var c *core.WebAuthnCeremony
	err := s.store.Update(ctx, func(tx store.Tx) error {
		var err error
		c, err = tx.TakeWebAuthnCeremony(account.Hash(id))
		return err
	})
	if errors.Is(err, core.ErrNotFound) {
		return nil, errCeremonyGone
	}
	if err != nil {
		return nil, err
	}
	if c.Kind != kind || c.UserID != userID || !s.now().Before(c.ExpiresAt) {
		return nil, errCeremonyGone
	}
	var sd webauthn.SessionData
	if err := json.Unmarshal(c.Data, &sd); err != nil {
		return nil, err
	}
	return &sd, nil
}

// BeginRegisterKey starts registering a credential of the given kind
// (KeySecurityKey or KeyPasskey) for the principal.
func (s *Service) BeginRegisterKey(ctx context.Context, p authz.Principal, kind string) (*Options, error) {
	rp, err := s.relyingParty()
	if err != nil {
		return nil, err
	}
	if err := account.NeedUser(p); err != nil {
		return nil, err
	}
	// A stolen session must not plant its own key (authz: step-up).
	if err := authz.Require(p, authz.AddMFA, authz.Resource{}); err != nil {
		return nil, err
	}
	var w *waUser
	err = s.store.View(ctx, func(tx store.Tx) error {
		var err error
		w, err = loadWAUser(tx, p.User)
		return err
	})
	if err != nil {
		return nil, err
	}
	if len(w.rows) >= maxKeysPerUser {
		return nil, core.Errorf(core.KindInvalid, "you already have %d security keys and passkeys; remove one first", len(w.rows))
	}
	sel := protocol.AuthenticatorSelection{ResidentKey: protocol.ResidentKeyRequirementDiscouraged, UserVerification: protocol.VerificationDiscouraged}
	switch kind {
	case KeySecurityKey:
	case KeyPasskey:
		yes := true
		sel = protocol.AuthenticatorSelection{ResidentKey: protocol.ResidentKeyRequirementRequired, RequireResidentKey: &yes, UserVerification: protocol.VerificationRequired}
	default:
		return nil, core.Errorf(core.KindInvalid, "unknown kind %q: use %s or %s", kind, KeySecurityKey, KeyPasskey)
	}
	exclude := webauthn.Credentials(w.creds).CredentialDescriptors()
	creation, sd, err := rp.BeginRegistration(w, webauthn.WithAuthenticatorSelection(sel), webauthn.WithExclusions(exclude))
	if err != nil {
		return nil, err
	}
	// The user handle is kept with the ceremony: a first credential's
	// handle is fresh.
	return s.putCeremony(ctx, p.User.ID, ceremonyRegister+":"+kind, sd, creation)
}

// FinishRegisterKey checks the browser's answer (the JSON of a
// PublicKeyCredential) and stores the credential under name.
func (s *Service) FinishRegisterKey(ctx context.Context, p authz.Principal, ceremony, kind, name string, response []byte) (*core.WebAuthnCredential, error) {
	rp, err := s.relyingParty()
	if err != nil {
		return nil, err
	}
	if err := account.NeedUser(p); err != nil {
		return nil, err
	}
	name = strings.TrimSpace(name)
	if name == "" {
		name = map[string]string{KeyPasskey: "Passkey"}[kind]
		if name == "" {
			name = "Security key"
		}
	}
	if len([]rune(name)) > 64 {
		return nil, core.Errorf(core.KindInvalid, "the name is too long (at most 64 characters)")
	}
	if err := authz.Require(p, authz.AddMFA, authz.Resource{}); err != nil {
		return nil, err
	}
	sd, err := s.takeCeremony(ctx, ceremony, ceremonyRegister+":"+kind, p.User.ID)
	if err != nil {
		return nil, err
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(response)
	if err != nil {
		return nil, core.Errorf(core.KindInvalid, "the browser's answer could not be read: %s", protocolDetail(err))
	}
	w := &waUser{u: p.User, handle: sd.UserID}
	cred, err := rp.CreateCredential(w, *sd, parsed)
	if err != nil {
		return nil, core.Errorf(core.KindInvalid, "the security key's answer was not accepted: %s", protocolDetail(err))
	}
	if kind == KeyPasskey && !cred.Flags.UserVerified {
		return nil, core.Errorf(core.KindInvalid, "a passkey needs user verification (a PIN, fingerprint or face); this authenticator did not verify you")
	}
	data, err := json.Marshal(cred)
	if err != nil {
		return nil, err
	}
	var transports []string
	for _, t := range cred.Transport {
		transports = append(transports, string(t))
	}
	now := s.now()
	row := &core.WebAuthnCredential{
		UserID: p.User.ID, CredentialID: cred.ID, UserHandle: sd.UserID, Name: name, Discoverable: kind == KeyPasskey,
		SignCount: cred.Authenticator.SignCount, Transports: transports, Data: data, CreatedAt: now,
	}
	err = s.store.Update(ctx, func(tx store.Tx) error {
		// Every credential of a user carries the same handle: a second
		// registration may have raced the first.
		existing, err := tx.WebAuthnCredentials(p.User.ID)
		if err != nil {
			return err
		}
		if len(existing) > 0 && !bytes.Equal(existing[0].UserHandle, sd.UserID) {
			return core.Errorf(core.KindConflict, "another security key was added meanwhile; try again")
		}
		if err := tx.CreateWebAuthnCredential(row); err != nil {
			if errors.Is(err, core.ErrConflict) {
				return core.Errorf(core.KindConflict, "this security key is already registered")
			}
			return err
		}
		// A first factor: the browser that registered it has just used
		// it, as a first authenticator app's confirming code counts.
		if !p.MFA && p.SessionID != "" {
			if err := tx.SetWebSessionMFA(p.SessionID, now, true); err != nil && !errors.Is(err, core.ErrNotFound) {
				return err
			}
		}
		return tx.AppendEvent(event.MFAAdd{User: p.User.Name, Method: kind, Name: name, IP: p.Addr.Unmap().String(), NoticeTo: account.NoticeTo(p.User)}.At(now, p.User.Name))
	})
	if err != nil {
		return nil, err
	}
	s.notes.Wake() // the outbox mails the notice
	return row, nil
}

// RemoveKey removes one of the principal's security keys or passkeys.
func (s *Service) RemoveKey(ctx context.Context, p authz.Principal, id int64) error {
	if err := account.NeedUser(p); err != nil {
		return err
	}
	// Removing a factor is a sensitive action (step-up: authz decides).
	if err := authz.Require(p, authz.RemoveMFA, authz.Resource{}); err != nil {
		return err
	}
	var gone core.WebAuthnCredential
	now := s.now()
	err := s.store.Update(ctx, func(tx store.Tx) error {
		rows, err := tx.WebAuthnCredentials(p.User.ID)
		if err != nil {
			return err
		}
		found := false
		for _, r := range rows {
			if r.ID == id {
				gone, found = r, true
			}
		}
		if !found {
			return core.Errorf(core.KindNotFound, "you have no security key with id %d", id)
		}
		if err := tx.DeleteWebAuthnCredential(p.User.ID, id); err != nil {
			return err
		}
		return tx.AppendEvent(event.MFARemove{User: p.User.Name, Method: keyKind(gone), Name: gone.Name, IP: p.Addr.Unmap().String(), NoticeTo: account.NoticeTo(p.User)}.At(now, p.User.Name))
	})
	if err != nil {
		return err
	}
	s.notes.Wake() // the outbox mails the notice
	return nil
}

func keyKind(c core.WebAuthnCredential) string {
	if c.Discoverable {
		return KeyPasskey
	}
	return KeySecurityKey
}

// beginKeyAssertion asks for an assertion from any of u's security keys
// or passkeys (their credential IDs offered, so that keys that cannot be
// discovered answer too), as a ceremony of the given kind; none says what
// to tell a user who has no key.
func (s *Service) beginKeyAssertion(ctx context.Context, u *core.User, kind, none string) (*Options, error) {
	rp, err := s.relyingParty()
	if err != nil {
		return nil, err
	}
	var w *waUser
	if err := s.store.View(ctx, func(tx store.Tx) error { w, err = loadWAUser(tx, u); return err }); err != nil {
		return nil, err
	}
	if len(w.creds) == 0 {
		return nil, core.Errorf(core.KindInvalid, "%s", none)
	}
	assertion, sd, err := rp.BeginLogin(w, webauthn.WithUserVerification(protocol.VerificationDiscouraged))
	if err != nil {
		return nil, err
	}
	return s.putCeremony(ctx, u.ID, kind, sd, assertion)
}

// finishKeyAssertion checks the browser's answer to u's ceremony of the
// given kind and records the key's use (useCredential).
func (s *Service) finishKeyAssertion(ctx context.Context, u *core.User, ceremony, kind string, response []byte) error {
	rp, err := s.relyingParty()
	if err != nil {
		return err
	}
	sd, err := s.takeCeremony(ctx, ceremony, kind, u.ID)
	if err != nil {
		return err
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(response)
	if err != nil {
		return core.Errorf(core.KindInvalid, "the browser's answer could not be read: %s", protocolDetail(err))
	}
	var w *waUser
	if err := s.store.View(ctx, func(tx store.Tx) error { w, err = loadWAUser(tx, u); return err }); err != nil {
		return err
	}
	cred, err := rp.ValidateLogin(w, *sd, parsed)
	if err != nil {
		return core.Errorf(core.KindUnauthenticated, "the security key's answer was not accepted: %s", protocolDetail(err))
	}
	return s.useCredential(ctx, w, cred)
}

// BeginStepUpKey asks a signed-in browser for an assertion from any of
// its user's security keys or passkeys: the step-up with a key, which is
// what critical packages need.
func (s *Service) BeginStepUpKey(ctx context.Context, p authz.Principal) (*Options, error) {
	if err := needBrowser(p); err != nil {
		return nil, err
	}
	return s.beginKeyAssertion(ctx, p.User, ceremonyStepUp, "you have no security key or passkey; add one at "+s.notes.URL(account.PathSecurityKeys))
}

// FinishStepUpKey checks the step-up assertion and records on the
// browser's session that it passed a phishing-resistant factor now.
func (s *Service) FinishStepUpKey(ctx context.Context, p authz.Principal, ceremony string, response []byte) error {
	if err := needBrowser(p); err != nil {
		return err
	}
	if err := s.finishKeyAssertion(ctx, p.User, ceremony, ceremonyStepUp, response); err != nil {
		return err
	}
	now := s.now()
	return s.store.Update(ctx, func(tx store.Tx) error { return tx.SetWebSessionMFA(p.SessionID, now, true) })
}

// needBrowser refuses anything but a signed-in browser session.
func needBrowser(p authz.Principal) error {
	if err := account.NeedUser(p); err != nil {
		return err
	}
	if p.Token != nil || p.SessionID == "" {
		return core.Errorf(core.KindForbidden, "confirm your second factor in the browser")
	}
	return nil
}

// useCredential refuses a cloned authenticator (a sign count that did
// not move forward) and records the new count by compare-and-swap.
func (s *Service) useCredential(ctx context.Context, w *waUser, cred *webauthn.Credential) error {
	row := w.row(cred.ID)
	if row == nil {
		return core.Errorf(core.KindUnauthenticated, "this security key is not registered to %s", w.u.Name)
	}
	if cred.Authenticator.CloneWarning {
		now := s.now()
		_ = s.store.Update(ctx, func(tx store.Tx) error {
			return tx.AppendEvent(event.KeyCloneWarning{User: w.u.Name, Warning: "sign counter went backwards: possible cloned authenticator", Name: row.Name}.At(now, w.u.Name))
		})
		return core.Errorf(core.KindUnauthenticated, "the security key %q reported a signature counter that did not increase, which is a sign it may have been cloned; sign-in refused. Remove it and register it again, or use another factor", row.Name)
	}
	err := s.store.Update(ctx, func(tx store.Tx) error {
		return tx.UseWebAuthnCredential(row.ID, row.SignCount, cred.Authenticator.SignCount, s.now())
	})
	if errors.Is(err, core.ErrConflict) {
		return core.Errorf(core.KindUnauthenticated, "this security key was used at the same moment elsewhere; try again")
	}
	return err
}

// BeginPasskeySignIn starts a passwordless sign-in: any passkey of this
// site, with user verification.
func (s *Service) BeginPasskeySignIn(ctx context.Context, addr netip.Addr) (*Options, error) {
	rp, err := s.relyingParty()
	if err != nil {
		return nil, err
	}
	if err := s.limiter.ReserveRate(ctx, []throttle.RateKey{{Key: "start:addr:" + throttle.SourceKey(addr), Rate: throttle.StartRate,
		Refusal: "too many sign-in requests from your address; try again in %s"}}); err != nil {
		return nil, err
	}
	assertion, sd, err := rp.BeginDiscoverableLogin(webauthn.WithUserVerification(protocol.VerificationRequired))
	if err != nil {
		return nil, err
	}
	return s.putCeremony(ctx, 0, ceremonyPasskey, sd, assertion)
}

// CheckPasskey checks a passkey's assertion (user verification
// included) for the passwordless sign-in BeginPasskeySignIn started, and
// returns the account it signs in: a passkey is something you have,
// unlocked by something you know or are.
func (s *Service) CheckPasskey(ctx context.Context, ceremony string, response []byte) (*core.User, error) {
	rp, err := s.relyingParty()
	if err != nil {
		return nil, err
	}
	sd, err := s.takeCeremony(ctx, ceremony, ceremonyPasskey, 0)
	if err != nil {
		return nil, err
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(response)
	if err != nil {
		return nil, core.Errorf(core.KindInvalid, "the browser's answer could not be read: %s", protocolDetail(err))
	}
	var w *waUser
	handler := func(rawID, userHandle []byte) (webauthn.User, error) {
		return w, s.store.View(ctx, func(tx store.Tx) error {
			row, err := tx.WebAuthnCredentialByID(rawID)
			if err != nil {
				return err
			}
			if !row.Discoverable || !bytes.Equal(row.UserHandle, userHandle) {
				return core.ErrNotFound
			}
			u, err := tx.UserByID(row.UserID)
			if err != nil {
				return err
			}
			w, err = loadWAUser(tx, u)
			return err
		})
	}
	_, cred, err := rp.ValidatePasskeyLogin(handler, *sd, parsed)
	if err != nil || w == nil {
		return nil, core.Errorf(core.KindUnauthenticated, "this passkey was not accepted: %s", protocolDetail(err))
	}
	if !cred.Flags.UserVerified {
		return nil, core.Errorf(core.KindUnauthenticated, "signing in with a passkey needs user verification (a PIN, fingerprint or face)")
	}
	if w.u.Disabled() {
		return nil, core.Errorf(core.KindForbidden, "account %s is disabled; contact the registry's administrators", w.u.Name)
	}
	if err := s.useCredential(ctx, w, cred); err != nil {
		return nil, err
	}
	return w.u, nil
}

// BeginKeyFactor asks for an assertion from any of u's security keys or
// passkeys: a key as the second factor of a sign-in that passed the
// password.
func (s *Service) BeginKeyFactor(ctx context.Context, u *core.User) (*Options, error) {
	return s.beginKeyAssertion(ctx, u, ceremonyMFA, u.Name+" has no security key; enter a code instead")
}

// CheckKeyFactor checks the answer to BeginKeyFactor's ceremony.
func (s *Service) CheckKeyFactor(ctx context.Context, u *core.User, ceremony string, response []byte) error {
	return s.finishKeyAssertion(ctx, u, ceremony, ceremonyMFA, response)
}

// protocolDetail is the library's explanation of a failed check.
func protocolDetail(err error) string {
	if err == nil {
		return "unknown credential"
	}
	var pe *protocol.Error
	if errors.As(err, &pe) && pe.Details != "" {
		return pe.Details
	}
	return err.Error()
}
