package report

import (
	"context"
	"net/url"
	"strconv"
	"strings"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/mail"
	"github.com/rampart/rampart/internal/notifier"
)

// Pages under the public URL that the notices link to; the web UI serves
// them at the same paths.
const (
	// PathQueue is the moderation queue; an item is PathQueue + "/<id>".
	PathQueue   = "moderation/reports"
	pathPackage = "package/"
	pathAccount = "account"
)

// ItemURL is the page of a queue item in the web UI.
func (s *Service) ItemURL(id int64) string {
	return s.cfg.PublicURL + PathQueue + "/" + strconv.FormatInt(id, 10)
}

// packageURL is the package's page in the web UI.
func (s *Service) packageURL(name string) string {
	segs := strings.Split(name, "/")
	for i, seg := range segs {
		segs[i] = url.PathEscape(seg)
	}
	return s.cfg.PublicURL + pathPackage + strings.Join(segs, "/")
}

// noticesOf is the notifier's Render for the report events: the staff
// hear of each new queue item, the reporters of each reply and closing.
func (s *Service) noticesOf(e *core.Event) ([]notifier.Notice, error) {
	switch e.Type {
	case core.EventReportFiled, core.EventReportReplied, core.EventReportClosed:
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
	kind := mail.KindReportAnswered
	switch p := p.(type) {
	case event.ReportFiled:
		if !p.NewItem {
			return nil, nil
		}
		kind = mail.KindReportFiled
		n.Actor, n.Category, n.Count, n.Description = p.Reporter, core.ReportCategory(p.Category).Label(), p.Count, p.Description
		n.ActionURL, n.PackageURL = s.ItemURL(p.Item), ""
		notify = p.Notify
	case event.ReportReplied:
		n.Outcome, n.Reply = "replied", p.Text
		notify = p.Notify
	case event.ReportClosed:
		n.Outcome, n.Reply = p.Outcome, p.Text
		notify = p.Notify
	}
	if len(notify) == 0 {
		return nil, nil
	}
	return []notifier.Notice{{Kind: kind, Notify: notify, Notice: n}}, nil
}

// Notices is the report notifier, a subscriber the composition root adds
// to the outbox's one dispatcher (notifier.Dispatcher).
func (s *Service) Notices() *notifier.Notifier { return s.notices }

// Flush delivers what the outbox still holds, until ctx ends. A console
// command beside a live server leaves it to the server. A failure is
// logged: the notices stay in the outbox for the next start.
func (s *Service) Flush(ctx context.Context) error {
	if s.cfg.Console {
		return nil
	}
	if err := s.notices.Deliver(ctx); err != nil {
		s.log.WarnContext(ctx, "report notices left in the outbox for the next start", "err", err)
	}
	return nil
}
