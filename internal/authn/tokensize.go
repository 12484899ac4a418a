package authn

import (
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/limits"
)

// CheckSize bounds the lists of a token request before anything looks at
// them. A token's package patterns and address ranges are stored with it
// and matched on every request it makes, so a token with a million of
// them would cost every one of its requests, and its listing, dearly.
// Each front-end calls it on the request it decoded.
func (r TokenRequest) CheckSize() error {
	if n := len(r.Packages); n > limits.MaxTokenPackages {
		return core.Errorf(core.KindInvalid, "the token names %d packages or scopes; use at most %d (a scope pattern such as @acme/* covers a whole scope)", n, limits.MaxTokenPackages)
	}
	if n := len(r.Actions); n > 3 {
		return core.Errorf(core.KindInvalid, "the token lists %d actions; there are only three: read, publish and manage", n)
	}
	if n := len(r.CIDRs); n > limits.MaxTokenCIDRs {
		return core.Errorf(core.KindInvalid, "the token lists %d address ranges; use at most %d (a wider range such as 10.0.0.0/8 covers many)", n, limits.MaxTokenCIDRs)
	}
	return nil
}
