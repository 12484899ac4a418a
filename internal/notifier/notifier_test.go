package notifier_test

import (
	"context"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/mail"
	"github.com/rampart/rampart/internal/notifier"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/sqlite"
	"github.com/rampart/rampart/internal/testpeers/smtpd"
)

var t0 = time.Date(2026, 12, 5, 18, 0, 0, 0, time.UTC)

// render mails each owner.add to the users it names.
func render(e *core.Event) ([]notifier.Notice, error) {
	if e.Type != core.EventOwnerAdd {
		return nil, nil
	}
	p, err := event.Parse(e)
	if err != nil {
		return nil, err
	}
	a := p.(event.OwnerAdd)
	return []notifier.Notice{{Kind: mail.KindOwnerAdded, Notify: a.Notify, Notice: mail.Notice{
		When: e.At, Package: e.Package, Actor: e.Actor, Owner: a.User, Via: a.Via,
		PackageURL: "https://registry.example/package/" + e.Package, SecurityURL: "https://registry.example/account",
	}}}, nil
}

func smtpMailer(t *testing.T, host string, port int) mail.Mailer {
	t.Helper()
	m, err := mail.NewSMTP(mail.SMTPConfig{Host: host, Port: port, From: "Rampart <noreply@registry.example>",
		TLS: mail.TLSInsecureNone, Timeout: 10 * time.Second}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// refusedPort is a loopback port nobody listens on: a relay that is down.
func refusedPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return port
}

func addOwner(t *testing.T, st store.Store, owner string, notify ...string) {
	t.Helper()
	err := st.Update(context.Background(), func(tx store.Tx) error {
		return tx.AppendEvent(event.OwnerAdd{User: owner, Via: "a signed-in browser", Notify: notify}.At(t0, "alice", "left-pad", ""))
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestDeliveryResumesAfterAFailedSend: an event committed while the relay
// is down is not lost. The first notifier fails to send and leaves its
// cursor; a new one (a restart) mails it, exactly once, and later runs
// mail only what is new. Recipients without a verified address are
// passed over.
func TestDeliveryResumesAfterAFailedSend(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "metadata.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	err = st.Update(ctx, func(tx store.Tx) error {
		for _, u := range []*core.User{
			{Name: "alice", Email: "alice@example.com", EmailVerified: true, CreatedAt: t0, PasswordHash: "x"},
			{Name: "bob", Email: "bob@example.com", EmailVerified: true, CreatedAt: t0, PasswordHash: "x"},
			{Name: "eve", Email: "eve@example.com", CreatedAt: t0, PasswordHash: "x"},
		} {
			if err := tx.CreateUser(u); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := smtpd.Start(t)
	log := slog.New(slog.DiscardHandler)

	addOwner(t, st, "bob", "alice", "bob", "eve")
	down := notifier.New(st, smtpMailer(t, "127.0.0.1", refusedPort(t)), "notices.test", render, log)
	if err := down.Deliver(ctx); err == nil {
		t.Fatal("delivery through a relay that is down reported no error")
	}
	if n := len(srv.Messages()); n != 0 {
		t.Fatalf("%d messages arrived while the relay was down", n)
	}

	restarted := notifier.New(st, smtpMailer(t, srv.Host, srv.Port), "notices.test", render, log)
	if err := restarted.Deliver(ctx); err != nil {
		t.Fatal(err)
	}
	if err := restarted.Deliver(ctx); err != nil { // nothing new: nothing sent
		t.Fatal(err)
	}
	got := srv.Messages()
	if len(got) != 2 {
		t.Fatalf("%d messages after the restart, want 2 (alice, bob; eve is unverified)", len(got))
	}
	to := map[string]int{}
	for _, m := range got {
		for _, r := range m.To {
			to[r]++
		}
		if !strings.Contains(m.Subject, "bob is now an owner of left-pad") {
			t.Errorf("subject %q", m.Subject)
		}
	}
	if to["alice@example.com"] != 1 || to["bob@example.com"] != 1 {
		t.Fatalf("recipients %v, want alice and bob once each", to)
	}

	addOwner(t, st, "carol", "alice")
	again := notifier.New(st, smtpMailer(t, srv.Host, srv.Port), "notices.test", render, log)
	if err := again.Deliver(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Messages()); n != 3 {
		t.Fatalf("%d messages after a second event, want 3: only the new event is mailed", n)
	}
}

// TestRunDeliversWhenWoken: a running dispatcher mails an event as soon
// as it is woken through one of its notifiers, and stops with its
// context.
func TestRunDeliversWhenWoken(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "metadata.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Update(ctx, func(tx store.Tx) error {
		return tx.CreateUser(&core.User{Name: "alice", Email: "alice@example.com", EmailVerified: true, CreatedAt: t0, PasswordHash: "x"})
	}); err != nil {
		t.Fatal(err)
	}
	srv := smtpd.Start(t)
	n := notifier.New(st, smtpMailer(t, srv.Host, srv.Port), "notices.test", render, slog.New(slog.DiscardHandler)).Types(core.EventOwnerAdd)
	d := notifier.NewDispatcher(st, nil, slog.New(slog.DiscardHandler))
	d.Add(n)
	done := make(chan struct{})
	go func() { d.Run(ctx, time.Hour); close(done) }()
	addOwner(t, st, "bob", "alice")
	n.Wake()
	srv.WaitForSubject(t, "alice@example.com", "bob is now an owner of left-pad", time.Minute)
	cancel()
	<-done
}
