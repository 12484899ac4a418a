package registry_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/ecosystem/npm"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/blob/fsblob"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/mail"
	"github.com/rampart/rampart/internal/notifier"
	"github.com/rampart/rampart/internal/registry"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/eventcheck"
	"github.com/rampart/rampart/internal/store/sqlite"
	"github.com/rampart/rampart/internal/testserver"
)

// recordingMailer keeps what the registry mails. While hold is open,
// Send waits for it to close; fail makes Send refuse every message.
type recordingMailer struct {
	mu   sync.Mutex
	msgs []mail.Message
	hold chan struct{}
	fail error
	// waiting counts the Sends waiting for hold.
	waiting atomic.Int32
}

func (m *recordingMailer) Send(ctx context.Context, msg mail.Message) error {
	if err := msg.Validate(); err != nil {
		return err
	}
	if m.hold != nil {
		m.waiting.Add(1)
		defer m.waiting.Add(-1)
		select {
		case <-m.hold:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if m.fail != nil {
		return m.fail
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.msgs = append(m.msgs, msg)
	return nil
}

const notifyURL = "https://registry.example/"

// notifyEnv is a registry service over a fresh SQLite store with a
// recording mailer. alice, bob and carol have verified addresses.
type notifyEnv struct {
	t     *testing.T
	ctx   context.Context
	st    *sqlite.Store
	reg   *registry.Service
	mail  *recordingMailer
	users map[string]*core.User
}

func newNotifyEnv(t *testing.T, m *recordingMailer) *notifyEnv {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "metadata.db"))
	if err != nil {
		t.Fatal(err)
	}
	blobs, err := fsblob.New(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	reg, err := registry.New(ctx, eventcheck.Wrap(t, st), blobs, registry.Config{
		Format: npm.Format{}, PublicURL: notifyURL, Limits: limits.Default(), UnpublishWindow: 72 * time.Hour, MaxWeeklyDownloads: 300, Mailer: m,
	}, func() time.Time { return policyT0 }, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		reg.Close(ctx)
		st.Close()
	})
	e := &notifyEnv{t: t, ctx: ctx, st: st, reg: reg, mail: m, users: map[string]*core.User{}}
	for _, name := range []string{"alice", "bob", "carol"} {
		e.user(name, true)
	}
	return e
}

func (e *notifyEnv) user(name string, verified bool) *core.User {
	e.t.Helper()
	u := &core.User{Name: name, Email: name + "@example.com", EmailVerified: verified, CreatedAt: policyT0}
	if err := e.st.Update(e.ctx, func(tx store.Tx) error { return tx.CreateUser(u) }); err != nil {
		e.t.Fatal(err)
	}
	e.users[name] = u
	return u
}

// setVerified changes whether name's address is verified, as a change of
// address does until the new one is confirmed.
func (e *notifyEnv) setVerified(name string, verified bool) {
	e.t.Helper()
	err := e.st.Update(e.ctx, func(tx store.Tx) error {
		u, err := tx.UserByName(name)
		if err != nil {
			return err
		}
		u.EmailVerified = verified
		return tx.UpdateUser(u)
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

// Principals: an API token, an `npm login` session token, a browser.
func (e *notifyEnv) withToken(name string) authz.Principal {
	return authz.Principal{User: e.users[name], Addr: netip.MustParseAddr("203.0.113.7"), Token: &core.Token{
		Kind: core.TokenAPI, Mask: "rmp_Ci00", Name: "ci-publish",
		Actions: []core.TokenAction{core.TokenPublish, core.TokenManage},
	}}
}

func (e *notifyEnv) withSession(name string) authz.Principal {
	return authz.Principal{User: e.users[name], Addr: netip.MustParseAddr("::ffff:198.51.100.9"), Token: &core.Token{
		Kind: core.TokenSession, Mask: "rmp_Sess", Name: "npm login",
		Actions: []core.TokenAction{core.TokenRead, core.TokenPublish, core.TokenManage},
	}}
}

func (e *notifyEnv) inBrowser(name string) authz.Principal {
	return authz.Principal{User: e.users[name], Addr: netip.MustParseAddr("192.0.2.4"), SessionID: "session-hash"}
}

func (e *notifyEnv) publish(p authz.Principal, name, version string) {
	e.t.Helper()
	if _, err := e.reg.Publish(e.ctx, p, name, policyPublishBody(name, version, "latest", nil)); err != nil {
		e.t.Fatalf("publishing %s@%s as %s: %v", name, version, p.Name(), err)
	}
}

func (e *notifyEnv) setOwners(p authz.Principal, name string, owners ...string) error {
	return e.reg.SetMaintainers(e.ctx, p, name, owners)
}

// sent waits for the mail under way and returns what was sent since the
// last call, by recipient.
func (e *notifyEnv) sent() map[string][]mail.Message {
	e.t.Helper()
	if err := e.reg.Close(e.ctx); err != nil { // waits for mail being sent
		e.t.Fatal(err)
	}
	e.mail.mu.Lock()
	defer e.mail.mu.Unlock()
	out := map[string][]mail.Message{}
	for _, m := range e.mail.msgs {
		if len(m.To) != 1 {
			e.t.Errorf("%q went to %v at once, want one mail per maintainer", m.Subject, m.To)
		}
		out[m.To[0]] = append(out[m.To[0]], m)
	}
	e.mail.msgs = nil
	return out
}

// wantMail checks that exactly the addresses in to got one mail each, of
// kind, saying every one of says.
func wantMail(t *testing.T, got map[string][]mail.Message, kind string, to []string, says ...string) {
	t.Helper()
	var addrs []string
	for a := range got {
		addrs = append(addrs, a)
	}
	slices.Sort(addrs)
	if !slices.Equal(addrs, to) {
		t.Fatalf("mail went to %v, want %v", addrs, to)
	}
	for _, a := range to {
		if len(got[a]) != 1 {
			t.Fatalf("%s got %d mails, want 1", a, len(got[a]))
		}
		m := got[a][0]
		if m.Kind != kind {
			t.Fatalf("%s got %s, want %s", a, m.Kind, kind)
		}
		greeting := "Hello " + strings.TrimSuffix(a, "@example.com") + ","
		for _, s := range append([]string{greeting}, says...) {
			if !strings.Contains(m.Subject+"\n"+m.Text, s) {
				t.Errorf("mail to %s lacks %q:\n%s\n\n%s", a, s, m.Subject, m.Text)
			}
		}
	}
}

// TestPublishNotices: every maintainer with a verified address, the
// publisher included, hears of a publish: which version, who, with which
// credential, from where, and a link to the package.
func TestPublishNotices(t *testing.T) {
	e := newNotifyEnv(t, &recordingMailer{})

	e.publish(e.withToken("alice"), "left-pad", "1.0.0")
	wantMail(t, e.sent(), mail.KindPackagePublished, []string{"alice@example.com"},
		"left-pad@1.0.0 was published", "Version:      1.0.0", "Published by: alice",
		`Using:        API token rmp_Ci00 ("ci-publish")`, "IP address: 203.0.113.7",
		"When: Monday, 4 March 2030 at 12:00 UTC", notifyURL+"package/left-pad", notifyURL+"account")

	if err := e.setOwners(e.withToken("alice"), "left-pad", "alice", "bob", "carol"); err != nil {
		t.Fatal(err)
	}
	e.sent()
	// carol changes her address and has not confirmed the new one yet.
	e.setVerified("carol", false)

	e.publish(e.withSession("bob"), "left-pad", "1.0.1")
	wantMail(t, e.sent(), mail.KindPackagePublished, []string{"alice@example.com", "bob@example.com"},
		"left-pad@1.0.1 was published", "Published by: bob", "Using:        npm login session (token rmp_Sess)",
		"IP address: 198.51.100.9")

	// A refused publish (a used version) mails nobody.
	if _, err := e.reg.Publish(e.ctx, e.withToken("alice"), "left-pad", policyPublishBody("left-pad", "1.0.1", "latest", nil)); core.KindOf(err) != core.KindConflict {
		t.Fatalf("publishing 1.0.1 again: %v, want a conflict", err)
	}
	if got := e.sent(); len(got) != 0 {
		t.Fatalf("a refused publish mailed %v", got)
	}

	// A scoped package links to its page.
	e.publish(e.inBrowser("bob"), "@bob/util", "0.1.0")
	wantMail(t, e.sent(), mail.KindPackagePublished, []string{"bob@example.com"},
		"@bob/util@0.1.0 was published", notifyURL+"package/@bob/util\n", "Using:        a signed-in browser")
}

// TestOwnerNotices: `npm owner add` mails every owner, the new one
// included; `npm owner rm` mails the remaining owners and the removed one.
// A refused or empty change mails nobody.
func TestOwnerNotices(t *testing.T) {
	e := newNotifyEnv(t, &recordingMailer{})
	e.publish(e.withToken("alice"), "left-pad", "1.0.0")
	e.sent()

	if err := e.setOwners(e.inBrowser("alice"), "left-pad", "alice", "bob"); err != nil {
		t.Fatal(err)
	}
	wantMail(t, e.sent(), mail.KindOwnerAdded, []string{"alice@example.com", "bob@example.com"},
		"bob is now an owner of left-pad", "Added:    bob", "Added by: alice", "Using:    a signed-in browser", "IP address: 192.0.2.4")

	if err := e.setOwners(e.withSession("bob"), "left-pad", "alice", "bob", "carol"); err != nil {
		t.Fatal(err)
	}
	wantMail(t, e.sent(), mail.KindOwnerAdded, []string{"alice@example.com", "bob@example.com", "carol@example.com"},
		"carol is now an owner of left-pad", "Added by: bob", "Using:    npm login session (token rmp_Sess)")

	// Nothing changes: no mail.
	if err := e.setOwners(e.withToken("alice"), "left-pad", "bob", "alice", "carol"); err != nil {
		t.Fatal(err)
	}
	if got := e.sent(); len(got) != 0 {
		t.Fatalf("an unchanged owner list mailed %v", got)
	}
	// A refused change (dave has not verified his address): no mail.
	e.user("dave", false)
	if err := e.setOwners(e.withToken("alice"), "left-pad", "alice", "bob", "carol", "dave"); core.KindOf(err) != core.KindForbidden {
		t.Fatalf("adding an unverified owner: %v, want forbidden", err)
	}
	if got := e.sent(); len(got) != 0 {
		t.Fatalf("a refused owner change mailed %v", got)
	}

	e.setVerified("carol", false)
	if err := e.setOwners(e.withToken("alice"), "left-pad", "alice", "carol"); err != nil {
		t.Fatal(err)
	}
	wantMail(t, e.sent(), mail.KindOwnerRemoved, []string{"alice@example.com", "bob@example.com"},
		"bob is no longer an owner of left-pad", "Removed:    bob", "Removed by: alice",
		`Using:      API token rmp_Ci00 ("ci-publish")`, "IP address: 203.0.113.7")
}

// TestNoticesNeverFailOrDelayTheWrite: a relay that hangs does not hold
// the publish or owner change up, and one that refuses does not fail it;
// the change stands either way.
func TestNoticesNeverFailOrDelayTheWrite(t *testing.T) {
	m := &recordingMailer{hold: make(chan struct{})}
	e := newNotifyEnv(t, m)
	done := make(chan error, 1)
	go func() {
		_, err := e.reg.Publish(e.ctx, e.withToken("alice"), "left-pad", policyPublishBody("left-pad", "1.0.0", "latest", nil))
		if err == nil {
			err = e.setOwners(e.withToken("alice"), "left-pad", "alice", "bob")
		}
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the publish waited for the mail relay")
	}
	close(m.hold)
	got := e.sent()
	if len(got["alice@example.com"]) != 2 || len(got["bob@example.com"]) != 1 {
		t.Fatalf("once the relay answered: %v", got)
	}

	m.fail = errors.New("relay refuses")
	e.publish(e.withToken("alice"), "left-pad", "1.0.1")
	if err := e.setOwners(e.withToken("alice"), "left-pad", "alice"); err != nil {
		t.Fatalf("owner change with a failing relay: %v", err)
	}
	if got := e.sent(); len(got) != 0 {
		t.Fatalf("a refusing relay recorded %v", got)
	}
	var owners []string
	err := e.st.View(e.ctx, func(tx store.Tx) error {
		p, err := tx.PackageByRef(core.NPM("left-pad"))
		if err != nil {
			return err
		}
		ms, err := tx.Maintainers(p.ID)
		for _, u := range ms {
			owners = append(owners, u.Name)
		}
		return err
	})
	if err != nil || !slices.Equal(owners, []string{"alice"}) {
		t.Fatalf("owners after the change: %v, %v", owners, err)
	}
}

// With a relay that hangs, a flood of publishes neither waits for it nor
// piles up goroutines: the notices wait in the outbox, and once the relay
// answers every one goes out, exactly once, in publish order. (Before the
// outbox, notices past the background group's bound were dropped.)
func TestNoticesBoundedWhileTheRelayHangs(t *testing.T) {
	testserver.Slow(t, "publishes 100 versions against a hanging relay")
	m := &recordingMailer{hold: make(chan struct{})}
	e := newNotifyEnv(t, m)
	runCtx, stop := context.WithCancel(e.ctx)
	ran := make(chan struct{})
	go func() {
		defer close(ran)
		d := notifier.NewDispatcher(e.st, nil, nil)
		d.Add(e.reg.Notices())
		d.Run(runCtx, time.Hour) // woken by each publish
	}()
	before := runtime.NumGoroutine()
	const publishes = 100
	for i := range publishes {
		e.publish(e.withToken("alice"), "flood", fmt.Sprintf("1.0.%d", i))
	}
	for m.waiting.Load() == 0 { // the notifier is stuck on the relay
		runtime.Gosched()
	}
	if grew := runtime.NumGoroutine() - before; grew > 10 {
		t.Errorf("%d more goroutines after %d publishes against a hanging relay; want a bound that does not grow with them", grew, publishes)
	}
	close(m.hold)
	got := e.sent()["alice@example.com"] // Close delivers what the outbox holds
	stop()
	<-ran
	if len(got) != publishes {
		t.Fatalf("%d publish notices went out for %d publishes; want every one, once", len(got), publishes)
	}
	seen := map[string]bool{}
	for i, msg := range got {
		if v := fmt.Sprintf("flood@1.0.%d", i); !strings.Contains(msg.Subject, v) || seen[msg.Subject] {
			t.Errorf("notice %d: subject %q, want the one about %s, once", i, msg.Subject, v)
		}
		seen[msg.Subject] = true
	}
}

// TestNoticeDeliveredOnceAfterARestart: a change committed while the
// relay refuses keeps its notice in the outbox, and a registry started
// again over the same store mails it, exactly once. One case per kind of
// package notice the outbox carries.
func TestNoticeDeliveredOnceAfterARestart(t *testing.T) {
	cases := []struct {
		name, subject string
		change        func(e *notifyEnv) error
	}{
		{"publish", "left-pad@1.0.1", func(e *notifyEnv) error {
			_, err := e.reg.Publish(e.ctx, e.withToken("alice"), "left-pad", policyPublishBody("left-pad", "1.0.1", "latest", nil))
			return err
		}},
		{"owner add", "carol", func(e *notifyEnv) error { return e.setOwners(e.withToken("alice"), "left-pad", "alice", "carol") }},
		{"critical designation", "critical", func(e *notifyEnv) error {
			root := authz.Principal{User: &core.User{Name: "root", Admin: true}, Console: true}
			return e.reg.Critical().Designate(e.ctx, root, "left-pad", true)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := &recordingMailer{}
			e := newNotifyEnv(t, m)
			e.publish(e.withToken("alice"), "left-pad", "1.0.0")
			e.sent()
			m.fail = errors.New("relay down")
			if err := c.change(e); err != nil {
				t.Fatal(err)
			}
			if got := e.sent(); len(got) != 0 { // Close tries, and fails
				t.Fatalf("a refusing relay recorded %v", got)
			}
			m.fail = nil
			again, err := registry.New(e.ctx, eventcheck.Wrap(t, e.st), nil, registry.Config{
				Format: npm.Format{}, PublicURL: notifyURL, Limits: limits.Default(), UnpublishWindow: 72 * time.Hour, MaxWeeklyDownloads: 300, Mailer: m,
			}, func() time.Time { return policyT0 }, slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			for range 2 {
				if err := again.Close(e.ctx); err != nil {
					t.Fatal(err)
				}
			}
			got := e.sent()["alice@example.com"]
			if len(got) != 1 || !strings.Contains(got[0].Subject, c.subject) {
				var subjects []string
				for _, msg := range got {
					subjects = append(subjects, msg.Subject)
				}
				t.Fatalf("alice after the restart: %q; want one notice about %s", subjects, c.subject)
			}
		})
	}
}
