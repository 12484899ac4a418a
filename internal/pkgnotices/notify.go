package pkgnotices

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
)

// Pages under the public URL that package notices link to. The web UI
// serves them at the same paths.
const (
	pathPackage = "package/"
	pathAccount = "account"
	// PathSecurityKeys is where a user adds a security key or passkey.
	PathSecurityKeys = "account/security-keys"
)

// Signed says how p signed in (the token's mask and name, never its
// value) and from which address, for an event's personal part: what a
// notice tells a maintainer who did not act.
func Signed(p authz.Principal) (via, ip string) {
	if p.Addr.IsValid() {
		ip = p.Addr.Unmap().String()
	}
	return signedVia(p), ip
}

// packageURL is the package's page in the web UI. Each segment is
// escaped, so that a legacy name cannot make an invalid link.
func (r Renderer) packageURL(name string) string {
	segs := strings.Split(name, "/")
	for i, seg := range segs {
		segs[i] = url.PathEscape(seg)
	}
	return r.PublicURL + pathPackage + strings.Join(segs, "/")
}

// signedVia says how p was signed in, naming the token (its mask, never its
// value) so that a maintainer who did not act knows what to revoke.
func signedVia(p authz.Principal) string {
	switch {
	case p.Token == nil && p.SessionID != "":
		return "a signed-in browser"
	case p.Token == nil:
		return ""
	case p.Token.Kind == core.TokenSession:
		return fmt.Sprintf("npm login session (token %s)", p.Token.Mask)
	case p.Token.Name != "":
		return fmt.Sprintf("API token %s (%q)", p.Token.Mask, p.Token.Name)
	default:
		return "API token " + p.Token.Mask
	}
}
