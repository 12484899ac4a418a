// Package report is reports and moderation (GEN-2b): a signed-in user
// reports a package or one of its versions (a category and a bounded
// description); reports are throttled per reporter and gathered, one
// queue item per target while it is open, one report per reporter and
// item (reporting again changes the report); moderators and
// administrators (authz.Moderate) read the queue, reply to the
// reporters and close items as actioned or dismissed. Every change is an
// event in the same transaction (report.*), and the notices go out from
// the event outbox: the site's staff on each new queue item (not on a
// repeated report), the reporters on each reply and closing.
//
// Acting on a package (quarantine, removal, advisories) is not here: the
// queue links to the version evidence pages of internal/quarantine.
package report

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/mail"
	"github.com/rampart/rampart/internal/notifier"
	"github.com/rampart/rampart/internal/quote"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/throttle"
)

// Lookup says whether p may see the package name (and its version, if
// not ""): nil if so; otherwise an error the service turns into one
// answer for "no such package" and "not visible to you", so that a
// report reveals no private package.
type Lookup func(ctx context.Context, p authz.Principal, name, version string) error

// Config is what the service needs besides its store.
type Config struct {
	// PublicURL is the registry's base URL, ending in "/": notices link
	// to the web UI's pages under it.
	PublicURL string
	Mailer    mail.Mailer
	Ecosystem core.Ecosystem
	Lookup    Lookup
	Limiter   *throttle.Limiter
	// Console marks a console command beside a live server: it leaves
	// the notices to the server.
	Console bool
}

// Rate is how many reports one account may file: a few at once, then
// one every few minutes (ten an hour). A repeated report counts too.
var Rate = throttle.Rate{Burst: 10, Every: 6 * time.Minute}

// Service is reports and the moderation queue.
type Service struct {
	store   store.Store
	cfg     Config
	now     func() time.Time
	log     *slog.Logger
	notices *notifier.Notifier
}

// metaNoticeCursor is the store.Meta key of the report notices' outbox
// cursor (migration 0038 sets it for an existing registry).
const metaNoticeCursor = "notices.reports"

// New returns the service over st.
func New(st store.Store, cfg Config, now func() time.Time, log *slog.Logger) *Service {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.Default()
	}
	s := &Service{store: st, cfg: cfg, now: now, log: log}
	s.notices = notifier.New(st, cfg.Mailer, metaNoticeCursor, s.noticesOf, log).Types(core.EventReportFiled, core.EventReportReplied, core.EventReportClosed)
	return s
}

// ParseTarget splits "name[@version]" (a scoped name keeps its leading
// "@").
func ParseTarget(s string) (name, version string) {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '@'); i > 0 {
		return s[:i], s[i+1:]
	}
	return s, ""
}

// Filing is a report as asked for.
type Filing struct {
	Name        string
	Version     string // "" for the package as a whole
	Category    core.ReportCategory
	Description string
}

// Filed is what became of a report.
type Filed struct {
	Report core.Report
	Item   core.ReportItem
	// Updated: the reporter had reported this target already while its
	// item was open; their report was changed, not added.
	Updated bool
	// NewItem: the first report on the target since its last item
	// closed; the moderators are mailed.
	NewItem bool
}

// categoryList is the categories for messages.
func categoryList() string {
	var names []string
	for _, c := range core.ReportCategories() {
		names = append(names, string(c))
	}
	return strings.Join(names, ", ")
}

// check refuses a filing before anything is counted or read.
func (f *Filing) check() error {
	f.Name, f.Version = strings.TrimSpace(f.Name), strings.TrimSpace(f.Version)
	switch {
	case f.Name == "":
		return core.Errorf(core.KindInvalid, "name the package to report, as name or name@version")
	case len(f.Name) > limits.MaxNameLength || len(f.Version) > limits.MaxVersionLength:
		return core.Errorf(core.KindInvalid, "there is no package %s on this registry: the name or version is too long", quote.Untrusted(f.Name))
	case !f.Category.Valid():
		return core.Errorf(core.KindInvalid, "the reason %s is not one this registry knows; use one of: %s",
			quote.Untrusted(string(f.Category)), categoryList())
	case len(f.Description) > limits.MaxReportDescriptionBytes:
		return core.Errorf(core.KindTooLarge, "the description is %d bytes long, over this registry's limit of %d; shorten it (moderators can ask you for more)",
			len(f.Description), limits.MaxReportDescriptionBytes)
	case !utf8.ValidString(f.Description):
		return core.Errorf(core.KindInvalid, "the description is not valid UTF-8 text")
	}
	return nil
}

