// Package reports holds the conformance cases of the store's moderation
// queue role: store.Reports.
package reports

import (
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/storetest/suite"
)

// RunReports runs the cases of store.Reports.
func RunReports(t *testing.T, open func(t *testing.T) store.Store) {
	suite.Cases(t, open, []suite.Test{
		{Name: "OneOpenItemPerTarget", F: testOneOpenItem},
		{Name: "OneReportPerReporter", F: testOneReportPerReporter},
		{Name: "ListByState", F: testListByState},
		{Name: "Replies", F: testReplies},
	})
}

var leftPad = core.PackageRef{Ecosystem: "npm", Name: "left-pad"}

func item(version string, when time.Duration) *core.ReportItem {
	return &core.ReportItem{Ref: leftPad, Version: version, State: core.ReportOpen, Count: 1, FirstAt: at(when), LastAt: at(when)}
}

func update(t *testing.T, s store.Store, f func(tx store.Tx) error) error {
	t.Helper()
	return s.Update(t.Context(), f)
}

// A target has one open item: a second is a conflict; the package and
// each of its versions are different targets; once closed, a new one may
// open, and each is read back as written.
func testOneOpenItem(t *testing.T, s store.Store) {
	a, v1 := item("", 0), item("1.0.0", time.Minute)
	for _, it := range []*core.ReportItem{a, v1} {
		if err := update(t, s, func(tx store.Tx) error { return tx.CreateReportItem(it) }); err != nil {
			t.Fatalf("CreateReportItem(%s): %v", it.Target(), err)
		}
	}
	if a.ID == 0 || v1.ID == 0 || a.ID == v1.ID {
		t.Fatalf("ids %d, %d: want distinct non-zero", a.ID, v1.ID)
	}
	suite.WantErr(t, update(t, s, func(tx store.Tx) error { return tx.CreateReportItem(item("", time.Hour)) }), core.ErrConflict, "a second open item on the package")
	a.State, a.ClosedAt, a.ClosedBy, a.ClosingNote, a.Count, a.LastAt = core.ReportDismissed, at(2*time.Hour), "mod", "not a problem", 3, at(time.Hour)
	if err := update(t, s, func(tx store.Tx) error { return tx.UpdateReportItem(a) }); err != nil {
		t.Fatal(err)
	}
	again := item("", 3*time.Hour)
	if err := update(t, s, func(tx store.Tx) error { return tx.CreateReportItem(again) }); err != nil {
		t.Fatalf("a new item after the first closed: %v", err)
	}
	suite.WantErr(t, update(t, s, func(tx store.Tx) error { return tx.UpdateReportItem(&core.ReportItem{ID: 999, State: core.ReportOpen}) }), core.ErrNotFound, "updating a missing item")
	err := s.View(t.Context(), func(tx store.Tx) error {
		got, err := tx.ReportItem(a.ID)
		if err != nil {
			return err
		}
		if got.State != core.ReportDismissed || got.Count != 3 || got.ClosedBy != "mod" || got.ClosingNote != "not a problem" ||
			!got.ClosedAt.Equal(a.ClosedAt) || !got.FirstAt.Equal(a.FirstAt) || !got.LastAt.Equal(a.LastAt) || got.Ref != leftPad || got.Version != "" {
			t.Errorf("ReportItem = %+v, want %+v", got, a)
		}
		open, err := tx.OpenReportItem(leftPad, "")
		if err != nil {
			return err
		}
		if open.ID != again.ID {
			t.Errorf("OpenReportItem(package) = %d, want %d", open.ID, again.ID)
		}
		if open, err := tx.OpenReportItem(leftPad, "1.0.0"); err != nil || open.ID != v1.ID {
			t.Errorf("OpenReportItem(1.0.0) = %v, %v; want %d", open, err, v1.ID)
		}
		_, err = tx.OpenReportItem(leftPad, "2.0.0")
		suite.WantErr(t, err, core.ErrNotFound, "open item of an unreported version")
		_, err = tx.OpenReportItem(core.PackageRef{Ecosystem: "go", Name: "left-pad"}, "")
		suite.WantErr(t, err, core.ErrNotFound, "open item in another ecosystem")
		_, err = tx.ReportItem(999)
		suite.WantErr(t, err, core.ErrNotFound, "a missing item")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// PutReport replaces a reporter's earlier report on an item, keeping its
// id and creation time; another reporter gets a report of their own.
func testOneReportPerReporter(t *testing.T, s store.Store) {
	it := item("", 0)
	if err := update(t, s, func(tx store.Tx) error { return tx.CreateReportItem(it) }); err != nil {
		t.Fatal(err)
	}
	first := &core.Report{ItemID: it.ID, ReporterID: 1, Reporter: "alice", Category: core.ReportSpam, Description: "ads", CreatedAt: at(0), UpdatedAt: at(0)}
	bob := &core.Report{ItemID: it.ID, ReporterID: 2, Reporter: "bob", Category: core.ReportMalicious, Description: "steals tokens", CreatedAt: at(time.Minute), UpdatedAt: at(time.Minute)}
	again := &core.Report{ItemID: it.ID, ReporterID: 1, Reporter: "alice", Category: core.ReportMalicious, Description: "worse: malware", CreatedAt: at(time.Hour), UpdatedAt: at(time.Hour)}
	for _, r := range []*core.Report{first, bob, again} {
		if err := update(t, s, func(tx store.Tx) error { return tx.PutReport(r) }); err != nil {
			t.Fatal(err)
		}
	}
	if again.ID != first.ID || !again.CreatedAt.Equal(at(0)) {
		t.Errorf("second report by alice: id %d created %v, want id %d created %v", again.ID, again.CreatedAt, first.ID, at(0))
	}
	if bob.ID == first.ID {
		t.Errorf("bob's report has alice's id %d", bob.ID)
	}
	err := s.View(t.Context(), func(tx store.Tx) error {
		list, err := tx.Reports(it.ID)
		if err != nil {
			return err
		}
		if len(list) != 2 || list[0].Reporter != "alice" || list[1].Reporter != "bob" {
			t.Fatalf("Reports = %+v, want alice's then bob's", list)
		}
		a := list[0]
		if a.Category != core.ReportMalicious || a.Description != "worse: malware" || !a.UpdatedAt.Equal(at(time.Hour)) || !a.CreatedAt.Equal(at(0)) {
			t.Errorf("alice's report = %+v, want the second one, created at the first", a)
		}
		got, err := tx.ReportOf(it.ID, 2)
		if err != nil || got.Description != "steals tokens" {
			t.Errorf("ReportOf(bob) = %+v, %v", got, err)
		}
		_, err = tx.ReportOf(it.ID, 3)
		suite.WantErr(t, err, core.ErrNotFound, "report of someone who did not report")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// ReportItems lists by state, the most recently reported first, within
// the limit.
func testListByState(t *testing.T, s store.Store) {
	old, recent, closed := item("1.0.0", 0), item("2.0.0", time.Hour), item("3.0.0", 2*time.Hour)
	for _, it := range []*core.ReportItem{old, recent, closed} {
		if err := update(t, s, func(tx store.Tx) error { return tx.CreateReportItem(it) }); err != nil {
			t.Fatal(err)
		}
	}
	closed.State = core.ReportActioned
	if err := update(t, s, func(tx store.Tx) error { return tx.UpdateReportItem(closed) }); err != nil {
		t.Fatal(err)
	}
	err := s.View(t.Context(), func(tx store.Tx) error {
		ids := func(state core.ReportState, limit int) []int64 {
			list, err := tx.ReportItems(state, limit)
			if err != nil {
				t.Fatal(err)
			}
			var out []int64
			for _, it := range list {
				out = append(out, it.ID)
			}
			return out
		}
		if got := ids(core.ReportOpen, 10); len(got) != 2 || got[0] != recent.ID || got[1] != old.ID {
			t.Errorf("open items = %v, want [%d %d]", got, recent.ID, old.ID)
		}
		if got := ids("", 10); len(got) != 3 || got[0] != closed.ID {
			t.Errorf("all items = %v, want %d first", got, closed.ID)
		}
		if got := ids(core.ReportActioned, 10); len(got) != 1 || got[0] != closed.ID {
			t.Errorf("actioned items = %v, want [%d]", got, closed.ID)
		}
		if got := ids(core.ReportOpen, 1); len(got) != 1 || got[0] != recent.ID {
			t.Errorf("open items, limit 1 = %v, want [%d]", got, recent.ID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Replies are kept per item, oldest first.
func testReplies(t *testing.T, s store.Store) {
	a, b := item("1.0.0", 0), item("2.0.0", 0)
	for _, it := range []*core.ReportItem{a, b} {
		if err := update(t, s, func(tx store.Tx) error { return tx.CreateReportItem(it) }); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range []core.ReportReply{
		{ItemID: a.ID, By: "mod", Text: "looking", At: at(time.Minute)},
		{ItemID: b.ID, By: "mod", Text: "other", At: at(time.Minute)},
		{ItemID: a.ID, By: "admin", Text: "removed", At: at(time.Hour)},
	} {
		if err := update(t, s, func(tx store.Tx) error { return tx.AddReportReply(r) }); err != nil {
			t.Fatal(err)
		}
	}
	err := s.View(t.Context(), func(tx store.Tx) error {
		list, err := tx.ReportReplies(a.ID)
		if err != nil {
			return err
		}
		if len(list) != 2 || list[0].Text != "looking" || list[1].By != "admin" || !list[1].At.Equal(at(time.Hour)) {
			t.Errorf("ReportReplies = %+v", list)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// at is suite.At at the millisecond, the precision times are stored at.
func at(d time.Duration) time.Time { return suite.At(d).Truncate(time.Millisecond) }
