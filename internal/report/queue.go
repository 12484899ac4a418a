package report

import (
	"context"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/quote"
	"github.com/rampart/rampart/internal/store"
)

// Queue lists the items in state ("" for every state), the most recently
// reported first, at most limits.MaxReportsListed: moderators only.
func (s *Service) Queue(ctx context.Context, p authz.Principal, state core.ReportState) ([]core.ReportItem, error) {
	if err := authz.Authorize(p, authz.Moderate, authz.Resource{}); err != nil {
		return nil, err
	}
	switch state {
	case "", core.ReportOpen, core.ReportActioned, core.ReportDismissed:
	default:
		return nil, core.Errorf(core.KindInvalid, "the state %s is not one of open, actioned, dismissed", quote.Untrusted(string(state)))
	}
	var out []core.ReportItem
	err := s.store.View(ctx, func(tx store.Tx) error {
		var err error
		out, err = tx.ReportItems(state, limits.MaxReportsListed)
		return err
	})
	return out, err
}

// ItemView is one queue item with its reports and replies.
type ItemView struct {
	Item    core.ReportItem
	Reports []core.Report      // oldest first
	Replies []core.ReportReply // oldest first
}

// Item returns a queue item with everything on it: moderators only.
func (s *Service) Item(ctx context.Context, p authz.Principal, id int64) (*ItemView, error) {
	if err := authz.Authorize(p, authz.Moderate, authz.Resource{}); err != nil {
		return nil, err
	}
	var v ItemView
	err := s.store.View(ctx, func(tx store.Tx) error {
		it, err := itemByID(tx, id)
		if err != nil {
			return err
		}
		v.Item = *it
		if v.Reports, err = tx.Reports(id); err != nil {
			return err
		}
		v.Replies, err = tx.ReportReplies(id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &v, nil
}

func itemByID(tx store.Reports, id int64) (*core.ReportItem, error) {
	it, err := tx.ReportItem(id)
	if core.KindOf(err) == core.KindNotFound {
		return nil, core.Errorf(core.KindNotFound, "there is no report %d in the moderation queue", id)
	}
	return it, err
}

// checkText refuses a moderator's empty, overlong or malformed text.
func checkText(text string, required bool) (string, error) {
	text = strings.TrimSpace(text)
	switch {
	case text == "" && required:
		return "", core.Errorf(core.KindInvalid, "write the reply to send to the reporters")
	case len(text) > limits.MaxReportDescriptionBytes:
		return "", core.Errorf(core.KindTooLarge, "the text is %d bytes long, over this registry's limit of %d; shorten it", len(text), limits.MaxReportDescriptionBytes)
	case !utf8.ValidString(text):
		return "", core.Errorf(core.KindInvalid, "the text is not valid UTF-8")
	}
	return text, nil
}

// Reply sends text to the reporters of an open item: kept on the item,
// and mailed to each reporter from the outbox.
func (s *Service) Reply(ctx context.Context, p authz.Principal, id int64, text string) error {
	if err := authz.Authorize(p, authz.Moderate, authz.Resource{}); err != nil {
		return err
	}
	text, err := checkText(text, true)
	if err != nil {
		return err
	}
	now := s.now()
	err = s.store.Update(ctx, func(tx store.Tx) error {
		it, err := itemByID(tx, id)
		if err != nil {
			return err
		}
		if it.State != core.ReportOpen {
			return core.Errorf(core.KindConflict, "report %d was closed (%s) by %s; a new report on %s opens a new item", id, it.State, it.ClosedBy, it.Target())
		}
		if err := tx.AddReportReply(core.ReportReply{ItemID: id, By: p.User.Name, Text: text, At: now}); err != nil {
			return err
		}
		notify, err := reporters(tx, id)
		if err != nil {
			return err
		}
		return tx.AppendEvent(event.ReportReplied{Item: id, Text: text, Notify: notify}.At(now, p.User.Name, it.Ref.Name, it.Version))
	})
	if err != nil {
		return err
	}
	s.notices.Wake()
	return nil
}

// defaultNote is what the reporters are told when a moderator closes an
// item without a note.
func defaultNote(outcome core.ReportState) string {
	if outcome == core.ReportActioned {
		return "The moderators acted on the package you reported. Thank you for reporting it."
	}
	return "The moderators reviewed the package and found nothing that breaks this registry's policies."
}

// Close closes an open item as actioned or dismissed, with a note to the
// reporters (a default one if text is empty), mailed from the outbox.
func (s *Service) Close(ctx context.Context, p authz.Principal, id int64, outcome core.ReportState, text string) error {
	if err := authz.Authorize(p, authz.Moderate, authz.Resource{}); err != nil {
		return err
	}
	if outcome != core.ReportActioned && outcome != core.ReportDismissed {
		return core.Errorf(core.KindInvalid, "close a report as %s (the moderators acted) or %s (no action), not %s",
			core.ReportActioned, core.ReportDismissed, quote.Untrusted(string(outcome)))
	}
	text, err := checkText(text, false)
	if err != nil {
		return err
	}
	if text == "" {
		text = defaultNote(outcome)
	}
	now := s.now()
	err = s.store.Update(ctx, func(tx store.Tx) error {
		it, err := itemByID(tx, id)
		if err != nil {
			return err
		}
		if it.State != core.ReportOpen {
			return core.Errorf(core.KindConflict, "report %d was already closed (%s) by %s", id, it.State, it.ClosedBy)
		}
		it.State, it.ClosedAt, it.ClosedBy, it.ClosingNote = outcome, now, p.User.Name, text
		if err := tx.UpdateReportItem(it); err != nil {
			return err
		}
		if err := tx.AddReportReply(core.ReportReply{ItemID: id, By: p.User.Name, Text: text, At: now}); err != nil {
			return err
		}
		notify, err := reporters(tx, id)
		if err != nil {
			return err
		}
		return tx.AppendEvent(event.ReportClosed{Item: id, Outcome: string(outcome), Text: text, Notify: notify}.At(now, p.User.Name, it.Ref.Name, it.Version))
	})
	if err != nil {
		return err
	}
	s.notices.Wake()
	return nil
}

// reporters are the names of an item's reporters, to mail.
func reporters(tx store.Reports, id int64) ([]string, error) {
	list, err := tx.Reports(id)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(list))
	for _, r := range list {
		out = append(out, r.Reporter)
	}
	return out, nil
}

// MayModerate says whether p may work the queue, so that a front-end
// refuses before it reads a request's body.
func MayModerate(p authz.Principal) error {
	return authz.Authorize(p, authz.Moderate, authz.Resource{})
}

// Overview lists the items in state as Queue does, each with its reports
// (for the queue page's reasons and excerpts), in one read.
func (s *Service) Overview(ctx context.Context, p authz.Principal, state core.ReportState) ([]ItemView, error) {
	items, err := s.Queue(ctx, p, state)
	if err != nil {
		return nil, err
	}
	out := make([]ItemView, len(items))
	err = s.store.View(ctx, func(tx store.Tx) error {
		for i, it := range items {
			reps, err := tx.Reports(it.ID)
			if err != nil {
				return err
			}
			out[i] = ItemView{Item: it, Reports: reps}
		}
		return nil
	})
	return out, err
}

// Categories are the distinct categories of the reports, in the order
// first given.
func (v *ItemView) Categories() []core.ReportCategory {
	var out []core.ReportCategory
	for _, r := range v.Reports {
		if !slices.Contains(out, r.Category) {
			out = append(out, r.Category)
		}
	}
	return out
}
