package registry

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/mail"
)

// Pages under the public URL that package notices link to. The web UI
// serves them at the same paths.
const (
	pathPackage      = "package/"
	pathAccount      = "account"
	pathSecurityKeys = "account/security-keys"
)

// newNotice fills what every package notice says: the package, who acted
// and how they were signed in, from where and when. The caller adds
// Version or Owner.
func (s *Service) newNotice(p authz.Principal, name string, now time.Time) mail.Notice {
	n := mail.Notice{
		When: now, Package: name, Actor: p.Name(), Via: via(p),
		PackageURL: s.packageURL(name), SecurityURL: s.cfg.PublicURL + pathAccount,
	}
	if p.Addr.IsValid() {
		n.IP = p.Addr.Unmap().String()
	}
	return n
}

// packageURL is the package's page in the web UI. Each segment is
// escaped, so that a legacy name cannot make an invalid link.
func (s *Service) packageURL(name string) string {
	segs := strings.Split(name, "/")
	for i, seg := range segs {
		segs[i] = url.PathEscape(seg)
	}
	return s.cfg.PublicURL + pathPackage + strings.Join(segs, "/")
}

// via says how p was signed in, naming the token (its mask, never its
// value) so that a maintainer who did not act knows what to revoke.
func via(p authz.Principal) string {
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
