package trust

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/netip"
	"strings"
	"time"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/throttle"
	"github.com/rampart/rampart/internal/token"
)

// Exchanged is a token from the exchange: its value is shown once (to
// the CI) and stored only as its hash.
type Exchanged struct {
	Value   string
	Expires time.Time
}

// Exchange turns a CI's ID token into a short-lived token that publishes
// name: the token must verify (issuer, keys, algorithm, audience, times),
// match one of the package's trusted publishers (or, for a name that
// does not exist, a live pending one), and not have been exchanged
// before. Attempts are rate-limited per source address and per package.
func (s *Service) Exchange(ctx context.Context, addr netip.Addr, name, raw string) (*Exchanged, error) {
	if err := s.d.Format.ValidateName(name); err != nil {
		return nil, err
	}
	ref := s.ref(name)
	if err := s.d.Limiter.ReserveRate(ctx, []throttle.RateKey{
		{Key: "trust-exchange:addr:" + throttle.SourceKey(addr), Rate: ExchangeSourceRate,
			Refusal: "too many token exchanges from your address; try again in %s"},
		{Key: "trust-exchange:pkg:" + string(ref.Ecosystem) + ":" + name, Rate: ExchangePackageRate,
			Refusal: "too many token exchanges for " + name + "; try again in %s"},
	}); err != nil {
		return nil, err
	}
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, core.Errorf(core.KindUnauthenticated, "send the CI's OIDC ID token as the bearer token (Authorization: Bearer <ID token>)")
	}
	tok, err := s.d.Verifier.Verify(ctx, raw, s.audience)
	if err != nil {
		return nil, err
	}
	is, ok := s.issuers[tok.Issuer]
	if !ok {
		return nil, core.Errorf(core.KindUnauthenticated, "the ID token's issuer %s has no claim mapping on this registry", tok.Issuer)
	}
	now := s.d.Now()
	value, err := token.Generate()
	if err != nil {
		return nil, err
	}
	expires := now.Add(s.d.TokenLifetime)
	if ip := addr; ip.IsValid() {
		addr = ip.Unmap()
	}
	err = s.d.Store.Update(ctx, func(tx store.Tx) error {
		st, err := load(tx, ref)
		if err != nil {
			return err
		}
		tp, err := s.matching(tx, st, ref, is, tok, now)
		if err != nil {
			return err
		}
		u, err := tx.UserByID(tp.CreatedBy)
		if err != nil {
			return err
		}
		if u.Disabled() {
			return core.Errorf(core.KindForbidden, "the account that configured this trusted publisher (%s) is disabled; an owner must configure it again", u.Name)
		}
		if err := tx.UseIDToken(tok.Issuer, tok.JTI, tok.Expiry, now); errors.Is(err, core.ErrConflict) {
			return core.Errorf(core.KindUnauthenticated, "the ID token was refused: it was already exchanged (jti %s); each ID token is used once, so request a new one", tok.JTI)
		} else if err != nil {
			return err
		}
		pending := st.pkg == nil
		if tp.Pending() && st.pkg != nil {
			tp.PendingUntil = time.Time{} // its package exists now: attached for good
		}
		if len(tp.Stable) == 0 {
			tp.Stable = is.stableOf(tok.Claims)
		}
		if err := tx.UpdateTrustedPublisher(tp); err != nil {
			return err
		}
		t := core.Token{
			Key: newKey(), UserID: u.ID, Hash: token.Hash(value), Mask: token.Mask(value),
			Name: trimTo("trusted publisher "+tok.Issuer+" "+tok.Subject, 200),
			Kind: core.TokenTrusted, Actions: []core.TokenAction{core.TokenPublish}, Packages: []string{name},
			CreatedAt: now, ExpiresAt: expires,
		}
		if err := tx.CreateToken(&t); err != nil {
			return err
		}
		if err := tx.RecordTrustedToken(&core.TrustedToken{TokenID: t.ID, PublisherID: tp.ID, Package: ref, Issuer: tok.Issuer,
			Subject: trimTo(tok.Subject, 200), Pending: pending}); err != nil {
			return err
		}
		ip := ""
		if addr.IsValid() {
			ip = addr.String()
		}
		return tx.AppendEvent(event.TrustExchange{ID: tp.ID, Issuer: tok.Issuer, Subject: trimTo(tok.Subject, 200), Token: t.Key,
			Expires: expires, Pending: pending, IP: ip}.At(now, u.Name, name))
	})
	if err != nil {
		return nil, err
	}
	s.d.Log.InfoContext(ctx, "trusted publisher token issued", "package", name, "issuer", tok.Issuer, "subject", tok.Subject, "expires", expires)
	return &Exchanged{Value: value, Expires: expires}, nil
}

