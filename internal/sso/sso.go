// Package sso signs users in with their company's identity provider
// (generic OpenID Connect: Keycloak, Dex, Okta, Google Workspace): the
// authorization-code flow with PKCE, its state and nonce bound to a
// short-lived cookie, the ID token verified with go-oidc (signature,
// issuer, audience, expiry) and its nonce checked; the account found by
// the provider's subject, else linked by a verified address, else created
// when the provider allows it; the provider's groups applied to
// organisation and team memberships at each sign-in (org.SyncGroups).
//
// It is a network client of the configured providers (discovery, keys,
// the token endpoint), like internal/idtoken; it makes no session: the
// web front-end turns the user it returns into a browser session the way
// a password sign-in does, second factor included.
package sso

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/identity"
	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/org"
	"github.com/rampart/rampart/internal/store"
)

// Provider is one configured identity provider.
type Provider struct {
	Name, DisplayName, Issuer, ClientID, ClientSecret string
	Scopes                                            []string
	GroupsClaim                                       string
	Groups                                            []org.GroupRule
	CreateAccounts                                    bool
}

// Info is what the sign-in page shows of a provider.
type Info struct{ Name, DisplayName string }

// Deps are what the service works with.
type Deps struct {
	Store     store.Store
	Identity  *identity.Service
	Orgs      *org.Service
	PublicURL string // ends in "/"
	Client    *http.Client
	Now       func() time.Time
	Log       *slog.Logger
}

// Service runs the sign-ins.
type Service struct {
	d         Deps
	providers []*provider
}

type provider struct {
	Provider
	mu   sync.Mutex
	oidc *oidc.Provider // discovered on first use
}

