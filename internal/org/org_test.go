package org_test

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/mail"
	"github.com/rampart/rampart/internal/org"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/eventcheck"
	"github.com/rampart/rampart/internal/store/sqlite"
	"github.com/rampart/rampart/internal/testclock"
)

// recorder is a mailer that keeps what it was given.
type recorder struct {
	mu   sync.Mutex
	sent []mail.Message
}

func (r *recorder) Send(_ context.Context, m mail.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent = append(r.sent, m)
	return nil
}

type fixture struct {
	st    store.Store
	svc   *org.Service
	mails *recorder
	users map[string]*core.User
}

// newFixture is the service on a real SQLite store that fails any
// security-relevant write without its event, with verified users.
func newFixture(t *testing.T, names ...string) *fixture {
	t.Helper()
	db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "metadata.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	st := eventcheck.Wrap(t, db)
	clock := testclock.New(time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC))
	f := &fixture{st: st, mails: &recorder{}, users: map[string]*core.User{}}
	f.svc = org.New(st, f.mails, "https://registry.example/", clock.Now, nil)
	for _, n := range names {
		u := &core.User{Name: n, Email: n + "@example.com", PasswordHash: "x", EmailVerified: true, CreatedAt: clock.Now()}
		if err := db.Update(t.Context(), func(tx store.Tx) error { return tx.CreateUser(u) }); err != nil {
			t.Fatal(err)
		}
		f.users[n] = u
	}
	return f
}

// as is user name in a browser session without a second factor.
func (f *fixture) as(name string) authz.Principal {
	return authz.Principal{User: f.users[name], SessionID: "s", Now: time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)}
}

func wantErr(t *testing.T, err error, kind core.Kind, text string) {
	t.Helper()
	if err == nil || core.KindOf(err) != kind || !strings.Contains(err.Error(), text) {
		t.Fatalf("got %v, want a %v error saying %q", err, kind, text)
	}
}

// TestNames: an org name shares the user names' space and is held
// forever.
func TestNames(t *testing.T) {
	f := newFixture(t, "alice")
	ctx := t.Context()
	wantErr(t, f.svc.Create(ctx, f.as("alice"), "alice", ""), core.KindConflict, "belongs to a user")
	wantErr(t, f.svc.Create(ctx, f.as("alice"), "admin", ""), core.KindInvalid, "reserved")
	wantErr(t, f.svc.Create(ctx, f.as("alice"), "Acme", ""), core.KindInvalid, "not a valid organisation name")
	if err := f.svc.Create(ctx, f.as("alice"), "acme", ""); err != nil {
		t.Fatal(err)
	}
	wantErr(t, f.svc.Create(ctx, f.as("alice"), "acme", ""), core.KindConflict, "already exists")
	if err := f.svc.Delete(ctx, f.as("alice"), "acme"); err != nil {
		t.Fatal(err)
	}
	wantErr(t, f.svc.Create(ctx, f.as("alice"), "acme", ""), core.KindConflict, "held")
	wantErr(t, f.svc.SetMember(ctx, f.as("alice"), "acme", "alice", core.OrgOwner), core.KindNotFound, "no organisation")
}

// TestOwnersStay: the last owner can neither be demoted nor removed nor
// leave; once there are two, either may go; a member may leave.
func TestOwnersStay(t *testing.T) {
	f := newFixture(t, "alice", "bob", "carol")
	ctx, alice := t.Context(), f.as("alice")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(f.svc.Create(ctx, alice, "acme", ""))
	wantErr(t, f.svc.SetMember(ctx, alice, "acme", "alice", core.OrgAdmin), core.KindInvalid, "only owner")
	wantErr(t, f.svc.RemoveMember(ctx, alice, "acme", "alice"), core.KindInvalid, "only owner")
	must(f.svc.SetMember(ctx, alice, "acme", "carol", core.OrgMember))
	must(f.svc.RemoveMember(ctx, f.as("carol"), "acme", "carol")) // carol leaves
	must(f.svc.SetMember(ctx, alice, "acme", "bob", core.OrgOwner))
	must(f.svc.RemoveMember(ctx, f.as("bob"), "acme", "alice"))
	ms, err := f.svc.Members(ctx, f.as("bob"), "acme")
	must(err)
	if len(ms) != 1 || ms[0] != (org.Member{Name: "bob", Role: core.OrgOwner}) {
		t.Fatalf("members %v, want bob the owner alone", ms)
	}
	wantErr(t, f.svc.DestroyTeam(ctx, f.as("bob"), "acme", core.DevelopersTeam), core.KindInvalid, "cannot be deleted")
	_, err = f.svc.Members(ctx, f.as("alice"), "acme")
	wantErr(t, err, core.KindForbidden, "not a member")
}

// TestGrantsStayInTheScope: a team is granted only its org's packages.
func TestGrantsStayInTheScope(t *testing.T) {
	f := newFixture(t, "alice")
	ctx, alice := t.Context(), f.as("alice")
	if err := f.svc.Create(ctx, alice, "acme", ""); err != nil {
		t.Fatal(err)
	}
	wantErr(t, f.svc.Grant(ctx, alice, "acme", core.DevelopersTeam, core.NPM("@other/pkg"), core.PermReadWrite), core.KindInvalid, "not in the scope @acme/")
	wantErr(t, f.svc.Grant(ctx, alice, "acme", core.DevelopersTeam, core.NPM("@acme/none"), core.PermReadWrite), core.KindNotFound, "was not found")
	wantErr(t, f.svc.Grant(ctx, alice, "acme", core.DevelopersTeam, core.NPM("@acme/none"), "admin"), core.KindInvalid, "read-only or read-write")
}

// TestNotices: the owners and the member affected are mailed from the
// outbox, saying what changed, who did it and how.
func TestNotices(t *testing.T) {
	f := newFixture(t, "alice", "bob")
	ctx, alice := t.Context(), f.as("alice")
	if err := f.svc.Create(ctx, alice, "acme", ""); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.SetMember(ctx, alice, "acme", "bob", core.OrgAdmin); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Deliver(ctx); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range f.mails.sent {
		got = append(got, strings.Join(m.To, ",")+": "+m.Subject)
		if m.Kind != mail.KindOrgChanged || !strings.Contains(m.Text, "By:           alice") || !strings.Contains(m.Text, "https://registry.example/org/acme") {
			t.Errorf("notice to %v:\n%s", m.To, m.Text)
		}
	}
	want := []string{
		"alice@example.com: The organisation acme changed on Rampart",
		"alice@example.com: The organisation acme changed on Rampart",
		"bob@example.com: The organisation acme changed on Rampart",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("mailed %q, want %q", got, want)
	}
	if !strings.Contains(f.mails.sent[2].Text, "bob was added as admin") {
		t.Fatalf("bob's notice:\n%s", f.mails.sent[2].Text)
	}
}