// matching finds the configuration the token fits: among the package's
// own (and pending ones whose creator now maintains it), or, for a name
// that does not exist, its live pending ones. The refusal names the
// first claim that did not fit, and the token's value of it, never what
// the configuration wants.
func (s *Service) matching(tx store.Tx, st *pkgState, ref core.PackageRef, is Issuer, tok *IDToken, now time.Time) (*core.TrustedPublisher, error) {
	tps, err := tx.TrustedPublishersFor(ref)
	if err != nil {
		return nil, err
	}
	var first *mismatch
	candidates := 0
	for i := range tps {
		tp := &tps[i]
		if tp.Issuer != tok.Issuer || !hasPerm(tp.Permissions, PermCreatePackage) {
			continue
		}
		switch {
		case st.pkg == nil && (!tp.Pending() || !now.Before(tp.PendingUntil)):
			continue
		case st.pkg != nil && tp.Pending() && !isMaintainer(st.maintainers, tp.CreatedBy):
			continue
		}
		candidates++
		m := is.match(tp, tok.Claims)
		if m == nil {
			return tp, nil
		}
		if first == nil {
			first = m
		}
	}
	if candidates == 0 {
		if st.pkg == nil {
			return nil, core.Errorf(core.KindForbidden, "package %s does not exist and has no live pending trusted publisher for %s; register one (it expires after a while) or publish the first version yourself", ref.Name, tok.Issuer)
		}
		return nil, core.Errorf(core.KindForbidden, "%s has no trusted publisher for %s; an owner adds one with `npm trust %s %s ...` or on the package's settings page", ref.Name, tok.Issuer, tok.Issuer, ref.Name)
	}
	return nil, core.Errorf(core.KindForbidden, "no trusted publisher of %s matches this workflow: its %s is %s; check the repository, workflow file and environment configured with `npm trust list %s`",
		ref.Name, strings.SplitN(first.claim, " ", 2)[0], quoteShort(first.got), ref.Name)
}

func hasPerm(perms []string, want string) bool {
	for _, p := range perms {
		if p == want {
			return true
		}
	}
	return false
}

func isMaintainer(ms []core.User, id int64) bool {
	for _, m := range ms {
		if m.ID == id {
			return true
		}
	}
	return false
}

func quoteShort(s string) string {
	if s == "" {
		return "missing"
	}
	return "\"" + trimTo(strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f || r == '"' {
			return '?'
		}
		return r
	}, s), 200) + "\""
}

func trimTo(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// newKey is a token's public identifier: 32 hex characters.
func newKey() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Principal completes the principal of a token from an exchange: the
// configuration it came from, which authz.Authorize then holds it to.
func Principal(tx store.TrustedPublishers, t *core.Token) (*authz.Publisher, error) {
	tt, err := tx.TrustedTokenByID(t.ID)
	if err != nil {
		return nil, err
	}
	return &authz.Publisher{ID: tt.PublisherID, Issuer: tt.Issuer, Subject: tt.Subject, Package: tt.Package, Pending: tt.Pending}, nil
}
