package trust_test

import (
	"context"
	"errors"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	npmfmt "github.com/rampart/rampart/internal/ecosystem/npm"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/eventcheck"
	"github.com/rampart/rampart/internal/store/sqlite"
	"github.com/rampart/rampart/internal/testclock"
	"github.com/rampart/rampart/internal/throttle"
	"github.com/rampart/rampart/internal/trust"
)

// fixedVerifier answers every ID token with one set of claims.
type fixedVerifier struct{ tok *trust.IDToken }

func (f fixedVerifier) Verify(context.Context, string, string) (*trust.IDToken, error) {
	if f.tok == nil {
		return nil, core.Errorf(core.KindUnauthenticated, "the ID token was refused")
	}
	t := *f.tok
	return &t, nil
}

type env struct {
	st    store.Store
	svc   *trust.Service
	clock *testclock.Clock
	al    *core.User
	bo    *core.User
	tok   *trust.IDToken
}

func setup(t *testing.T) *env {
	raw, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "metadata.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	e := &env{clock: testclock.New(time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC))}
	// Fixtures straight into the store; the service runs on the checked one.
	e.al, e.bo = &core.User{Name: "al", Email: "al@example.com", EmailVerified: true, CreatedAt: e.clock.Now()}, &core.User{Name: "bo", Email: "bo@example.com", EmailVerified: true, CreatedAt: e.clock.Now()}
	if err := raw.Update(t.Context(), func(tx store.Tx) error {
		for _, u := range []*core.User{e.al, e.bo} {
			if err := tx.CreateUser(u); err != nil {
				return err
			}
		}
		for _, name := range []string{"widget", "secret"} {
			p := &core.Package{PackageRef: core.NPM(name), CreatedAt: e.clock.Now(), ModifiedAt: e.clock.Now(), Rev: 1, Access: "public"}
			if name == "secret" {
				p.Access = "restricted"
			}
			if err := tx.CreatePackage(p); err != nil {
				return err
			}
			if err := tx.AddMaintainer(p.ID, e.al.ID, e.clock.Now()); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	e.st = eventcheck.Wrap(t, raw)
	e.tok = &trust.IDToken{Issuer: "github", Subject: "repo:acme/widget:ref:refs/heads/main", JTI: "j1", Expiry: e.clock.Now().Add(5 * time.Minute),
		Claims: map[string]any{"repository": "acme/widget", "workflow_ref": "acme/widget/.github/workflows/publish.yml@refs/heads/main", "repository_id": "1", "repository_owner_id": "2"}}
	e.svc, err = trust.New(trust.Deps{Store: e.st, Verifier: &verifierFunc{e}, Limiter: throttle.New(raw, e.clock.Now, 5, time.Minute),
		Format: npmfmt.Format{}, Now: e.clock.Now, Issuers: []trust.Issuer{{Name: "github", Kind: trust.KindGitHub}}, PublicURL: "https://registry.test/"})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

type verifierFunc struct{ e *env }

func (v *verifierFunc) Verify(ctx context.Context, raw, aud string) (*trust.IDToken, error) {
	if aud != "npm:registry.test" {
		return nil, errors.New("wrong audience asked")
	}
	return fixedVerifier{v.e.tok}.Verify(ctx, raw, aud)
}

func (e *env) who(u *core.User) authz.Principal { return authz.Principal{User: u, Now: e.clock.Now()} }

var ghConfig = []trust.Config{{Type: "github", Claims: map[string]any{"repository": "acme/widget", "workflow_ref": map[string]any{"file": "publish.yml"}}}}

// TestServiceRules: who may configure what, on the event-checked store.
func TestServiceRules(t *testing.T) {
	e := setup(t)
	ctx := t.Context()
	if _, err := e.svc.Add(ctx, e.who(e.al), "widget", ghConfig); err != nil {
		t.Fatal(err)
	}
	// Not an owner: refused, and a restricted package is not even there.
	if _, err := e.svc.Add(ctx, e.who(e.bo), "widget", ghConfig); err == nil || !strings.Contains(err.Error(), "not a maintainer") {
		t.Errorf("bo configures widget: %v", err)
	}
	for _, err := range []error{
		func() error { _, err := e.svc.Add(ctx, e.who(e.bo), "secret", ghConfig); return err }(),
		func() error { _, err := e.svc.Status(ctx, e.who(e.bo), "secret"); return err }(),
		e.svc.Remove(ctx, e.who(e.bo), "secret", "1"),
		e.svc.SetTrustedOnly(ctx, e.who(e.bo), "secret", true),
	} {
		if core.KindOf(err) != core.KindNotFound || !strings.Contains(err.Error(), "not found or you do not have permission") {
			t.Errorf("bo on the restricted package: %v, want the same not-found as for no package", err)
		}
	}
	// A pending publisher in someone else's scope is refused.
	if _, err := e.svc.Add(ctx, e.who(e.bo), "@al/thing", ghConfig); err == nil || !strings.Contains(err.Error(), "scope @al is not yours") {
		t.Errorf("bo in al's scope: %v", err)
	}
	// Unknown issuers and claims say what is accepted.
	if _, err := e.svc.Add(ctx, e.who(e.al), "widget", []trust.Config{{Type: "travis", Claims: map[string]any{}}}); err == nil || !strings.Contains(err.Error(), "trusts the issuers github") {
		t.Errorf("unknown issuer: %v", err)
	}
}

// TestExchangeRecordsStableIDs: the first exchange records the stable ids;
// a re-created repository of the same name then no longer matches; a
// replayed jti is refused.
func TestExchangeRecordsStableIDs(t *testing.T) {
	e := setup(t)
	ctx := t.Context()
	if _, err := e.svc.Add(ctx, e.who(e.al), "widget", ghConfig); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Exchange(ctx, netipAddr(), "widget", "raw"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Exchange(ctx, netipAddr(), "widget", "raw"); err == nil || !strings.Contains(err.Error(), "already exchanged") {
		t.Errorf("replay: %v", err)
	}
	e.tok.JTI, e.tok.Claims["repository_id"] = "j2", "999"
	if _, err := e.svc.Exchange(ctx, netipAddr(), "widget", "raw"); err == nil || !strings.Contains(err.Error(), "repository_id") {
		t.Errorf("re-created repository: %v", err)
	}
}

func netipAddr() netip.Addr { return netip.MustParseAddr("192.0.2.7") }
