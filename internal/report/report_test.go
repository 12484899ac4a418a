package report

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/mail"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/sqlite"
	"github.com/rampart/rampart/internal/testclock"
	"github.com/rampart/rampart/internal/throttle"
)

type env struct {
	svc   *Service
	st    store.Store
	clock *testclock.Clock
	users map[string]*core.User
}

// newEnv is the service on a fresh SQLite store; "left-pad" (versions
// 1.0.0 and 1.1.0) is public, "@acme/secret" exists but only "mod" may
// see it; "alice", "bob" and "carol" are users, "mod" a moderator.
func newEnv(t *testing.T) *env {
	t.Helper()
	db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "meta.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e := &env{st: db, clock: testclock.New(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)), users: map[string]*core.User{}}
	for _, name := range []string{"alice", "bob", "carol", "mod"} {
		u := &core.User{Name: name, Email: name + "@example.com", EmailVerified: true, Moderator: name == "mod", CreatedAt: e.clock.Now()}
		if err := db.Update(t.Context(), func(tx store.Tx) error { return tx.CreateUser(u) }); err != nil {
			t.Fatal(err)
		}
		e.users[name] = u
	}
	lookup := func(_ context.Context, p authz.Principal, name, version string) error {
		switch {
		case name == "left-pad":
			if version == "" || version == "1.0.0" || version == "1.1.0" {
				return nil
			}
			return &VersionNotFound{Version: version}
		case name == "@acme/secret" && p.User != nil && p.User.Name == "mod":
			return nil
		case name == "@acme/secret":
			return core.Errorf(core.KindForbidden, "you may not read @acme/secret")
		}
		return core.Errorf(core.KindNotFound, "no such package")
	}
	e.svc = New(db, Config{PublicURL: "https://registry.example/", Ecosystem: "npm", Lookup: lookup,
		Limiter: throttle.New(db, e.clock.Now, 5, time.Minute)}, e.clock.Now, nil)
	return e
}

// as is the principal of a user's browser session; a moderator's passed
// a security key just now, as moderation asks (authz.Moderate).
func (e *env) as(name string) authz.Principal {
	p := authz.Principal{User: e.users[name], Now: e.clock.Now()}
	if p.User.Moderator {
		p.HasKey, p.MFA, p.PhishingResistantAt = true, true, e.clock.Now()
	}
	return p
}

func (e *env) file(t *testing.T, who, target string, c core.ReportCategory, text string) (*Filed, error) {
	t.Helper()
	name, version := ParseTarget(target)
	return e.svc.File(t.Context(), e.as(who), Filing{Name: name, Version: version, Category: c, Description: text})
}

func TestParseTarget(t *testing.T) {
	for in, want := range map[string][2]string{
		"left-pad":             {"left-pad", ""},
		"left-pad@1.0.0":       {"left-pad", "1.0.0"},
		"@acme/x":              {"@acme/x", ""},
		"@acme/x@2.0.0-beta.1": {"@acme/x", "2.0.0-beta.1"},
		" left-pad@1.0.0 ":     {"left-pad", "1.0.0"},
	} {
		if n, v := ParseTarget(in); n != want[0] || v != want[1] {
			t.Errorf("ParseTarget(%q) = %q, %q; want %q", in, n, v, want)
		}
	}
}

