package server

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/rampart/rampart/internal/authn"
	"github.com/rampart/rampart/internal/config"
	"github.com/rampart/rampart/internal/identity"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/eventcheck"
)

// syncBuffer is a log destination safe for the server's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func testConfig(t *testing.T, edit func(*config.Config)) config.Config {
	t.Helper()
	cfg := config.Default()
	cfg.Data = t.TempDir()
	cfg.Listen = "127.0.0.1:0"
	cfg.InsecureFastPasswordHashing = true
	cfg.Passwords.HIBPDisabled = true
	cfg.EmailDomains.Check = false
	if edit != nil {
		edit(&cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// testHandler is the server's handler over fresh services, logging at
// debug level (the access log included) into the returned buffer.
func testHandler(t *testing.T, edit func(*config.Config)) (http.Handler, *Services, *syncBuffer) {
	t.Helper()
	cfg := testConfig(t, edit)
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	svc, err := Open(t.Context(), cfg, Options{Log: log, WrapStore: func(s store.Store) store.Store { return eventcheck.Wrap(t, s) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close(context.Background()) })
	return Handler(svc, cfg, log), svc, logs
}

// TestLogsRedactSecretURLs: URLs that carry a secret (the npm web-login
// pages, npm logout, mailed links) reach the log without it.
func TestLogsRedactSecretURLs(t *testing.T) {
	h, _, logs := testHandler(t, nil)
	const secret = "Sup3rSecretValue0123456789"
	for _, tc := range []struct{ method, target, accept string }{
		{http.MethodGet, "/" + authn.PathCLILogin + secret, "text/html"},
		{http.MethodGet, "/" + authn.PathCLILogin + secret + "?purpose=otp", "text/html"},
		{http.MethodGet, "/" + authn.PathCLIDone + secret, "application/json"},
		{http.MethodDelete, "/-/user/token/" + secret, "application/json"},
		{http.MethodGet, "/" + identity.PathResetPassword + "?token=" + secret, "text/html"},
		{http.MethodGet, "/" + identity.PathVerifyEmail + "?token=" + secret, "text/html"},
		{http.MethodGet, "/login?next=%2F" + strings.ReplaceAll(authn.PathCLILogin, "/", "%2F") + secret, "text/html"},
	} {
		r := httptest.NewRequest(tc.method, tc.target, nil)
		r.Header.Set("Accept", tc.accept)
		r.Header.Set("Authorization", "Bearer "+secret)
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
	out := logs.String()
	if strings.Contains(out, secret) {
		t.Fatalf("a secret reached the log:\n%s", out)
	}
	for _, want := range []string{"path=/login/cli/REDACTED", "path=/-/v1/done/REDACTED", "path=/-/user/token/REDACTED", "path=\"/reset-password?token=REDACTED\""} {
		if !strings.Contains(out, want) {
			t.Errorf("log has no %s:\n%s", want, out)
		}
	}
}

// TestTrustedProxies: behind a trusted proxy, the address the npm login
// approval page shows (and throttles count by) is the client's from
// X-Forwarded-For; from anyone else, that header is ignored.
func TestTrustedProxies(t *testing.T) {
	h, svc, _ := testHandler(t, func(c *config.Config) { c.TrustedProxies = []string{"10.0.0.0/8"} })
	startLogin := func(peer, xff string) string {
		t.Helper()
		r := httptest.NewRequest(http.MethodPost, "/-/v1/login", nil)
		r.RemoteAddr = peer
		r.Header.Set("X-Forwarded-For", xff)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			t.Fatalf("POST /-/v1/login: %d %s", w.Code, w.Body)
		}
		var urls authn.CLILoginURLs
		if err := json.Unmarshal(w.Body.Bytes(), &urls); err != nil {
			t.Fatal(err)
		}
		_, id, _ := strings.Cut(urls.LoginURL, authn.PathCLILogin)
		req, err := svc.Authn.CLILogin(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		return req.Addr
	}
	if got := startLogin("10.0.0.2:40000", "198.51.100.1, 203.0.113.9, 10.0.0.3"); got != "203.0.113.9" {
		t.Errorf("through the trusted proxy: %s, want the client 203.0.113.9", got)
	}
	if got := startLogin("192.0.2.7:40000", "203.0.113.9"); got != "192.0.2.7" {
		t.Errorf("from an untrusted peer: %s, want the peer 192.0.2.7", got)
	}
	if got := startLogin("10.0.0.2:40000", "203.0.113.9, garbage"); got != "10.0.0.2" {
		t.Errorf("malformed header: %s, want the peer 10.0.0.2", got)
	}

	// Without trusted_proxies (the default) the header is never believed.
	h, svc, _ = testHandler(t, nil)
	if got := startLogin("10.0.0.2:40000", "203.0.113.9"); got != "10.0.0.2" {
		t.Errorf("default config: %s, want the peer 10.0.0.2", got)
	}
}

// TestStartupWarnsAboutPlainHTTP: a public URL that sends passwords and
// cookies in clear text is named at start-up; localhost and https are not.
func TestStartupWarnsAboutPlainHTTP(t *testing.T) {
	for publicURL, warn := range map[string]bool{
		"http://npm.example.com/":  true,
		"http://10.1.2.3:4873/":    true,
		"https://npm.example.com/": false,
		"":                         false, // http://localhost:<port>/
	} {
		t.Run(publicURL, func(t *testing.T) {
			cfg := testConfig(t, func(c *config.Config) { c.PublicURL = publicURL })
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			logs := &syncBuffer{}
			ctx, cancel := context.WithCancel(t.Context())
			done := make(chan error, 1)
			go func() { done <- Serve(ctx, cfg, ln, Options{Log: slog.New(slog.NewTextHandler(logs, nil))}) }()
			resp, err := http.Get("http://" + ln.Addr().String() + "/-/healthz")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			cancel()
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			got := strings.Contains(logs.String(), "level=WARN msg=\"public_url is plain http")
			if got != warn {
				t.Errorf("warned %v, want %v; log:\n%s", got, warn, logs)
			}
			if warn && !strings.Contains(logs.String(), "https") {
				t.Errorf("the warning does not say to use https:\n%s", logs)
			}
		})
	}
}