// New builds the service; discovery happens at the first sign-in, so a
// provider that is down does not stop the registry from starting.
func New(d Deps, ps []Provider) *Service {
	if d.Client == nil {
		d.Client = &http.Client{Timeout: limits.OIDCFetchTimeout}
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	s := &Service{d: d}
	for _, p := range ps {
		s.providers = append(s.providers, &provider{Provider: p})
	}
	return s
}

// Providers lists the providers, for the sign-in page's buttons.
func (s *Service) Providers() []Info {
	out := make([]Info, len(s.providers))
	for i, p := range s.providers {
		out[i] = Info{Name: p.Name, DisplayName: p.DisplayName}
	}
	return out
}

// PathPrefix is where the flow's pages are: PathPrefix+<name> starts it,
// PathPrefix+<name>/callback ends it.
const PathPrefix = "-/sso/"

// CookieLifetime bounds a sign-in in flight: its state, nonce and PKCE
// verifier live in a cookie this long.
const CookieLifetime = 10 * time.Minute

// flight is what the cookie holds between the start and the callback.
type flight struct {
	Provider string    `json:"p"`
	State    string    `json:"s"`
	Nonce    string    `json:"n"`
	Verifier string    `json:"v"`
	Next     string    `json:"next"`
	Expires  time.Time `json:"exp"`
}

func (s *Service) provider(name string) (*provider, error) {
	for _, p := range s.providers {
		if p.Name == name {
			return p, nil
		}
	}
	return nil, core.Errorf(core.KindNotFound, "there is no sign-in provider %q here; go back to the sign-in page", name)
}

// discover fetches the provider's discovery document once.
func (s *Service) discover(ctx context.Context, p *provider) (*oidc.Provider, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.oidc != nil {
		return p.oidc, nil
	}
	op, err := oidc.NewProvider(oidc.ClientContext(ctx, s.d.Client), p.Issuer)
	if err != nil {
		s.d.Log.WarnContext(ctx, "sso: discovery failed", "provider", p.Name, "err", err)
		return nil, core.Errorf(core.KindInternal, "%s cannot be reached right now; try again later, or ask an administrator", p.DisplayName)
	}
	p.oidc = op
	return op, nil
}

func (s *Service) redirectURI(p *provider) string {
	return s.d.PublicURL + PathPrefix + p.Name + "/callback"
}

func random() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// Begin starts a sign-in with provider name: it returns the provider's
// authorization URL to send the browser to, and the cookie value that
// binds the callback to this browser (state, nonce, PKCE verifier, and
// where to go after).
func (s *Service) Begin(ctx context.Context, name, next string) (authURL, cookie string, err error) {
	p, err := s.provider(name)
	if err != nil {
		return "", "", err
	}
	op, err := s.discover(ctx, p)
	if err != nil {
		return "", "", err
	}
	f := flight{Provider: p.Name, Next: next, Expires: s.d.Now().Add(CookieLifetime)}
	for _, v := range []*string{&f.State, &f.Nonce, &f.Verifier} {
		if *v, err = random(); err != nil {
			return "", "", err
		}
	}
	challenge := sha256.Sum256([]byte(f.Verifier))
	q := url.Values{
		"response_type":         {"code"},
		"client_id":             {p.ClientID},
		"redirect_uri":          {s.redirectURI(p)},
		"scope":                 {strings.Join(append([]string{oidc.ScopeOpenID}, p.Scopes...), " ")},
		"state":                 {f.State},
		"nonce":                 {f.Nonce},
		"code_challenge":        {base64.RawURLEncoding.EncodeToString(challenge[:])},
		"code_challenge_method": {"S256"},
	}
	b, err := json.Marshal(f)
	if err != nil {
		return "", "", err
	}
	auth := op.Endpoint().AuthURL
	sep := "?"
	if strings.Contains(auth, "?") {
		sep = "&"
	}
	return auth + sep + q.Encode(), base64.RawURLEncoding.EncodeToString(b), nil
}

// refused is the one answer to a callback that does not hold: the user
// starts again (the reason is logged, not shown, so a forged callback
// learns nothing).
func (s *Service) refused(ctx context.Context, p string, why string, err error) error {
	s.d.Log.WarnContext(ctx, "sso: sign-in refused", "provider", p, "why", why, "err", err)
	return core.Errorf(core.KindUnauthenticated, "the sign-in could not be completed (%s); go back to the sign-in page and start again", why)
}

// Result is a finished sign-in: the user, and where they were going.
type Result struct {
	User *core.User
	Next string
}

// Finish completes the sign-in the callback of provider name reports:
// the state must match the cookie's, the code is exchanged with the PKCE
// verifier, and the ID token must verify and carry the cookie's nonce.
func (s *Service) Finish(ctx context.Context, name, cookie string, q url.Values) (*Result, error) {
	p, err := s.provider(name)
	if err != nil {
		return nil, err
	}
	var f flight
	raw, err := base64.RawURLEncoding.DecodeString(cookie)
	if err != nil || len(cookie) > 4096 || json.Unmarshal(raw, &f) != nil || f.Provider != p.Name {
		return nil, s.refused(ctx, p.Name, "this browser did not start it, or it took too long", err)
	}
	if !s.d.Now().Before(f.Expires) {
		return nil, s.refused(ctx, p.Name, "it took too long", nil)
	}
	if e := q.Get("error"); e != "" {
		return nil, s.refused(ctx, p.Name, "the provider said: "+truncate(e, 100), nil)
	}
	if st := q.Get("state"); st == "" || subtle.ConstantTimeCompare([]byte(st), []byte(f.State)) != 1 {
		return nil, s.refused(ctx, p.Name, "the state does not match this browser's", nil)
	}
	op, err := s.discover(ctx, p)
	if err != nil {
		return nil, err
	}
	rawID, err := s.exchange(ctx, p, op, q.Get("code"), f.Verifier)
	if err != nil {
		return nil, s.refused(ctx, p.Name, "the provider refused the code", err)
	}
	v := op.Verifier(&oidc.Config{ClientID: p.ClientID, Now: s.d.Now})
	tok, err := v.Verify(oidc.ClientContext(ctx, s.d.Client), rawID)
	if err != nil {
		return nil, s.refused(ctx, p.Name, "the identity token does not verify", err)
	}
	if subtle.ConstantTimeCompare([]byte(tok.Nonce), []byte(f.Nonce)) != 1 {
		return nil, s.refused(ctx, p.Name, "the identity token's nonce does not match", nil)
	}
	var c claims
	if err := tok.Claims(&c.raw); err != nil {
		return nil, s.refused(ctx, p.Name, "the identity token's claims cannot be read", err)
	}
	c.read(p.GroupsClaim)
	c.Subject = tok.Subject
	u, err := s.account(ctx, p, c)
	if err != nil {
		return nil, err
	}
	rules := p.Groups
	if err := s.d.Orgs.SyncGroups(ctx, u, c.Groups, rules, "sign-in through "+p.DisplayName); err != nil {
		return nil, err
	}
	return &Result{User: u, Next: f.Next}, nil
}

// exchange trades the code for the ID token at the token endpoint
// (client_secret_basic, with the PKCE verifier); the answer is bounded.
func (s *Service) exchange(ctx context.Context, p *provider, op *oidc.Provider, code, verifier string) (string, error) {
	if code == "" {
		return "", errors.New("no code")
	}
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {s.redirectURI(p)}, "code_verifier": {verifier}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, op.Endpoint().TokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.SetBasicAuth(url.QueryEscape(p.ClientID), url.QueryEscape(p.ClientSecret))
	resp, err := s.d.Client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, limits.MaxSSOResponseBytes+1))
	if err != nil {
		return "", err
	}
	if len(body) > limits.MaxSSOResponseBytes {
		return "", fmt.Errorf("token response over %d bytes", limits.MaxSSOResponseBytes)
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("token endpoint: %s: %s", resp.Status, truncate(string(body), 200))
	}
	var tr struct {
		IDToken string `json:"id_token"`
	}
	if err := json.Unmarshal(body, &tr); err != nil || tr.IDToken == "" {
		return "", errors.New("token response without an id_token")
	}
	return tr.IDToken, nil
}

