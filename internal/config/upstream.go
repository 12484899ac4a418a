package config

import (
	"fmt"
	"net/url"
	"path"
	"strings"
	"time"
)

// Upstream is a registry whose packages this one proxies
// (internal/upstream, docs/upstream.md): `[[upstream]]` tables, the first
// whose Packages match a name serves it, unless the name is local.
type Upstream struct {
	// Name identifies the upstream in logs, events and pins.
	Name string `toml:"name"`
	// URL is the upstream registry's root, e.g. https://registry.npmjs.org/.
	URL string `toml:"url"`
	// Packages are the names it serves: "*" (every name), "@scope/*",
	// or a name, with path.Match wildcards.
	Packages []string `toml:"packages"`
	// Exclude are names never proxied even though Packages match them:
	// names this registry publishes itself. Publishing a name an upstream
	// serves is refused unless it is excluded here (or exists locally):
	// the administrator's explicit decision against dependency confusion.
	Exclude []string `toml:"exclude"`
	// TokenEnv names an environment variable holding a bearer token for
	// the upstream (never written in the file).
	TokenEnv string `toml:"token_env"`
	// Cooldown hides versions younger than this from clients (0: off);
	// most malicious releases are caught within days.
	Cooldown Duration `toml:"cooldown"`
	// CooldownAllow are names exempt from the cooldown.
	CooldownAllow []string `toml:"cooldown_allow"`
	// Revalidate is how long a fetched packument is used before asking
	// the upstream again (with If-None-Match). Default 5m.
	Revalidate Duration `toml:"revalidate"`
	// Timeout bounds each request to the upstream. Default 30s.
	Timeout Duration `toml:"timeout"`
	// NegativeTTL is how long a name the upstream does not have is
	// answered 404 without asking again. Default 1m.
	NegativeTTL Duration `toml:"negative_ttl"`
	// ClientFetchBurst and ClientFetchEvery limit the requests one client
	// address may cause to the upstream (names and tarballs not cached):
	// up to the burst at once, then one more per period. Defaults 60 and
	// 1s: a cold install of a large tree, not a flood of made-up names.
	ClientFetchBurst int      `toml:"client_fetch_burst"`
	ClientFetchEvery Duration `toml:"client_fetch_every"`
	// VerifySignatures checks each proxied version's dist.signatures with
	// the upstream's keys (npm's /-/npm/v1/keys format, read from
	// KeysURL) and refuses a version whose signature does not verify; its
	// keys are served beside this registry's so that clients can verify
	// the signatures passed through.
	VerifySignatures bool `toml:"verify_signatures"`
	// KeysURL is where the upstream lists its keys; default
	// <url>-/npm/v1/keys.
	KeysURL string `toml:"keys_url"`
	// VerifyProvenance verifies the build provenance each proxied version
	// announces (dist.attestations: a Sigstore bundle with a SLSA
	// statement) against [provenance] trusted_root, before its tarball
	// or attestations are served; a bundle that does not verify, or is
	// not about the version's pinned bytes, refuses the version for good.
	// Verified bundles are served from this registry's attestations
	// endpoint.
	VerifyProvenance bool `toml:"verify_provenance"`
	// ProvenanceContinuity, with VerifyProvenance: "refuse" (the default)
	// leaves out a version published without provenance after versions
	// with it, or built from another source repository than the version
	// before it (pnpm's trustPolicy no-downgrade, and more); "off" only
	// verifies.
	ProvenanceContinuity string `toml:"provenance_continuity"`
	// ProvenanceAllow are names ("pkg", "@scope/*") or single versions
	// ("pkg@1.2.3") exempt from provenance continuity (never from
	// verification).
	ProvenanceAllow []string `toml:"provenance_allow"`
}

// ContinuityOn reports whether provenance continuity is enforced.
func (u Upstream) ContinuityOn() bool {
	return u.VerifyProvenance && u.ProvenanceContinuity != "off"
}

