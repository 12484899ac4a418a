// Package oidc runs an OpenID Connect issuer on loopback for tests of
// trusted publishing: a discovery document, a JWKS with an RS256 and an
// ES256 key (rotatable), ID tokens minted with any claims (GitHub
// Actions' and GitLab CI's real claim sets are built by GitHubClaims and
// GitLabClaims), and GitHub Actions' ID-token request endpoint, which
// answers `GET <ACTIONS_ID_TOKEN_REQUEST_URL>&audience=...` carrying
// `Authorization: Bearer <ACTIONS_ID_TOKEN_REQUEST_TOKEN>` with
// {"value": "<jwt>"}, exactly as the npm CLI reads it.
//
// Tests configure the registry with the real issuer string
// ("https://token.actions.githubusercontent.com") and this server's JWKS
// URL as the override, or with this server's own URL as the issuer
// (discovery then finds the JWKS).
package oidc

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// The real issuers' identifiers.
const (
	GitHubIssuer = "https://token.actions.githubusercontent.com"
	GitLabIssuer = "https://gitlab.com"
)

// Key is a signing key the issuer publishes.
type Key struct {
	ID  string
	Alg jose.SignatureAlgorithm
	key crypto.Signer
}

// Server is a running issuer.
type Server struct {
	// URL is the issuer's own URL (no trailing slash): the discovery
	// document is at URL/.well-known/openid-configuration.
	URL string
	// RequestToken is what GitHub puts in ACTIONS_ID_TOKEN_REQUEST_TOKEN.
	RequestToken string

	t   testing.TB
	srv *httptest.Server

	mu        sync.Mutex
	keys      []Key // published in the JWKS
	rsa, ec   Key   // the current signing keys
	n         int
	actions   func(audience string) map[string]any // what the Actions endpoint mints
	requests  []string                             // audiences asked of the Actions endpoint
	jwksFetch int
	login     *loginState // browser sign-in (login.go)
}

// Start runs an issuer on 127.0.0.1 with one RS256 and one ES256 key; it
// stops when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	s := &Server{t: t, RequestToken: "ghs_" + strings.Repeat("r", 20)}
	s.rsa, s.ec = s.newKey(jose.RS256), s.newKey(jose.ES256)
	s.keys = []Key{s.rsa, s.ec}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", s.discovery)
	mux.HandleFunc("GET /.well-known/jwks", s.jwks)
	mux.HandleFunc("GET /actions/token", s.actionsToken)
	mux.HandleFunc("GET /authorize", s.authorize)
	mux.HandleFunc("POST /token", s.token)
	s.srv = httptest.NewServer(mux)
	s.URL = s.srv.URL
	t.Cleanup(s.srv.Close)
	return s
}

func (s *Server) newKey(alg jose.SignatureAlgorithm) Key {
	s.n++
	var k crypto.Signer
	var err error
	if alg == jose.ES256 {
		k, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	} else {
		k, err = rsa.GenerateKey(rand.Reader, 2048)
	}
	if err != nil {
		s.t.Fatal(err)
	}
	return Key{ID: fmt.Sprintf("key-%d-%s", s.n, strings.ToLower(string(alg))), Alg: alg, key: k}
}

// JWKSURL is where the keys are published.
func (s *Server) JWKSURL() string { return s.URL + "/.well-known/jwks" }

// ActionsRequestURL is what GitHub puts in ACTIONS_ID_TOKEN_REQUEST_URL
// (it already carries a query, so npm appends "&audience=...").
func (s *Server) ActionsRequestURL() string { return s.URL + "/actions/token?api-version=2.0" }

// Rotate makes a new RS256 key the signing key and publishes it beside
// the old one, which keeps verifying until Retire.
func (s *Server) Rotate() Key {
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.rsa
	s.rsa = s.newKey(jose.RS256)
	s.keys = append(s.keys, s.rsa)
	return old
}

// Retire stops publishing a key.
func (s *Server) Retire(k Key) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.keys {
		if s.keys[i].ID == k.ID {
			s.keys = append(s.keys[:i], s.keys[i+1:]...)
			return
		}
	}
}

// JWKSFetches counts the requests for the JWKS, to show caching.
func (s *Server) JWKSFetches() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.jwksFetch
}

