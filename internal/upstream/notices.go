package upstream

import (
	"net/url"
	"strings"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/mail"
	"github.com/rampart/rampart/internal/notifier"
)

// The moderators' notices of a proxied version the malware scan held, or
// whose build provenance did not verify (provenance.go), mailed from the
// event outbox (cursor notices.upstream, set to the newest event by
// migration 0050 so an upgrade re-mails nothing): the site's moderators
// and administrators at the time (the event's Staff), with the link to
// the version's evidence page in the moderation area, or to the proxied
// package's page for a refusal.

// metaNoticeCursor is the store.Meta key of the notices' outbox cursor.
const metaNoticeCursor = "notices.upstream"

// PathEvidence is where the moderation area shows a held proxied
// version: PathEvidence + "<name>/v/<version>" (internal/web/quarantinepages).
const PathEvidence = "moderation/upstream/package/"

func newNotices(s *Service) *notifier.Notifier {
	return notifier.New(s.d.Store, s.d.Mailer, metaNoticeCursor, s.noticesOf, s.d.Log).Types(core.EventUpstreamQuarantine, core.EventUpstreamProvenance)
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
	if e.Type != core.EventUpstreamQuarantine && e.Type != core.EventUpstreamProvenance {
		return nil, nil
	}
	p, err := event.Parse(e)
	if err != nil {
		return nil, err
	}
	if r, ok := p.(event.UpstreamProvenance); ok {
		return s.refusedNotice(e, r), nil
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

// refusedNotice is the notice of a proxied version whose build provenance
// did not verify: to the moderators recorded with the refusal (none for
// a verification, or for a continuity break, which is not a sign of a
// tampered upstream and repeats at each restart).
func (s *Service) refusedNotice(e *core.Event, r event.UpstreamProvenance) []notifier.Notice {
	if r.State != core.UpstreamProvenanceRefused || len(r.Staff) == 0 {
		return nil
	}
	n := mail.Notice{When: e.At, Package: e.Package, Version: e.Version, Reason: r.Reason,
		ActionURL: s.d.PublicURL + "package/" + e.Package, SecurityURL: s.d.PublicURL + "account",
		UpstreamNotice: mail.UpstreamNotice{Upstream: r.Upstream, Integrity: r.Integrity}}
	return []notifier.Notice{{Kind: mail.KindUpstreamRefused, Notify: r.Staff, Notice: n}}
}