// Matches reports whether the upstream serves name by its patterns
// (Exclude included).
func (u Upstream) Matches(name string) bool {
	return matchAny(u.Packages, name) && !matchAny(u.Exclude, name)
}

func matchAny(patterns []string, name string) bool {
	for _, p := range patterns {
		if p == "*" {
			return true
		}
		if ok, _ := path.Match(p, name); ok {
			return true
		}
	}
	return false
}

func (c *Config) validateUpstreams() []error {
	var errs []error
	seen := map[string]bool{}
	for i := range c.Upstreams {
		u := &c.Upstreams[i]
		where := fmt.Sprintf("upstream %d (%q)", i+1, u.Name)
		if u.Name == "" || strings.ContainsAny(u.Name, " \t\n") {
			errs = append(errs, fmt.Errorf("%s: name: a short name without spaces is required", where))
		} else if seen[u.Name] {
			errs = append(errs, fmt.Errorf("%s: name: used twice", where))
		}
		seen[u.Name] = true
		if p, err := url.Parse(u.URL); err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" || p.RawQuery != "" || p.User != nil {
			errs = append(errs, fmt.Errorf("%s: url = %q: want an absolute http or https URL without query or credentials (put a token in token_env)", where, u.URL))
		} else if !strings.HasSuffix(u.URL, "/") {
			u.URL += "/"
		}
		if len(u.Packages) == 0 {
			errs = append(errs, fmt.Errorf("%s: packages: name at least one pattern (\"*\" for every name)", where))
		}
		for _, p := range append(append([]string{}, u.Packages...), append(u.Exclude, u.CooldownAllow...)...) {
			if _, err := path.Match(p, ""); err != nil {
				errs = append(errs, fmt.Errorf("%s: pattern %q: %v", where, p, err))
			}
		}
		if u.Revalidate.Duration == 0 {
			u.Revalidate.Duration = 5 * time.Minute
		}
		if u.Timeout.Duration == 0 {
			u.Timeout.Duration = 30 * time.Second
		}
		if u.NegativeTTL.Duration == 0 {
			u.NegativeTTL.Duration = time.Minute
		}
		if u.ClientFetchBurst == 0 {
			u.ClientFetchBurst = 60
		}
		if u.ClientFetchEvery.Duration == 0 {
			u.ClientFetchEvery.Duration = time.Second
		}
		if u.ClientFetchBurst < 0 {
			errs = append(errs, fmt.Errorf("%s: client_fetch_burst = %d: want at least 1 (60 is the default)", where, u.ClientFetchBurst))
		}
		if u.VerifySignatures && u.KeysURL == "" && !strings.Contains(u.URL, "?") {
			u.KeysURL = u.URL + "-/npm/v1/keys"
		}
		if u.KeysURL != "" {
			if p, err := url.Parse(u.KeysURL); err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" || p.User != nil {
				errs = append(errs, fmt.Errorf("%s: keys_url = %q: want an absolute http or https URL without credentials", where, u.KeysURL))
			}
		}
		switch u.ProvenanceContinuity {
		case "":
			u.ProvenanceContinuity = "refuse"
		case "refuse", "off":
		default:
			errs = append(errs, fmt.Errorf("%s: provenance_continuity = %q: want \"refuse\" (the default) or \"off\"", where, u.ProvenanceContinuity))
		}
		for _, p := range u.ProvenanceAllow {
			pattern := p
			if i := strings.LastIndexByte(p, '@'); i > 0 {
				pattern = p[:i] // name@version
			}
			if _, err := path.Match(pattern, ""); err != nil || pattern == "" {
				errs = append(errs, fmt.Errorf("%s: provenance_allow %q: want a name pattern (\"pkg\", \"@scope/*\") or one version (\"pkg@1.2.3\")", where, p))
			}
		}
		if u.Cooldown.Duration < 0 || u.Revalidate.Duration < 0 || u.Timeout.Duration < 0 || u.NegativeTTL.Duration < 0 || u.ClientFetchEvery.Duration < 0 {
			errs = append(errs, fmt.Errorf("%s: durations must not be negative", where))
		}
	}
	return errs
}