// Token describes a token to mint.
type Token struct {
	Claims map[string]any
	// Alg is RS256 (the default), ES256, or "none" for an unsigned token.
	Alg jose.SignatureAlgorithm
	// KeyID, if set, replaces the key id in the header: with Unpublished,
	// the token is signed by a key the JWKS never lists.
	KeyID string
	// Unpublished signs with a fresh key that is not in the JWKS.
	Unpublished bool
	// Tamper changes the payload after signing (a bad signature).
	Tamper bool
}

// Mint returns a compact JWT.
func (s *Server) Mint(tok Token) string {
	s.t.Helper()
	payload, err := json.Marshal(tok.Claims)
	if err != nil {
		s.t.Fatal(err)
	}
	if tok.Alg == "none" {
		enc := base64.RawURLEncoding.EncodeToString
		return enc([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + enc(payload) + "."
	}
	s.mu.Lock()
	k := s.rsa
	if tok.Alg == jose.ES256 {
		k = s.ec
	}
	if tok.Unpublished {
		k = s.newKey(k.Alg)
	}
	s.mu.Unlock()
	kid := k.ID
	if tok.KeyID != "" {
		kid = tok.KeyID
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: k.Alg, Key: jose.JSONWebKey{Key: k.key, KeyID: kid}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		s.t.Fatal(err)
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		s.t.Fatal(err)
	}
	out, err := jws.CompactSerialize()
	if err != nil {
		s.t.Fatal(err)
	}
	if tok.Tamper {
		parts := strings.Split(out, ".")
		var c map[string]any
		b, _ := base64.RawURLEncoding.DecodeString(parts[1])
		_ = json.Unmarshal(b, &c)
		c["repository"] = "mallory/evil"
		b, _ = json.Marshal(c)
		parts[1] = base64.RawURLEncoding.EncodeToString(b)
		out = strings.Join(parts, ".")
	}
	return out
}

// Run describes one CI run, for the claim sets.
type Run struct {
	Issuer      string // default: the real issuer of the CI
	Audience    string // "npm:<registry hostname>"
	Repository  string // GitHub "owner/repo"; GitLab "group/project"
	Workflow    string // GitHub workflow file; GitLab CI config file
	Environment string
	Ref         string // default refs/heads/main
	Now         time.Time
	Lifetime    time.Duration // default 5 minutes
	JTI         string        // default a random one
	RepoID      string        // default "1001"
	OwnerID     string        // default "2002"
}

func (r Run) fill(issuer string) Run {
	if r.Issuer == "" {
		r.Issuer = issuer
	}
	if r.Ref == "" {
		r.Ref = "refs/heads/main"
	}
	if r.Now.IsZero() {
		r.Now = time.Now()
	}
	if r.Lifetime == 0 {
		r.Lifetime = 5 * time.Minute
	}
	if r.JTI == "" {
		r.JTI = rand.Text()
	}
	if r.RepoID == "" {
		r.RepoID = "1001"
	}
	if r.OwnerID == "" {
		r.OwnerID = "2002"
	}
	return r
}

func times(r Run, c map[string]any) map[string]any {
	c["iat"] = r.Now.Unix()
	c["nbf"] = r.Now.Add(-5 * time.Second).Unix()
	c["exp"] = r.Now.Add(r.Lifetime).Unix()
	c["jti"] = r.JTI
	c["iss"] = r.Issuer
	c["aud"] = r.Audience
	return c
}

// GitHubClaims is the claim set of a GitHub Actions ID token (as
// documented by GitHub) for the run.
func GitHubClaims(r Run) map[string]any {
	r = r.fill(GitHubIssuer)
	owner, _, _ := strings.Cut(r.Repository, "/")
	wf := r.Repository + "/.github/workflows/" + r.Workflow + "@" + r.Ref
	c := map[string]any{
		"sub":                   "repo:" + r.Repository + ":ref:" + r.Ref,
		"ref":                   r.Ref,
		"ref_type":              "branch",
		"sha":                   "0123456789abcdef0123456789abcdef01234567",
		"repository":            r.Repository,
		"repository_id":         r.RepoID,
		"repository_owner":      owner,
		"repository_owner_id":   r.OwnerID,
		"repository_visibility": "private",
		"run_id":                "4242",
		"run_number":            "7",
		"run_attempt":           "1",
		"runner_environment":    "github-hosted",
		"actor":                 owner,
		"actor_id":              r.OwnerID,
		"workflow":              "Publish",
		"workflow_ref":          wf,
		"workflow_sha":          "0123456789abcdef0123456789abcdef01234567",
		"job_workflow_ref":      wf,
		"event_name":            "push",
		"head_ref":              "",
		"base_ref":              "",
	}
	if r.Environment != "" {
		c["environment"] = r.Environment
		c["sub"] = "repo:" + r.Repository + ":environment:" + r.Environment
	}
	return times(r, c)
}

// GitLabClaims is the claim set of a GitLab CI ID token (id_tokens) for
// the run.
func GitLabClaims(r Run) map[string]any {
	r = r.fill(GitLabIssuer)
	ns, _, _ := strings.Cut(r.Repository, "/")
	host := strings.TrimPrefix(strings.TrimPrefix(r.Issuer, "https://"), "http://")
	branch := strings.TrimPrefix(r.Ref, "refs/heads/")
	c := map[string]any{
		"sub":                   "project_path:" + r.Repository + ":ref_type:branch:ref:" + branch,
		"namespace_id":          r.OwnerID,
		"namespace_path":        ns,
		"project_id":            r.RepoID,
		"project_path":          r.Repository,
		"project_visibility":    "private",
		"user_id":               "3",
		"user_login":            ns,
		"user_email":            ns + "@example.com",
		"pipeline_id":           "555",
		"pipeline_source":       "push",
		"job_id":                "666",
		"ref":                   branch,
		"ref_type":              "branch",
		"ref_path":              r.Ref,
		"ref_protected":         "true",
		"runner_id":             1,
		"runner_environment":    "gitlab-hosted",
		"sha":                   "0123456789abcdef0123456789abcdef01234567",
		"ci_config_ref_uri":     host + "/" + r.Repository + "//" + r.Workflow + "@" + r.Ref,
		"ci_config_sha":         "0123456789abcdef0123456789abcdef01234567",
		"project_path_with_ns":  r.Repository,
		"deployment_tier":       "",
		"environment_protected": "false",
	}
	if r.Environment != "" {
		c["environment"] = r.Environment
		c["deployment_tier"] = "production"
	}
	return times(r, c)
}

// OnActionsRequest sets what the Actions endpoint mints for an audience:
// claims (signed RS256 with the current key).
func (s *Server) OnActionsRequest(claims func(audience string) map[string]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.actions = claims
}

// ActionsAudiences lists the audiences the Actions endpoint was asked for.
func (s *Server) ActionsAudiences() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.requests...)
}

