package trust

import (
	"fmt"
	"strings"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/mail"
	"github.com/rampart/rampart/internal/notifier"
)

// MetaNoticeCursor is the store.Meta key of the trusted-publishing
// notices' outbox cursor. A registry without it starts at the first
// event: no event before this package has a type it mails.
const MetaNoticeCursor = "notices.trust"

// Notices is the notifier's Render for trusted-publishing events: every
// owner (as the event names them) is mailed of a trusted publisher added
// or removed and of the trusted-only policy changing; a pending
// publisher's registration is mailed to the user who registered it.
func Notices(publicURL string) notifier.Render {
	base := strings.TrimSuffix(publicURL, "/") + "/"
	return func(e *core.Event) ([]notifier.Notice, error) {
		switch e.Type {
		case core.EventTrustAdd, core.EventTrustRemove, core.EventTrustPolicy:
		default:
			return nil, nil
		}
		p, err := event.Parse(e)
		if err != nil {
			return nil, err
		}
		n := mail.Notice{When: e.At, Package: e.Package, Actor: e.Actor, SecurityURL: base + "account"}
		var notify []string
		switch p := p.(type) {
		case event.TrustAdd:
			n.Reason = "added trusted publisher #" + fmt.Sprint(p.ID) + ": " + p.Issuer + " (" + strings.Join(p.Claims, ", ") + ")"
			if p.Pending {
				n.Reason = "registered pending trusted publisher #" + fmt.Sprint(p.ID) + ", reserving the name until " +
					p.PendingUntil.UTC().Format("2006-01-02 15:04 MST") + ": " + p.Issuer + " (" + strings.Join(p.Claims, ", ") + ")"
			}
			n.Via, n.IP, notify = p.Via, p.IP, p.Notify
		case event.TrustRemove:
			n.Reason = "removed trusted publisher #" + fmt.Sprint(p.ID) + ": " + p.Issuer + " (" + strings.Join(p.Claims, ", ") + ")"
			n.Via, n.IP, notify = p.Via, p.IP, p.Notify
		case event.TrustPolicy:
			n.Reason = "publishing only through trusted publishing turned off: tokens and the command line may publish again"
			if p.TrustedOnly {
				n.Reason = "publishing only through trusted publishing turned on: tokens and the command line may no longer publish"
			}
			n.Via, n.IP, notify = p.Via, p.IP, p.Notify
		}
		return []notifier.Notice{{Kind: mail.KindTrustChanged, Notify: notify, Notice: n}}, nil
	}
}
