package web_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/rampart/rampart/internal/config"
	"github.com/rampart/rampart/internal/server"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/eventcheck"
	"github.com/rampart/rampart/internal/testclock"
)

// newEnvAt is newEnv with the services on clock.
func newEnvAt(t *testing.T, clock *testclock.Clock) *env {
	t.Helper()
	cfg := config.Default()
	cfg.Data = t.TempDir()
	cfg.Listen = "127.0.0.1:0"
	cfg.PublicURL = "http://localhost:4873/"
	cfg.InsecureFastPasswordHashing = true
	cfg.Passwords.HIBPDisabled = true
	cfg.EmailDomains.Check = false
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	svc, err := server.Open(t.Context(), cfg, server.Options{Log: log, Now: clock.Now, WrapStore: func(s store.Store) store.Store { return eventcheck.Wrap(t, s) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := svc.Close(context.Background()); err != nil {
			t.Errorf("closing services: %v", err)
		}
	})
	return &env{t: t, cfg: cfg, svc: svc, h: deliverNotices(t, server.Handler(svc, cfg, log), svc)}
}

// TestWebStepUp: a sensitive action refused for a stale second factor
// sends the browser to /account/confirm, which takes a code from the app,
// refreshes the session's second factor and returns to the page; the
// action then goes through.
func TestWebStepUp(t *testing.T) {
	clock := testclock.New(time.Now().Truncate(time.Second))
	e := newEnvAt(t, clock)
	e.user("alice")
	session := e.signIn("alice")

	m := secretRE.FindStringSubmatch(e.browserGet("/account/mfa", session).Body.String())
	if m == nil {
		t.Fatal("no TOTP secret on the MFA page")
	}
	secret := m[1]
	code := func() string {
		c, err := totp.GenerateCode(secret, clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	wantStatus(t, e.postForm("/account/mfa/confirm", url.Values{"code": {code()}}, session), http.StatusOK)

	// Twenty minutes later the session's second factor is stale.
	clock.Advance(20 * time.Minute)
	change := url.Values{"email": {"alice2@example.com"}, "password": {testPassword}}
	w := e.postForm("/account/email", change, session)
	wantStatus(t, w, http.StatusSeeOther)
	loc := w.Header().Get("Location")
	if loc != "/account/confirm?next=%2Faccount" {
		t.Fatalf("refused email change redirects to %q", loc)
	}

	w = e.browserGet(loc, session)
	wantStatus(t, w, http.StatusOK)
	wantContains(t, w.Body.String(), `action="/account/confirm"`, `name="next" value="/account"`)

	// Signed out, the page asks to sign in first.
	if w := e.browserGet(loc); w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/login?") {
		t.Fatalf("anonymous confirm page: %d %q", w.Code, w.Header().Get("Location"))
	}

	// A wrong code is refused, and the action still is.
	w = e.postForm("/account/confirm", url.Values{"code": {"000000"}, "next": {"/account"}}, session)
	wantStatus(t, w, http.StatusUnauthorized)
	wantContains(t, w.Body.String(), "not valid", `action="/account/confirm"`)
	wantStatus(t, e.postForm("/account/email", change, session), http.StatusSeeOther)

	// An unsafe next is not followed.
	w = e.postForm("/account/confirm", url.Values{"code": {code()}, "next": {"//evil.example/"}}, session)
	wantStatus(t, w, http.StatusSeeOther)
	if got := w.Header().Get("Location"); got != "/" {
		t.Fatalf("confirm redirects to %q", got)
	}

	w = e.postForm("/account/email", change, session)
	wantStatus(t, w, http.StatusSeeOther)
	if got := w.Header().Get("Location"); got != "/account?email-sent=1" {
		t.Fatalf("email change after confirming redirects to %q", got)
	}

	// Stale again, it asks again.
	clock.Advance(20 * time.Minute)
	w = e.postForm("/account/email", change, session)
	wantStatus(t, w, http.StatusSeeOther)
	if !strings.HasPrefix(w.Header().Get("Location"), "/account/confirm?next=") {
		t.Fatalf("stale again: redirect to %q", w.Header().Get("Location"))
	}
}
