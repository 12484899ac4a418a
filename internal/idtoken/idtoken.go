// Package idtoken verifies the OIDC ID tokens CI systems hand their jobs
// (GitHub Actions, GitLab CI, CircleCI, or any issuer the operator
// trusts), for trusted publishing. It is a network client: it fetches
// each issuer's discovery document and JWKS (bounded in size and time),
// caches the keys and fetches them again when a token names a key id it
// does not know (rotation). A token is accepted only when it is signed
// with an algorithm the issuer is configured for (never "none") by a key
// the issuer publishes, names the issuer and the audience asked for, is
// within exp, nbf and iat with a small skew, lives no longer than
// limits.MaxIDTokenLifetime and carries a jti (for replay protection,
// kept by the caller).
//
// The raw token is a bearer credential for minutes: this package never
// logs it and puts no part of it in its errors but the issuer's name.
package idtoken

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/quote"
)

// Issuer is one issuer the operator trusts.
type Issuer struct {
	Name string // the configuration's name, e.g. "github"
	URL  string // the iss claim, exactly
	// JWKSURL, if set, is where the keys are, instead of discovery.
	JWKSURL string
	Algs    []string // accepted signature algorithms; default RS256
}

// Token is a verified ID token.
type Token struct {
	Issuer    string // the configuration's name
	IssuerURL string
	Subject   string
	JTI       string
	IssuedAt  time.Time
	Expiry    time.Time
	// Claims are every claim, as JSON decoded them.
	Claims map[string]any
}

// Verifier verifies ID tokens of the configured issuers.
type Verifier struct {
	ctx        context.Context // carries the HTTP client for go-oidc's fetches
	now        func() time.Time
	mu         sync.Mutex
	issuers    map[string]*issuer // by URL, or pattern
	configured int
}

type issuer struct {
	cfg Issuer
	mu  sync.Mutex
	// keys is the issuer's key set, built once (after discovery, if no
	// JWKS URL was configured); go-oidc's RemoteKeySet caches the keys and
	// refetches on an unknown key id.
	keys oidc.KeySet
}

// New returns a verifier for issuers; client does the fetches (nil: a
// client with limits.OIDCFetchTimeout), every response bounded to
// limits.MaxOIDCDocumentBytes.
func New(issuers []Issuer, client *http.Client, now func() time.Time) *Verifier {
	if client == nil {
		client = &http.Client{Timeout: limits.OIDCFetchTimeout}
	}
	bounded := *client
	base := bounded.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	bounded.Transport = boundedTransport{base}
	v := &Verifier{ctx: oidc.ClientContext(context.Background(), &bounded), now: now, issuers: map[string]*issuer{}}
	for _, is := range issuers {
		if len(is.Algs) == 0 {
			is.Algs = []string{oidc.RS256}
		}
		v.issuers[is.URL] = &issuer{cfg: is}
	}
	v.configured = len(v.issuers)
	return v
}

// boundedTransport cuts every response body at MaxOIDCDocumentBytes, so a
// hostile or broken issuer cannot make the server read without end.
type boundedTransport struct{ base http.RoundTripper }

func (b boundedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := b.base.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.LimitReader(resp.Body, limits.MaxOIDCDocumentBytes), resp.Body}
	return resp, nil
}

// refuse is a refusal of the token, saying what was wrong.
func refuse(format string, args ...any) error {
	return core.Errorf(core.KindUnauthenticated, "the ID token was refused: "+format, args...)
}

// Verify checks raw for audience. A refusal is a core.KindUnauthenticated
// error saying what was wrong; a failure to reach the issuer is
// core.KindDataFault.
func (v *Verifier) Verify(ctx context.Context, raw, audience string) (*Token, error) {
	if len(raw) > limits.MaxIDTokenBytes {
		return nil, refuse("it is longer than %d bytes", limits.MaxIDTokenBytes)
	}
	iss, err := unverifiedIssuer(raw)
	if err != nil {
		return nil, err
	}
	is := v.issuer(iss)
	if is == nil {
		return nil, refuse("its issuer %s is not one this registry trusts (the operator configures [[trusted_publishing.issuers]])", quote.Untrusted(iss))
	}
	keys, err := is.keySet(v.ctx)
	if err != nil {
		return nil, err
	}
	ver := oidc.NewVerifier(is.cfg.URL, keys, &oidc.Config{ClientID: audience, SupportedSigningAlgs: is.cfg.Algs, Now: v.now})
	tok, err := ver.Verify(ctx, raw)
	if err != nil {
		return nil, explain(err, is.cfg, audience)
	}
	var claims map[string]any
	if err := tok.Claims(&claims); err != nil {
		return nil, refuse("its claims are not a JSON object")
	}
	now := v.now()
	switch {
	case tok.IssuedAt.IsZero():
		return nil, refuse("it has no iat (issued-at) claim")
	case tok.IssuedAt.After(now.Add(limits.IDTokenSkew)):
		return nil, refuse("it was issued in the future (iat %s); check the clocks", tok.IssuedAt.UTC().Format(time.RFC3339))
	case tok.Expiry.Sub(tok.IssuedAt) > limits.MaxIDTokenLifetime:
		return nil, refuse("it claims to live %s, longer than the %s this registry accepts", tok.Expiry.Sub(tok.IssuedAt), limits.MaxIDTokenLifetime)
	}
	jti, _ := claims["jti"].(string)
	if jti == "" {
		return nil, refuse("it has no jti claim, so its reuse could not be refused")
	}
	return &Token{Issuer: is.cfg.Name, IssuerURL: is.cfg.URL, Subject: tok.Subject, JTI: jti,
		IssuedAt: tok.IssuedAt, Expiry: tok.Expiry, Claims: claims}, nil
}

