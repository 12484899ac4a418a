package config

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// TrustedPublishing configures trusted publishing (docs/trusted-publishing.md):
// the OIDC issuers whose CI ID tokens the registry accepts, and how long
// a pending publisher reserves its name.
type TrustedPublishing struct {
	// Issuers are the trusted issuers. Setting the list replaces the
	// default one (GitHub Actions, GitLab.com, CircleCI): list every
	// issuer to keep.
	Issuers []TrustIssuer `toml:"issuers"`
	// PendingExpiry is how long a pending trusted publisher (for a
	// package that does not exist yet) reserves the name. Default 7 days.
	PendingExpiry Duration `toml:"pending_expiry"`
	// TokenLifetime is how long a token from the exchange lives: at most
	// 15 minutes, the default.
	TokenLifetime Duration `toml:"token_lifetime"`
}

// TrustIssuer is one issuer.
type TrustIssuer struct {
	// Name is what trusted-publisher configurations call it (npm trust's
	// "type"): github, gitlab, circleci, or a name of your own.
	Name string `toml:"name"`
	// URL is the issuer, exactly as in the tokens' iss claim.
	URL string `toml:"url"`
	// JWKSURL, if set, is where its keys are, instead of discovery
	// (URL/.well-known/openid-configuration).
	JWKSURL string `toml:"jwks_url"`
	// Kind says which claims identify a workflow: github, gitlab,
	// circleci or generic (the claims below).
	Kind string `toml:"kind"`
	// Algs are the signature algorithms accepted; default RS256.
	Algs []string `toml:"algs"`
	// For kind generic: the claims holding the repository, the workflow
	// file (its path, optionally with @ref), the environment, and the
	// stable ids recorded at the first publish and required ever after.
	RepositoryClaim  string   `toml:"repository_claim"`
	WorkflowClaim    string   `toml:"workflow_claim"`
	EnvironmentClaim string   `toml:"environment_claim"`
	StableClaims     []string `toml:"stable_claims"`
}

// DefaultTrustIssuers are the issuers npm accepts. CircleCI's issuer
// names the organisation (https://oidc.circleci.com/org/<org-id>); the
// default is a pattern ending in "/*" that takes any organisation, whose
// id the configuration's org-id claim then pins.
func DefaultTrustIssuers() []TrustIssuer {
	return []TrustIssuer{
		{Name: "github", URL: "https://token.actions.githubusercontent.com", Kind: "github", Algs: []string{"RS256"}},
		{Name: "gitlab", URL: "https://gitlab.com", Kind: "gitlab", Algs: []string{"RS256"}},
		{Name: "circleci", URL: "https://oidc.circleci.com/org/*", Kind: "circleci", Algs: []string{"RS256"}},
	}
}

func defaultTrustedPublishing() TrustedPublishing {
	return TrustedPublishing{Issuers: DefaultTrustIssuers(), PendingExpiry: Duration{7 * 24 * time.Hour}, TokenLifetime: Duration{15 * time.Minute}}
}

var trustKinds = []string{"github", "gitlab", "circleci", "generic"}
var trustAlgs = []string{"RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256", "PS384", "PS512", "EdDSA"}

func (t *TrustedPublishing) validate() error {
	if d := t.PendingExpiry.Duration; d < time.Hour || d > 90*24*time.Hour {
		return fmt.Errorf("trusted_publishing.pending_expiry = %s: between 1h and 2160h (90 days)", d)
	}
	if d := t.TokenLifetime.Duration; d < time.Minute || d > 15*time.Minute {
		return fmt.Errorf("trusted_publishing.token_lifetime = %s: between 1m and 15m", d)
	}
	seen := map[string]bool{}
	for i, is := range t.Issuers {
		where := fmt.Sprintf("trusted_publishing.issuers[%d] (%s)", i, is.Name)
		if is.Name == "" || strings.ContainsAny(is.Name, " \t/") || seen[is.Name] {
			return fmt.Errorf("%s: name must be set, unique and without spaces or slashes", where)
		}
		seen[is.Name] = true
		u, err := url.Parse(strings.TrimSuffix(is.URL, "/*"))
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return fmt.Errorf("%s: url %q must be the issuer's https URL, exactly as in its tokens' iss claim", where, is.URL)
		}
		if is.JWKSURL != "" {
			if u, err := url.Parse(is.JWKSURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
				return fmt.Errorf("%s: jwks_url %q is not an http(s) URL", where, is.JWKSURL)
			}
		}
		if !slices.Contains(trustKinds, is.Kind) {
			return fmt.Errorf("%s: kind %q: use one of %s", where, is.Kind, strings.Join(trustKinds, ", "))
		}
		for _, a := range is.Algs {
			if !slices.Contains(trustAlgs, a) {
				return fmt.Errorf("%s: algorithm %q: use some of %s (never none)", where, a, strings.Join(trustAlgs, ", "))
			}
		}
	}
	return nil
}
