package registry

import (
	"context"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/mail"
	"github.com/rampart/rampart/internal/notifier"
)

// metaNoticeCursor is the store.Meta key of the package notices' outbox
// cursor (migration 0025 sets it for an existing registry).
const metaNoticeCursor = "notices.packages"

// noticesOf is the notifier's Render for package events: the owners'
// notices of owner.add and owner.remove, and the maintainers' notice of
// a publish and of an administrator's designation of a critical package
// (schema 2 and later; a schema-1 event names nobody to tell, and
// warrants none). The notices of packages that became critical by their
// downloads are still mailed after commit from memory (critical.go).
func (s *Service) noticesOf(e *core.Event) ([]notifier.Notice, error) {
	switch e.Type {
	case core.EventOwnerAdd, core.EventOwnerRemove, core.EventPublish, core.EventCriticalChange:
	default:
		return nil, nil
	}
	p, err := event.Parse(e)
	if err != nil {
		return nil, err
	}
	if p, ok := p.(event.CriticalChange); ok {
		if !p.Designated || e.Package == "" || len(p.Notify) == 0 {
			return nil, nil
		}
		// As criticalNotice: a designation applies at once, so the mail
		// names no grace period.
		n := mail.Notice{When: e.At, Package: e.Package, Reason: reasonDesignated, PackageURL: s.packageURL(e.Package),
			SecurityURL: s.cfg.PublicURL + pathSecurityKeys}
		return []notifier.Notice{{Kind: mail.KindPackageCritical, Notify: p.Notify, Notice: n}}, nil
	}
	n := mail.Notice{
		When: e.At, Package: e.Package, Actor: e.Actor,
		PackageURL: s.packageURL(e.Package), SecurityURL: s.cfg.PublicURL + pathAccount,
	}
	switch p := p.(type) {
	case event.OwnerAdd:
		n.Owner, n.Via, n.IP = p.User, p.Via, p.IP
		return []notifier.Notice{{Kind: mail.KindOwnerAdded, Notify: p.Notify, Notice: n}}, nil
	case event.OwnerRemove:
		n.Owner, n.Via, n.IP = p.User, p.Via, p.IP
		return []notifier.Notice{{Kind: mail.KindOwnerRemoved, Notify: p.Notify, Notice: n}}, nil
	case event.Publish:
		n.Version, n.Via, n.IP = e.Version, p.Via, p.IP
		return []notifier.Notice{{Kind: mail.KindPackagePublished, Notify: p.Notify, Notice: n}}, nil
	}
	return nil, nil
}

// reasonDesignated is why a designated package is critical, in its notice.
const reasonDesignated = "designated critical by the registry's administrators"

// RunNotices mails the package notices from the outbox until ctx ends:
// at once after a change that has some, and every interval (which also
// retries a relay that failed).
func (s *Service) RunNotices(ctx context.Context, interval time.Duration) {
	s.notices.Run(ctx, interval)
}
