package authn

import (
	"strings"

	"github.com/rampart/rampart/internal/core"
)

// tokenPatterns checks the package patterns a token is to be limited to
// and returns them as they are stored. A pattern names its ecosystem
// ("npm:left-pad", "npm:@acme/*") or is bare, which is npm's
// (authz.PackageMatches, docs/tokens.md); an npm pattern is stored bare,
// its one spelling, so that "left-pad" and "npm:left-pad" are the same
// pattern, kept once. This registry serves npm's packages only, so a
// pattern of another ecosystem is refused, not kept to match nothing.
func tokenPatterns(in []string) ([]string, error) {
	out := make([]string, 0, len(in))
	seen := map[string]bool{}
	for _, p := range in {
		pat := p
		if eco, rest, ok := strings.Cut(p, ":"); ok {
			if core.Ecosystem(eco) != core.EcosystemNPM {
				return nil, core.Errorf(core.KindInvalid, "%q names packages of %q, which this registry does not serve: limit the token to npm packages, named bare (left-pad, @acme/*) or with npm: (npm:left-pad, npm:@acme/*)", p, eco)
			}
			pat = rest
		}
		if !validPackagePattern(pat) {
			return nil, core.Errorf(core.KindInvalid, "%q is not a package name or a scope pattern like @acme/* (npm:@acme/* names the same)", p)
		}
		if !seen[pat] {
			seen[pat] = true
			out = append(out, pat)
		}
	}
	return out, nil
}
