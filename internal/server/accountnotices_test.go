package server

import (
	"context"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/config"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/testpeers/smtpd"
)

// TestAccountNoticeSurvivesARelayThatIsDown: an account security notice
// (a sign-in from a new device) committed while the SMTP relay is down
// is not lost: the running server fails to send it and keeps it in the
// outbox, and once the relay is back the next start mails it, exactly
// once; a start after that mails nothing again.
func TestAccountNoticeSurvivesARelayThatIsDown(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	log := slog.New(slog.DiscardHandler)
	relayAt := func(port int) config.Config {
		return testConfig(t, func(c *config.Config) {
			c.Data = data
			c.Mail.Host, c.Mail.Port, c.Mail.From = "127.0.0.1", port, "Rampart <rampart@example.com>"
			c.Mail.TLS, c.Mail.Timeout.Duration = "insecure_none", 10*time.Second
		})
	}
	open := func(cfg config.Config) *Services {
		t.Helper()
		svc, err := Open(ctx, cfg, Options{Log: log})
		if err != nil {
			t.Fatal(err)
		}
		return svc
	}

	// The relay is down: nothing listens on the port.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	svc := open(relayAt(down))
	alice := &core.User{Name: "alice", Email: "alice@example.com", EmailVerified: true, CreatedAt: time.Now(), PasswordHash: "x"}
	if err := svc.Store.Update(ctx, func(tx store.Tx) error { return tx.CreateUser(alice) }); err != nil {
		t.Fatal(err)
	}
	svc.Authn.NoteWebSignIn(ctx, alice, "", "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0", netip.MustParseAddr("192.0.2.7"))
	if err := svc.AccountNotices.Deliver(ctx); err == nil {
		t.Fatal("delivering through a relay that is down reported no error")
	}
	if err := svc.Close(ctx); err != nil { // its last delivery fails too
		t.Fatal(err)
	}

	relay := smtpd.Start(t)
	newDevice := func() []smtpd.Received {
		var out []smtpd.Received
		for _, m := range relay.Messages() {
			if strings.Contains(m.Subject, "New sign-in") {
				out = append(out, m)
			}
		}
		return out
	}
	if err := open(relayAt(relay.Port)).Close(ctx); err != nil { // a start and a stop: the outbox is delivered
		t.Fatal(err)
	}
	got := newDevice()
	if len(got) != 1 {
		t.Fatalf("%d new-device notices after the relay came back, want 1", len(got))
	}
	if m := got[0]; len(m.To) != 1 || m.To[0] != "alice@example.com" || !strings.Contains(m.Text, "192.0.2.7") || !strings.Contains(m.Text, "Firefox/140.0") {
		t.Fatalf("the notice went to %v and says:\n%s", m.To, m.Text)
	}
	if err := open(relayAt(relay.Port)).Close(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(newDevice()); n != 1 {
		t.Fatalf("%d new-device notices after another restart, want still 1", n)
	}
}
