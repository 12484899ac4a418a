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
// a publish (schema 2 and later; a schema-1 event names nobody to tell,
// and warrants none). Critical notices are still mailed after commit
// from memory (notify.go).
func (s *Service) noticesOf(e *core.Event) ([]notifier.Notice, error) {
	if e.Type != core.EventOwnerAdd && e.Type != core.EventOwnerRemove && e.Type != core.EventPublish {
		return nil, nil
	}
	p, err := event.Parse(e)
	if err != nil {
		return nil, err
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

// RunNotices mails the package notices from the outbox until ctx ends:
// at once after a change that has some, and every interval (which also
// retries a relay that failed).
func (s *Service) RunNotices(ctx context.Context, interval time.Duration) {
	s.notices.Run(ctx, interval)
}