func (s *Server) discovery(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, map[string]any{
		"issuer":                                s.URL,
		"jwks_uri":                              s.JWKSURL(),
		"authorization_endpoint":                s.URL + "/authorize",
		"token_endpoint":                        s.URL + "/token",
		"subject_types_supported":               []string{"public", "pairwise"},
		"response_types_supported":              []string{"id_token", "code"},
		"claims_supported":                      []string{"sub", "aud", "exp", "iat", "iss", "jti", "nbf", "repository", "workflow_ref", "environment"},
		"id_token_signing_alg_values_supported": []string{"RS256", "ES256"},
		"scopes_supported":                      []string{"openid"},
	})
}

func (s *Server) jwks(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.jwksFetch++
	var set jose.JSONWebKeySet
	for _, k := range s.keys {
		set.Keys = append(set.Keys, jose.JSONWebKey{Key: k.key.Public(), KeyID: k.ID, Algorithm: string(k.Alg), Use: "sig"})
	}
	s.mu.Unlock()
	writeJSON(w, set)
}

// actionsToken is GitHub's ID-token request endpoint: the bearer must be
// the request token, the audience comes from the query.
func (s *Server) actionsToken(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+s.RequestToken {
		writeJSONStatus(w, http.StatusUnauthorized, map[string]string{"message": "Bad credentials"})
		return
	}
	aud := r.URL.Query().Get("audience")
	s.mu.Lock()
	s.requests = append(s.requests, aud)
	claims := s.actions
	s.mu.Unlock()
	if claims == nil {
		writeJSONStatus(w, http.StatusInternalServerError, map[string]string{"message": "no run configured (OnActionsRequest)"})
		return
	}
	writeJSON(w, map[string]string{"value": s.Mint(Token{Claims: claims(aud)})})
}

func writeJSON(w http.ResponseWriter, v any) { writeJSONStatus(w, http.StatusOK, v) }

func writeJSONStatus(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