// maxPatternIssuers bounds the concrete issuers a pattern ("…/org/*")
// keeps key sets for; past it, a new one is not cached.
const maxPatternIssuers = 256

// issuer finds the configured issuer of iss: exactly, or by a pattern
// ending in "/*" whose last segment stands for one path segment (CircleCI
// names each organisation's issuer https://oidc.circleci.com/org/<id>).
func (v *Verifier) issuer(iss string) *issuer {
	v.mu.Lock()
	defer v.mu.Unlock()
	if is := v.issuers[iss]; is != nil {
		return is
	}
	for pat, is := range v.issuers {
		prefix, ok := strings.CutSuffix(pat, "*")
		if !ok || !strings.HasSuffix(prefix, "/") {
			continue
		}
		rest, ok := strings.CutPrefix(iss, prefix)
		if !ok || rest == "" || strings.ContainsFunc(rest, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_')
		}) {
			continue
		}
		cfg := is.cfg
		cfg.URL = iss
		concrete := &issuer{cfg: cfg}
		if len(v.issuers) < maxPatternIssuers+v.configured {
			v.issuers[iss] = concrete
		}
		return concrete
	}
	return nil
}

// keySet builds the issuer's key set once: from the configured JWKS URL,
// or from discovery (which checks that the document names the issuer).
// A failed discovery is not kept, so the next exchange tries again.
func (is *issuer) keySet(ctx context.Context) (oidc.KeySet, error) {
	is.mu.Lock()
	defer is.mu.Unlock()
	if is.keys != nil {
		return is.keys, nil
	}
	jwks := is.cfg.JWKSURL
	if jwks == "" {
		dctx, cancel := context.WithTimeout(ctx, limits.OIDCFetchTimeout)
		defer cancel()
		p, err := oidc.NewProvider(dctx, is.cfg.URL)
		if err != nil {
			return nil, core.Errorf(core.KindDataFault, "the registry could not read the discovery document of the issuer %s (%s): %v; try again later", is.cfg.Name, is.cfg.URL, err)
		}
		var doc struct {
			JWKS string `json:"jwks_uri"`
		}
		if err := p.Claims(&doc); err != nil || doc.JWKS == "" {
			return nil, core.Errorf(core.KindDataFault, "the discovery document of the issuer %s names no jwks_uri", is.cfg.Name)
		}
		jwks = doc.JWKS
	}
	is.keys = oidc.NewRemoteKeySet(ctx, jwks)
	return is.keys, nil
}

// explain turns go-oidc's error into what the CI's user needs to know.
func explain(err error, is Issuer, audience string) error {
	var expired *oidc.TokenExpiredError
	msg := err.Error()
	switch {
	case errors.As(err, &expired):
		return refuse("it expired at %s; request a new one (they live minutes)", expired.Expiry.UTC().Format(time.RFC3339))
	case strings.Contains(msg, "expected audience"):
		return refuse("its audience is not %q (the npm CLI asks for npm:<registry hostname>; check the registry URL the job publishes to)", audience)
	case strings.Contains(msg, "nbf"):
		return refuse("it is not valid yet (nbf); check the clocks")
	case strings.Contains(msg, "malformed jwt"):
		return refuse("it is not a JWT signed with an algorithm the issuer %s is configured for (%s)", is.Name, strings.Join(is.Algs, ", "))
	case strings.Contains(msg, "failed to verify signature"):
		if strings.Contains(msg, "fetching keys") {
			return core.Errorf(core.KindDataFault, "the registry could not fetch the keys of the issuer %s; try again later", is.Name)
		}
		return refuse("its signature does not verify with any key the issuer %s publishes", is.Name)
	}
	return refuse("%s", quote.Untrusted(msg))
}

// unverifiedIssuer reads the iss claim of a compact JWT without checking
// anything, only to pick the issuer whose keys then check it.
func unverifiedIssuer(raw string) (string, error) {
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return "", refuse("it is not a JWT (three dot-separated parts)")
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return "", refuse("its payload is not base64url")
	}
	var c struct {
		Iss string `json:"iss"`
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return "", refuse("its payload is not a JSON object with an iss claim")
	}
	if c.Iss == "" {
		return "", refuse("it has no iss claim")
	}
	return c.Iss, nil
}

// String helps logs: the issuer and subject, never the token.
func (t *Token) String() string { return fmt.Sprintf("ID token of %s for %s", t.Issuer, t.Subject) }
