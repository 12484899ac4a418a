package idtoken_test

import (
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/idtoken"
	"github.com/rampart/rampart/internal/testclock"
	"github.com/rampart/rampart/internal/testpeers/oidc"
)

const aud = "npm:registry.example"

// setup is a verifier trusting the peer twice: under GitHub's real issuer
// string with the JWKS URL overridden (RS256 only), and under its own URL
// through discovery as a generic issuer that also takes ES256.
func setup(t *testing.T) (*oidc.Server, *idtoken.Verifier, *testclock.Clock) {
	peer := oidc.Start(t)
	clock := testclock.New(time.Now())
	v := idtoken.New([]idtoken.Issuer{
		{Name: "github", URL: oidc.GitHubIssuer, JWKSURL: peer.JWKSURL()},
		{Name: "forgejo", URL: peer.URL, Algs: []string{"RS256", "ES256"}},
	}, nil, clock.Now)
	return peer, v, clock
}

func run(clock *testclock.Clock) oidc.Run {
	return oidc.Run{Audience: aud, Repository: "acme/widget", Workflow: "publish.yml", Now: clock.Now()}
}

func TestVerifyAccepts(t *testing.T) {
	peer, v, clock := setup(t)
	tok, err := v.Verify(t.Context(), peer.Mint(oidc.Token{Claims: oidc.GitHubClaims(run(clock))}), aud)
	if err != nil {
		t.Fatal(err)
	}
	if tok.Issuer != "github" || tok.Claims["repository"] != "acme/widget" || tok.JTI == "" || tok.Subject != "repo:acme/widget:ref:refs/heads/main" {
		t.Errorf("token %+v", tok)
	}
	// The generic issuer: discovery, and an ES256 key.
	r := run(clock)
	r.Issuer = peer.URL
	tok, err = v.Verify(t.Context(), peer.Mint(oidc.Token{Claims: oidc.GitHubClaims(r), Alg: jose.ES256}), aud)
	if err != nil || tok.Issuer != "forgejo" {
		t.Fatalf("generic ES256: %v %+v", err, tok)
	}
}

func TestVerifyRefuses(t *testing.T) {
	peer, v, clock := setup(t)
	gh := func(edit func(*oidc.Run)) map[string]any {
		r := run(clock)
		if edit != nil {
			edit(&r)
		}
		return oidc.GitHubClaims(r)
	}
	noJTI := gh(nil)
	delete(noJTI, "jti")
	noIAT := gh(nil)
	delete(noIAT, "iat")
	for _, c := range []struct {
		name string
		raw  string
		want string
	}{
		{"wrong audience", peer.Mint(oidc.Token{Claims: gh(func(r *oidc.Run) { r.Audience = "npm:registry.npmjs.org" })}), "audience"},
		{"expired", peer.Mint(oidc.Token{Claims: gh(func(r *oidc.Run) { r.Now = clock.Now().Add(-10 * time.Minute) })}), "expired"},
		{"untrusted issuer", peer.Mint(oidc.Token{Claims: gh(func(r *oidc.Run) { r.Issuer = "https://evil.example" })}), "not one this registry trusts"},
		{"alg none", peer.Mint(oidc.Token{Claims: gh(nil), Alg: "none"}), "algorithm"},
		{"ES256 where only RS256 is configured", peer.Mint(oidc.Token{Claims: gh(nil), Alg: jose.ES256}), "algorithm"},
		{"bad signature", peer.Mint(oidc.Token{Claims: gh(nil), Tamper: true}), "signature"},
		{"unknown key id", peer.Mint(oidc.Token{Claims: gh(nil), Unpublished: true}), "signature"},
		{"published key id, other key", peer.Mint(oidc.Token{Claims: gh(nil), Unpublished: true, KeyID: "key-1-rs256"}), "signature"},
		{"no jti", peer.Mint(oidc.Token{Claims: noJTI}), "jti"},
		{"no iat", peer.Mint(oidc.Token{Claims: noIAT}), "iat"},
		{"issued in the future", peer.Mint(oidc.Token{Claims: gh(func(r *oidc.Run) { r.Now = clock.Now().Add(3 * time.Minute) })}), "future"},
		{"lives too long", peer.Mint(oidc.Token{Claims: gh(func(r *oidc.Run) { r.Lifetime = 48 * time.Hour })}), "longer"},
		{"not a JWT", "abc.def", "not a JWT"},
		{"huge", strings.Repeat("a", 20000), "longer than"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := v.Verify(t.Context(), c.raw, aud)
			if err == nil {
				t.Fatal("accepted")
			}
			if core.KindOf(err) != core.KindUnauthenticated || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v (%v), want a refusal mentioning %q", err, core.KindOf(err), c.want)
			}
			if strings.Contains(err.Error(), c.raw[:min(len(c.raw), 40)]) && len(c.raw) > 40 {
				t.Errorf("the error quotes the token: %v", err)
			}
		})
	}
}

// TestKeyRotation: the keys are cached, and a token signed by a key
// published after the first fetch is verified after one refetch.
func TestKeyRotation(t *testing.T) {
	peer, v, clock := setup(t)
	if _, err := v.Verify(t.Context(), peer.Mint(oidc.Token{Claims: oidc.GitHubClaims(run(clock))}), aud); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(t.Context(), peer.Mint(oidc.Token{Claims: oidc.GitHubClaims(run(clock))}), aud); err != nil {
		t.Fatal(err)
	}
	if n := peer.JWKSFetches(); n != 1 {
		t.Errorf("JWKS fetched %d times for two tokens, want 1 (cached)", n)
	}
	old := peer.Rotate()
	if _, err := v.Verify(t.Context(), peer.Mint(oidc.Token{Claims: oidc.GitHubClaims(run(clock))}), aud); err != nil {
		t.Fatalf("after rotation: %v", err)
	}
	if n := peer.JWKSFetches(); n != 2 {
		t.Errorf("JWKS fetched %d times, want a refetch for the new key id", n)
	}
	_ = old
}
