package server

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/config"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/identity"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/eventcheck"
	"github.com/rampart/rampart/internal/testclock"
	"github.com/rampart/rampart/internal/testpeers/oidc"
	"github.com/rampart/rampart/internal/trust"
)

// TestTrustExchangeInProcess runs trusted publishing's writes on the
// event-checked store (every security-relevant write has its event in the
// same transaction) and checks that the ID token, a bearer credential
// for minutes, reaches no log, refused or not.
func TestTrustExchangeInProcess(t *testing.T) {
	peer := oidc.Start(t)
	h, svc, logs := testHandler(t, func(c *config.Config) {
		c.PublicURL = "http://registry.test/"
		c.TrustedPublishing.Issuers = []config.TrustIssuer{{Name: "github", URL: oidc.GitHubIssuer, JWKSURL: peer.JWKSURL(), Kind: "github", Algs: []string{"RS256"}}}
	})
	ctx := t.Context()
	u, err := svc.Identity.CreateUser(ctx, "", identity.NewUser{Name: "alice", Email: "alice@example.com", Password: "correct-horse-battery-1", Verified: true})
	if err != nil {
		t.Fatal(err)
	}
	p := authz.Principal{User: u, Now: time.Now()}
	views, err := svc.Trust.Service.Add(ctx, p, "fresh", []trust.Config{{Type: "github", Claims: map[string]any{"repository": "acme/fresh", "workflow_ref": map[string]any{"file": "publish.yml"}}}})
	if err != nil || len(views) != 1 || !views[0].Pending {
		t.Fatalf("pending publisher: %+v %v", views, err)
	}
	post := func(idToken string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodPost, "/-/npm/v1/oidc/token/exchange/package/fresh", nil)
		r.Header.Set("Authorization", "Bearer "+idToken)
		r.Header.Set("Accept", "application/json")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	good := peer.Mint(oidc.Token{Claims: oidc.GitHubClaims(oidc.Run{Audience: "npm:registry.test", Repository: "acme/fresh", Workflow: "publish.yml"})})
	if w := post(good); w.Code != http.StatusCreated || !strings.Contains(w.Body.String(), `"token":"rmp_`) {
		t.Fatalf("exchange: %d %s", w.Code, w.Body)
	}
	if w := post(good); w.Code != http.StatusUnauthorized || !strings.Contains(w.Body.String(), `"message":"the ID token was refused: it was already exchanged`) {
		t.Fatalf("replay: %d %s", w.Code, w.Body)
	}
	wrong := peer.Mint(oidc.Token{Claims: oidc.GitHubClaims(oidc.Run{Audience: "npm:registry.test", Repository: "acme/other", Workflow: "publish.yml"})})
	if w := post(wrong); w.Code != http.StatusForbidden {
		t.Fatalf("wrong repository: %d %s", w.Code, w.Body)
	}
	for _, tok := range []string{good, wrong} {
		sig := tok[strings.LastIndexByte(tok, '.')+1:]
		if strings.Contains(logs.String(), sig) || strings.Contains(logs.String(), tok[:60]) {
			t.Fatalf("an ID token reached the log:\n%s", logs)
		}
	}
	// The events, in order.
	var types []string
	if err := svc.Store.View(ctx, func(tx store.Tx) error {
		es, err := tx.EventsAfter(0, 100)
		for _, e := range es {
			if strings.HasPrefix(e.Type, "package.trust") {
				types = append(types, e.Type)
			}
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if strings.Join(types, " ") != core.EventTrustAdd+" "+core.EventTrustExchange {
		t.Fatalf("trust events %q", types)
	}
	if err := svc.Trust.Service.Remove(ctx, p, "fresh", views[0].ID); err != nil {
		t.Fatal(err)
	}
}

// TestTrustExchangeRateLimited: exchange attempts are counted per source
// before any ID token is verified; past the burst the answer is 429 with
// Retry-After and a message, whatever the token (the clock stands still,
// so nothing depends on the machine's speed).
func TestTrustExchangeRateLimited(t *testing.T) {
	clock := testclock.New(time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC))
	cfg := testConfig(t, nil)
	svc, err := Open(t.Context(), cfg, Options{Now: clock.Now, WrapStore: func(s store.Store) store.Store { return eventcheck.Wrap(t, s) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close(context.Background()) })
	h := Handler(svc, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	var last *httptest.ResponseRecorder
	for i := range trust.ExchangeSourceRate.Burst + 1 {
		r := httptest.NewRequest(http.MethodPost, "/-/npm/v1/oidc/token/exchange/package/pkg"+strconv.Itoa(i), nil)
		r.Header.Set("Authorization", "Bearer not.a.jwt")
		last = httptest.NewRecorder()
		h.ServeHTTP(last, r)
		if i < trust.ExchangeSourceRate.Burst && last.Code != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d %s", i, last.Code, last.Body)
		}
	}
	if last.Code != http.StatusTooManyRequests || last.Header().Get("Retry-After") == "" || !strings.Contains(last.Body.String(), "too many token exchanges from your address") {
		t.Fatalf("past the burst: %d %v %s", last.Code, last.Header(), last.Body)
	}
}
