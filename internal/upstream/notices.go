package upstream

import (
	"net/url"
	"strings"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/mail"
	"github.com/rampart/rampart/internal/notifier"
)

// The moderators' notice of a proxied version the malware scan held,
// mailed from the event outbox (cursor notices.upstream, set to the
// newest event by migration 0050 so an upgrade re-mails nothing): the
// site's moderators and administrators at the time of the hold
// (event.UpstreamQuarantine's Staff), with the link to the version's
// evidence page in the moderation area.

// metaNoticeCursor is the store.Meta key of the notices' outbox cursor.
const metaNoticeCursor = "notices.upstream"

// PathEvidence is where the moderation area shows a held proxied
// version: PathEvidence + "<name>/v/<version>" (internal/web/quarantinepages).
const PathEvidence = "moderation/upstream/package/"

func newNotices(s *Service) *notifier.Notifier {
	return notifier.New(s.d.Store, s.d.Mailer, metaNoticeCursor, s.noticesOf, s.d.Log).Types(core.EventUpstreamQuarantine)
}

// Notices is the upstream notifier, a subscriber the composition root
// adds to the outbox's one dispatcher; nil without a proxy.
func (s *Service) Notices() *notifier.Notifier {
	if s == nil {
		return nil
	}
	return s.notices
}

// EvidenceURL is the moderation page of the proxied name@version.
func (s *Service) EvidenceURL(name, version string) string {
	segs := strings.Split(name, "/")
	for i, seg := range segs {
		segs[i] = url.PathEscape(seg)
	}
	return s.d.PublicURL + PathEvidence + strings.Join(segs, "/") + "/v/" + url.PathEscape(version)
}

// noticesOf renders the notices of one event.
func (s *Service) noticesOf(e *core.Event) ([]notifier.Notice, error) {
	if e.Type != core.EventUpstreamQuarantine {
		return nil, nil
	}
	p, err := event.Parse(e)
	if err != nil {
		return nil, err
	}
	q, ok := p.(event.UpstreamQuarantine)
	// An event of schema 1 recorded no moderators: nobody to mail.
	if !ok || len(q.Staff) == 0 {
		return nil, nil
	}
	reason := q.Reason
	if reason == "" {
		reason = "the rules " + strings.Join(q.Rules, ", ")
	}
	n := mail.Notice{When: e.At, Package: e.Package, Version: e.Version, Reason: reason,
		ActionURL: s.EvidenceURL(e.Package, e.Version), SecurityURL: s.d.PublicURL + "account",
		UpstreamNotice: mail.UpstreamNotice{Upstream: q.Upstream, Integrity: q.Integrity}}
	return []notifier.Notice{{Kind: mail.KindUpstreamHold, Notify: q.Staff, Notice: n}}, nil
}
