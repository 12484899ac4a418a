package config

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"
)

// SSOProvider is one company identity provider users sign in with
// (OpenID Connect, authorization-code flow with PKCE;
// docs/private-registries.md).
type SSOProvider struct {
	// Name is the provider's id in URLs (/-/sso/<name>) and records:
	// lower-case letters, digits and dashes.
	Name string `toml:"name"`
	// DisplayName is what the sign-in button says ("Sign in with …").
	DisplayName string `toml:"display_name"`
	// Issuer is the provider's issuer URL; its discovery document is at
	// Issuer/.well-known/openid-configuration.
	Issuer   string `toml:"issuer"`
	ClientID string `toml:"client_id"`
	// The client secret comes from an environment variable or a file,
	// never from this file, and is never logged.
	ClientSecretEnv  string `toml:"client_secret_env"`
	ClientSecretFile string `toml:"client_secret_file"`
	// Scopes asked for besides openid; default email and profile.
	Scopes []string `toml:"scopes"`
	// GroupsClaim is the ID token claim that lists the user's groups
	// (default "groups").
	GroupsClaim string `toml:"groups_claim"`
	// Groups map the provider's groups to organisation roles and teams,
	// applied at every sign-in.
	Groups []SSOGroup `toml:"groups"`
	// CreateAccounts creates an account at the first sign-in of someone
	// with no account here (just-in-time); else an administrator creates
	// it first. Default true.
	CreateAccounts *bool `toml:"create_accounts"`

	// ClientSecret is read from ClientSecretEnv (Load) or
	// ClientSecretFile (Validate).
	ClientSecret Secret `toml:"-"`
}

// SSOGroup maps one group to an organisation role and, optionally, a team.
type SSOGroup struct {
	Group string `toml:"group"`
	Org   string `toml:"org"`
	Team  string `toml:"team"`
	// Role is owner, admin or member (the default).
	Role string `toml:"role"`
}

// Creates reports whether the provider creates accounts at first sign-in.
func (p SSOProvider) Creates() bool { return p.CreateAccounts == nil || *p.CreateAccounts }

var ssoName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`)

func (c *Config) applySSOEnv(getenv func(string) string) {
	for i, p := range c.SSO {
		if p.ClientSecretEnv != "" {
			c.SSO[i].ClientSecret = Secret(getenv(p.ClientSecretEnv))
		}
	}
}

func (c *Config) validateSSO() error {
	var errs []error
	seen := map[string]bool{}
	for i := range c.SSO {
		p := &c.SSO[i]
		where := fmt.Sprintf("sso[%d] (%s)", i, p.Name)
		if !ssoName.MatchString(p.Name) || seen[p.Name] {
			errs = append(errs, fmt.Errorf("%s: name must be unique, lower-case letters, digits and dashes", where))
		}
		seen[p.Name] = true
		if p.DisplayName == "" {
			p.DisplayName = p.Name
		}
		if u, err := url.Parse(p.Issuer); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			errs = append(errs, fmt.Errorf("%s: issuer = %q: want the provider's https URL", where, p.Issuer))
		}
		if p.ClientID == "" {
			errs = append(errs, fmt.Errorf("%s: client_id is required", where))
		}
		switch {
		case p.ClientSecretEnv != "" && p.ClientSecretFile != "":
			errs = append(errs, fmt.Errorf("%s: set client_secret_env or client_secret_file, not both", where))
		case p.ClientSecretFile != "":
			b, err := os.ReadFile(p.ClientSecretFile)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: client_secret_file: %w", where, err))
			}
			p.ClientSecret = Secret(strings.TrimSpace(string(b)))
		case p.ClientSecretEnv == "":
			errs = append(errs, fmt.Errorf("%s: the client secret is required: set client_secret_env (an environment variable's name) or client_secret_file", where))
		}
		if (p.ClientSecretEnv != "" || p.ClientSecretFile != "") && p.ClientSecret == "" {
			errs = append(errs, fmt.Errorf("%s: the client secret is empty (%s%s)", where, p.ClientSecretEnv, p.ClientSecretFile))
		}
		if p.GroupsClaim == "" {
			p.GroupsClaim = "groups"
		}
		if len(p.Scopes) == 0 {
			p.Scopes = []string{"email", "profile"}
		}
		for j, g := range p.Groups {
			if g.Group == "" || g.Org == "" {
				errs = append(errs, fmt.Errorf("%s: groups[%d]: group and org are required", where, j))
			}
			switch g.Role {
			case "", "member", "admin", "owner":
			default:
				errs = append(errs, fmt.Errorf("%s: groups[%d]: role = %q: want member, admin or owner", where, j, g.Role))
			}
		}
	}
	return errors.Join(errs...)
}