// Reports on one target group into one item counting its reporters; the
// same reporter again changes their report; a version is its own
// target; a closed item is not reopened by a new report.
func TestDedupeAndGrouping(t *testing.T) {
	e := newEnv(t)
	a, err := e.file(t, "alice", "left-pad", core.ReportSpam, "ads")
	if err != nil {
		t.Fatal(err)
	}
	if !a.NewItem || a.Updated || a.Item.Count != 1 {
		t.Errorf("first report: %+v, want a new item of 1", a)
	}
	e.clock.Advance(time.Minute)
	b, err := e.file(t, "bob", "left-pad", core.ReportMalicious, "steals tokens")
	if err != nil {
		t.Fatal(err)
	}
	if b.NewItem || b.Updated || b.Item.ID != a.Item.ID || b.Item.Count != 2 {
		t.Errorf("second reporter: %+v, want item %d with 2", b, a.Item.ID)
	}
	again, err := e.file(t, "alice", "left-pad", core.ReportMalicious, "worse than spam")
	if err != nil {
		t.Fatal(err)
	}
	if !again.Updated || again.NewItem || again.Item.Count != 2 || again.Report.ID != a.Report.ID {
		t.Errorf("alice again: %+v, want her report %d updated, still 2 reporters", again, a.Report.ID)
	}
	v, err := e.file(t, "carol", "left-pad@1.0.0", core.ReportOther, "")
	if err != nil {
		t.Fatal(err)
	}
	if !v.NewItem || v.Item.ID == a.Item.ID {
		t.Errorf("a version: %+v, want an item of its own", v)
	}
	view, err := e.svc.Item(t.Context(), e.as("mod"), a.Item.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(view.Reports) != 2 || view.Reports[0].Description != "worse than spam" || view.Reports[0].Category != core.ReportMalicious {
		t.Errorf("item's reports = %+v", view.Reports)
	}
	if err := e.svc.Close(t.Context(), e.as("mod"), a.Item.ID, core.ReportDismissed, ""); err != nil {
		t.Fatal(err)
	}
	after, err := e.file(t, "alice", "left-pad", core.ReportSpam, "still spam")
	if err != nil {
		t.Fatal(err)
	}
	if !after.NewItem || after.Item.ID == a.Item.ID || after.Updated {
		t.Errorf("after closing: %+v, want a new item", after)
	}
	open, err := e.svc.Queue(t.Context(), e.as("mod"), core.ReportOpen)
	if err != nil {
		t.Fatal(err)
	}
	if len(open) != 2 {
		t.Errorf("open items = %d, want 2 (the version's, the new one)", len(open))
	}
}

// The eleventh report within the burst is refused with when to retry,
// and counts nothing; another reporter is not affected; time drains it.
func TestThrottlePerReporter(t *testing.T) {
	e := newEnv(t)
	for i := range Rate.Burst {
		if _, err := e.file(t, "alice", "left-pad", core.ReportSpam, strings.Repeat("x", i)); err != nil {
			t.Fatalf("report %d: %v", i+1, err)
		}
	}
	_, err := e.file(t, "alice", "left-pad@1.0.0", core.ReportSpam, "")
	var ce *core.Error
	if !errors.As(err, &ce) || ce.Kind != core.KindRateLimited || ce.RetryAfter <= 0 || !strings.Contains(ce.Msg, "too many reports") || !strings.Contains(ce.Msg, "try again in 6 minutes") {
		t.Fatalf("report past the burst: %v, want rate limited with a retry time", err)
	}
	if _, err := e.file(t, "bob", "left-pad@1.0.0", core.ReportSpam, ""); err != nil {
		t.Errorf("another reporter: %v", err)
	}
	e.clock.Advance(Rate.Every)
	if _, err := e.file(t, "alice", "left-pad@1.0.0", core.ReportSpam, ""); err != nil {
		t.Errorf("after a period: %v", err)
	}
}

// Refusals: anonymous, unknown reason, overlong text, a missing package
// and a private one answered alike, a missing version.
func TestRefusals(t *testing.T) {
	e := newEnv(t)
	_, err := e.svc.File(t.Context(), authz.Principal{}, Filing{Name: "left-pad", Category: core.ReportSpam})
	if core.KindOf(err) != core.KindUnauthenticated || !strings.Contains(err.Error(), "sign in") {
		t.Errorf("anonymous: %v", err)
	}
	if _, err := e.file(t, "alice", "left-pad", "evil", ""); core.KindOf(err) != core.KindInvalid || !strings.Contains(err.Error(), "malicious, spam, squatting, copyright, other") {
		t.Errorf("unknown reason: %v", err)
	}
	if _, err := e.file(t, "alice", "left-pad", core.ReportSpam, strings.Repeat("x", 4001)); core.KindOf(err) != core.KindTooLarge {
		t.Errorf("overlong description: %v", err)
	}
	_, missing := e.file(t, "alice", "no-such-pkg", core.ReportSpam, "")
	_, private := e.file(t, "alice", "@acme/secret", core.ReportSpam, "")
	if core.KindOf(missing) != core.KindNotFound || core.KindOf(private) != core.KindNotFound ||
		strings.ReplaceAll(core.Message(private), "@acme/secret", "X") != strings.ReplaceAll(core.Message(missing), "no-such-pkg", "X") {
		t.Errorf("missing: %v; private: %v; want the same answer", missing, private)
	}
	if _, err := e.file(t, "mod", "@acme/secret", core.ReportSpam, ""); err != nil {
		t.Errorf("a package the reporter may see: %v", err)
	}
	if _, err := e.file(t, "alice", "left-pad@9.9.9", core.ReportSpam, ""); core.KindOf(err) != core.KindNotFound || !strings.Contains(err.Error(), `has no version "9.9.9"`) {
		t.Errorf("missing version: %v", err)
	}
	if _, err := e.svc.Queue(t.Context(), e.as("alice"), ""); core.KindOf(err) != core.KindForbidden {
		t.Errorf("queue as a user: %v", err)
	}
}

// The notices: staff on a new item only, reporters on a reply and a
// closing, with the moderator's text; the reporter and description in
// the personal part.
func TestNotices(t *testing.T) {
	e := newEnv(t)
	a, err := e.file(t, "alice", "left-pad@1.0.0", core.ReportMalicious, "reads ~/.npmrc")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.file(t, "bob", "left-pad@1.0.0", core.ReportMalicious, "me too"); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Reply(t.Context(), e.as("mod"), a.Item.ID, "looking into it"); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Close(t.Context(), e.as("mod"), a.Item.ID, core.ReportActioned, "removed"); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Reply(t.Context(), e.as("mod"), a.Item.ID, "late"); core.KindOf(err) != core.KindConflict {
		t.Errorf("reply to a closed item: %v", err)
	}
	var events []core.Event
	if err := e.st.View(t.Context(), func(tx store.Tx) error {
		var err error
		events, err = tx.EventsAfter(0, 100)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ev := range events {
		if ev.Type == core.EventReportFiled && (strings.Contains(string(ev.Data), "npmrc") || strings.Contains(string(ev.Data), "alice") || ev.Actor != "") {
			t.Errorf("report.filed's public part names the reporter or their text: %s, actor %q", ev.Data, ev.Actor)
		}
		ns, err := e.svc.noticesOf(&ev)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range ns {
			if _, _, _, err := mail.Render(n.Kind, n.Notice); err != nil {
				t.Errorf("%s: %v", n.Kind, err)
			}
			got = append(got, n.Kind+"->"+strings.Join(n.Notify, ",")+":"+n.Notice.Reply+n.Notice.Description)
		}
	}
	want := []string{
		"report_filed->mod:reads ~/.npmrc",
		"report_answered->alice,bob:looking into it",
		"report_answered->alice,bob:removed",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("notices:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
