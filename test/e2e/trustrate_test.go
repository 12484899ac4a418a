package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/testpeers/oidc"
	"github.com/rampart/rampart/internal/testserver"
	"github.com/rampart/rampart/internal/trust"
)

// exchangeFrom calls the token exchange for name from the loopback
// address from (127.0.0.x: the registry counts per source address).
func exchangeFrom(t *testing.T, s *testserver.Server, from, name, idToken string) (int, http.Header, string) {
	t.Helper()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: 30 * time.Second}
	c := &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return d.DialContext(ctx, "tcp4", addr)
		},
	}}
	req, err := http.NewRequest(http.MethodPost, s.URL+"-/npm/v1/oidc/token/exchange/package/"+name, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+idToken)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(b)
}

// TestTrustExchangeRateLimitedPerPackage: exchange attempts for one
// package are counted across every source, so that attempts spread over
// many addresses cannot spend a package's verifications. Past the burst
// the answer is 429 with Retry-After and a message naming the package,
// even from an address that has asked nothing yet and even for a good
// ID token; other packages are not affected; once the clock has moved
// on by the refill interval, the package's next exchange goes through.
// The server's clock stands still meanwhile, so nothing depends on the
// machine's speed.
func TestTrustExchangeRateLimitedPerPackage(t *testing.T) {
	t.Parallel()
	s, peer := trustServer(t, "")
	alice := signup(t, s, "alice", alicePW)
	const name = "rated-widget"
	publish(t, alice, pkg{Name: name, Version: "1.0.0"})
	alice.MustRun("", "trust", "github", name, "--file", "publish.yml", "--repo", "acme/rated", "--allow-publish", "-y")
	good := func() string {
		return peer.Mint(oidc.Token{Claims: oidc.GitHubClaims(oidc.Run{Audience: audienceOf(t, s), Repository: "acme/rated", Workflow: "publish.yml", Now: s.Now(t)})})
	}
	s.Freeze(t, true)
	t.Cleanup(func() { s.Freeze(t, false) })

	// The package's burst, spread over addresses that each stay under
	// the per-source burst.
	perSource := trust.ExchangeSourceRate.Burst - 1
	for i := range trust.ExchangePackageRate.Burst {
		from := "127.0.0." + strconv.Itoa(10+i/perSource)
		if status, _, body := exchangeFrom(t, s, from, name, "not.a.jwt"); status != http.StatusUnauthorized {
			t.Fatalf("attempt %d from %s: %d %s, want 401 (a bad token, within the rates)", i, from, status, body)
		}
	}
	// Past it: refused before any verification, from a fresh address,
	// whatever the token.
	fresh := "127.0.0.99"
	status, h, body := exchangeFrom(t, s, fresh, name, good())
	var m map[string]any
	_ = json.Unmarshal([]byte(body), &m)
	msg, _ := m["error"].(string)
	if status != http.StatusTooManyRequests || !strings.Contains(msg, "too many token exchanges for "+name+"; try again in") {
		t.Fatalf("past the package's burst: %d %s, want 429 saying too many token exchanges for %s", status, body, name)
	}
	if secs, err := strconv.Atoi(h.Get("Retry-After")); err != nil || secs < 1 || time.Duration(secs)*time.Second > trust.ExchangePackageRate.Every {
		t.Fatalf("Retry-After %q, want whole seconds from 1 to %s", h.Get("Retry-After"), trust.ExchangePackageRate.Every)
	}
	// Another package's exchange, from the same fresh address, is not
	// held back.
	if status, _, body := exchangeFrom(t, s, fresh, "other-widget", "not.a.jwt"); status != http.StatusUnauthorized {
		t.Fatalf("another package's exchange: %d %s, want 401", status, body)
	}

	// The refill interval later (by the server's clock), a good ID token
	// is exchanged.
	s.Advance(t, trust.ExchangePackageRate.Every)
	status, _, body = exchangeFrom(t, s, fresh, name, good())
	if status != http.StatusCreated || !strings.Contains(body, `"token":"rmp_`) {
		t.Fatalf("exchange after the refill: %d %s", status, body)
	}
}
