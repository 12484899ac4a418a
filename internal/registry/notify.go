package registry

import (
	"context"
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

// notice is a package notice computed in a write transaction and mailed
// once it has committed.
type notice struct {
	kind string
	n    mail.Notice
	to   []core.User // the recipients; those without a verified address get nothing
}

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

// userNames are the names of us, in order: whom a notice from the
// outbox is for (their addresses are looked up at delivery).
func userNames(us []core.User) []string {
	names := make([]string, len(us))
	for i, u := range us {
		names[i] = u.Name
	}
	return names
}

// mailNotices mails each notice to each of its recipients whose address
// is verified, one message per recipient so that no maintainer learns
// another's address. The change is committed: mail goes out in the
// background group, so that a slow or failing relay neither fails nor
// delays it, and a failure is logged. Past the group's bound the batch
// is dropped and logged (the events stay the record). Close, or the
// group's owner, waits for mail under way.
func (s *Service) mailNotices(ctx context.Context, notices []notice) {
	if len(notices) == 0 {
		return
	}
	s.bg.Go(context.WithoutCancel(ctx), "package notices: "+notices[0].kind, func(ctx context.Context) {
		for _, nt := range notices {
			seen := map[int64]bool{}
			for _, u := range nt.to {
				if seen[u.ID] || !u.EmailVerified || u.Email == "" {
					continue
				}
				seen[u.ID] = true
				s.send(ctx, nt.kind, nt.n, u)
			}
		}
	})
}

func (s *Service) send(ctx context.Context, kind string, n mail.Notice, u core.User) {
	n.User = u.Name
	if err := mail.SendNotice(ctx, s.cfg.Mailer, kind, u.Email, n); err != nil {
		s.log.ErrorContext(ctx, "sending mail failed", "kind", kind, "user", u.Name, "package", n.Package, "err", err)
	}
}