// File records p's report: a new queue item for its target, a new
// report on the target's open item, or p's earlier report on it changed.
func (s *Service) File(ctx context.Context, p authz.Principal, f Filing) (*Filed, error) {
	if p.Anonymous() {
		return nil, core.Errorf(core.KindUnauthenticated, "sign in to report a package: reports come from accounts, so that moderators can reply")
	}
	if err := f.check(); err != nil {
		return nil, err
	}
	err := s.cfg.Limiter.ReserveRate(ctx, []throttle.RateKey{{Key: "report:user:" + p.User.Name, Rate: Rate,
		Refusal: "you have sent too many reports in a short time; try again in %s (an account may send 10 reports an hour). If many packages are affected, name them all in one report's description"}})
	if err != nil {
		return nil, err
	}
	if err := s.lookup(ctx, p, f.Name, f.Version); err != nil {
		return nil, err
	}
	now := s.now()
	ref := core.PackageRef{Ecosystem: s.cfg.Ecosystem, Name: f.Name}
	var out Filed
	err = s.store.Update(ctx, func(tx store.Tx) error {
		out = Filed{}
		it, err := tx.OpenReportItem(ref, f.Version)
		switch {
		case errors.Is(err, core.ErrNotFound):
			it = &core.ReportItem{Ref: ref, Version: f.Version, State: core.ReportOpen, FirstAt: now, LastAt: now}
			if err := tx.CreateReportItem(it); err != nil {
				return err
			}
			out.NewItem = true
		case err != nil:
			return err
		}
		if _, err := tx.ReportOf(it.ID, p.User.ID); err == nil {
			out.Updated = true
		} else if !errors.Is(err, core.ErrNotFound) {
			return err
		}
		r := &core.Report{ItemID: it.ID, ReporterID: p.User.ID, Reporter: p.User.Name, Category: f.Category,
			Description: f.Description, CreatedAt: now, UpdatedAt: now}
		if err := tx.PutReport(r); err != nil {
			return err
		}
		if !out.Updated {
			it.Count++
		}
		it.LastAt = now
		if err := tx.UpdateReportItem(it); err != nil {
			return err
		}
		ev := event.ReportFiled{Item: it.ID, Report: r.ID, Category: string(f.Category), NewItem: out.NewItem, Updated: out.Updated,
			Count: it.Count, Reporter: p.User.Name, Description: f.Description}
		if p.Addr.IsValid() {
			ev.IP = p.Addr.String()
		}
		if out.NewItem {
			staff, err := tx.SiteStaff()
			if err != nil {
				return err
			}
			for _, u := range staff {
				ev.Notify = append(ev.Notify, u.Name)
			}
		}
		out.Report, out.Item = *r, *it
		return tx.AppendEvent(ev.At(now, f.Name, f.Version))
	})
	if err != nil {
		return nil, err
	}
	if out.NewItem {
		s.notices.Wake()
	}
	return &out, nil
}

// lookup asks whether p may see the target, with one answer for a
// package that does not exist and one p may not see.
func (s *Service) lookup(ctx context.Context, p authz.Principal, name, version string) error {
	err := s.cfg.Lookup(ctx, p, name, version)
	if err == nil {
		return nil
	}
	var ve *VersionNotFound
	if errors.As(err, &ve) {
		return core.Errorf(core.KindNotFound, "%s has no version %s on this registry; check the version (`npm view %s versions`), or report the package as a whole",
			quote.Untrusted(name), quote.Untrusted(version), name)
	}
	switch core.KindOf(err) {
	case core.KindNotFound, core.KindForbidden, core.KindUnauthenticated, core.KindInvalid:
		return core.Errorf(core.KindNotFound, "there is no package %s on this registry; check the name (a report names the package as it is installed, such as left-pad or @scope/name)",
			quote.Untrusted(name))
	}
	return err
}

// VersionNotFound is the error a Lookup returns when the package is
// visible to the caller but the version is not.
type VersionNotFound struct{ Version string }

func (e *VersionNotFound) Error() string { return "no version " + e.Version }

// NextSteps says what happens to a filed report, for the reporter.
func NextSteps(f *Filed) string {
	switch {
	case f.Updated:
		return "Your earlier report on " + f.Item.Target() + " was updated. The moderators review it; you will be mailed when they reply or close it."
	case f.NewItem:
		return "Thank you. The registry's moderators were notified and will review " + f.Item.Target() + "; you will be mailed when they reply or close the report."
	}
	return "Thank you. Others reported " + f.Item.Target() + " too; your report joins theirs in the moderation queue, and you will be mailed when the moderators reply or close it."
}
