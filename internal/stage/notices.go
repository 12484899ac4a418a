package stage

import (
	"context"
	"net/url"
	"strings"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/mail"
	"github.com/rampart/rampart/internal/notifier"
)

// Pages under the public URL that stage notices link to; the web UI
// serves them at the same paths.
const (
	pathPackage = "package/"
	pathAccount = "account"
	// PathStaged is the account's list of staged releases.
	PathStaged = "account/staged"
)

// noticesOf is the notifier's Render for the staged-publishing events:
// every maintainer the event names hears of each.
func (s *Service) noticesOf(e *core.Event) ([]notifier.Notice, error) {
	switch e.Type {
	case core.EventStagePublish, core.EventStageApprove, core.EventStageReject, core.EventStageExpire, core.EventStagePolicy:
	default:
		return nil, nil
	}
	p, err := event.Parse(e)
	if err != nil {
		return nil, err
	}
	n := mail.Notice{When: e.At, Package: e.Package, Version: e.Version, Actor: e.Actor,
		PackageURL: s.packageURL(e.Package), SecurityURL: s.cfg.PublicURL + pathAccount}
	var notify []string
	switch p := p.(type) {
	case event.StagePublish:
		n.Stage, n.StageID, n.Tag, n.Reason, n.Via, n.IP = "staged", p.Stage, p.Tag, p.Reason, p.Via, p.IP
		n.ActionURL = s.cfg.PublicURL + PathStaged
		if d := p.ExpiresAt.Sub(e.At); d > 0 {
			n.ExpiresIn = d
		}
		notify = p.Notify
	case event.StageApprove:
		n.Stage, n.StageID, n.Tag, n.Via, n.IP = "approved", p.Stage, p.Tag, p.Via, p.IP
		notify = p.Notify
	case event.StageReject:
		n.Stage, n.StageID, n.Via, n.IP = "rejected", p.Stage, p.Via, p.IP
		notify = p.Notify
	case event.StageExpire:
		n.Stage, n.StageID = "expired", p.Stage
		notify = p.Notify
	case event.StagePolicy:
		n.Stage, n.Policy, n.Via, n.IP = "policy", p.To, p.Via, p.IP
		notify = p.Notify
	}
	if len(notify) == 0 {
		return nil, nil
	}
	return []notifier.Notice{{Kind: mail.KindPackageStage, Notify: notify, Notice: n}}, nil
}

// packageURL is the package's page in the web UI.
func (s *Service) packageURL(name string) string {
	segs := strings.Split(name, "/")
	for i, seg := range segs {
		segs[i] = url.PathEscape(seg)
	}
	return s.cfg.PublicURL + pathPackage + strings.Join(segs, "/")
}

// Wake tells the notifier that a committed publish staged a version
// (publish.Staging).
func (s *Service) Wake() { s.notices.Wake() }

// Notices is the staged publishing notifier, a subscriber the composition root adds
// to the outbox's one dispatcher (notifier.Dispatcher).
func (s *Service) Notices() *notifier.Notifier { return s.notices }

// Close delivers what the outbox still holds, until ctx ends. A console
// command beside a live server leaves it to the server. A failure is
// logged, not returned: the notices stay in the outbox for the next start.
func (s *Service) Close(ctx context.Context) error {
	if s.cfg.Console {
		return nil
	}
	if err := s.notices.Deliver(ctx); err != nil {
		s.log.WarnContext(ctx, "stage notices left in the outbox for the next start", "err", err)
	}
	return nil
}