// claims are the ID token's claims sso reads.
type claims struct {
	raw           map[string]any
	Subject       string
	Email         string
	EmailVerified bool
	Username      string
	Groups        []string
}

func (c *claims) read(groupsClaim string) {
	c.Email, _ = c.raw["email"].(string)
	switch v := c.raw["email_verified"].(type) {
	case bool:
		c.EmailVerified = v
	case string:
		c.EmailVerified = v == "true" // some providers send a string
	}
	c.Username, _ = c.raw["preferred_username"].(string)
	if gs, ok := c.raw[groupsClaim].([]any); ok {
		for _, g := range gs {
			if s, ok := g.(string); ok {
				c.Groups = append(c.Groups, s)
			}
		}
	}
}

var notNameChar = regexp.MustCompile(`[^a-z0-9._-]+`)

// userName makes a user name from the preferred username or the address.
func userName(c claims) string {
	n := c.Username
	if n == "" {
		n, _, _ = strings.Cut(c.Email, "@")
	}
	if at := strings.IndexByte(n, '@'); at >= 0 {
		n = n[:at]
	}
	n = strings.Trim(notNameChar.ReplaceAllString(strings.ToLower(n), "-"), "-._")
	return truncate(n, 64)
}

// account finds, links or creates the account of the provider's subject.
// Linking is by the provider's subject, else by an address both sides
// verified; an unverified address never links or creates.
func (s *Service) account(ctx context.Context, p *provider, c claims) (*core.User, error) {
	if c.Subject == "" {
		return nil, s.refused(ctx, p.Name, "the identity token names no subject", nil)
	}
	var u *core.User
	err := s.d.Store.View(ctx, func(tx store.Tx) error {
		link, err := tx.SSOIdentity(p.Name, c.Subject)
		if errors.Is(err, core.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		u, err = tx.UserByID(link.UserID)
		return err
	})
	if err != nil {
		return nil, err
	}
	if u != nil {
		return standing(u)
	}
	if c.Email == "" || !c.EmailVerified {
		return nil, core.Errorf(core.KindForbidden, "%s did not give a verified email address for you, so no account here can be linked; ask your identity provider's administrators", p.DisplayName)
	}
	created := false
	err = s.d.Store.View(ctx, func(tx store.Tx) error {
		var err error
		u, err = tx.UserByEmail(c.Email)
		if errors.Is(err, core.ErrNotFound) {
			u, err = nil, nil
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if u != nil && !u.EmailVerified {
		u = nil // only a verified address links (UserByEmail finds only those)
	}
	if u == nil {
		if !p.CreateAccounts {
			return nil, core.Errorf(core.KindForbidden, "there is no account here for %s; ask an administrator to create one, then sign in with %s again", c.Email, p.DisplayName)
		}
		pw, err := random()
		if err != nil {
			return nil, err
		}
		// The password is random and never shown: the account signs in
		// through the provider (or resets a password by mail).
		u, err = s.d.Identity.CreateUser(ctx, "sso:"+p.Name, identity.NewUser{Name: userName(c), Email: c.Email, Password: pw + "-Aa1", Verified: true})
		if err != nil {
			return nil, err
		}
		created = true
	}
	if _, err := standing(u); err != nil {
		return nil, err
	}
	err = s.d.Store.Update(ctx, func(tx store.Tx) error {
		now := s.d.Now()
		if err := tx.LinkSSOIdentity(core.SSOIdentity{Provider: p.Name, Subject: c.Subject, UserID: u.ID, Email: c.Email, LinkedAt: now}); err != nil {
			return err
		}
		return tx.AppendEvent(event.SSOLink{User: u.Name, Provider: p.Name, Subject: c.Subject, Email: c.Email, Created: created}.At(now, "sso:"+p.Name))
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

func standing(u *core.User) (*core.User, error) {
	if u.Disabled() {
		return nil, core.Errorf(core.KindForbidden, "account %s is disabled; contact the registry's administrators", u.Name)
	}
	return u, nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
