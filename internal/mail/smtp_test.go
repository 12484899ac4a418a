package mail_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/mail"
	"slices"
	"strings"
	"testing"
	"time"

	rmail "github.com/rampart/rampart/internal/mail"
	"github.com/rampart/rampart/internal/testpeers/smtpd"
)

const wait = 5 * time.Second

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

// plainConfig reaches srv without TLS, as a loopback test server allows.
func plainConfig(srv *smtpd.Server) rmail.SMTPConfig {
	return rmail.SMTPConfig{
		Host:    srv.Host,
		Port:    srv.Port,
		From:    "Rampart <noreply@registry.example>",
		TLS:     rmail.TLSInsecureNone,
		Timeout: wait,
	}
}

func newSMTP(t *testing.T, cfg rmail.SMTPConfig, opts ...rmail.SMTPOption) *rmail.SMTPMailer {
	t.Helper()
	m, err := rmail.NewSMTP(cfg, discard(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func testMessage(to string) rmail.Message {
	link := "https://registry.example/-/verify?token=" + strings.Repeat("0123456789abcdef", 5)
	return rmail.Message{
		To:      []string{to},
		Subject: "Vérifiez your address",
		Text:    "Open this link:\n\n" + link + "\n\nGrüße, Rampart\n",
		Links:   []string{link},
		Kind:    rmail.KindVerifyEmail,
	}
}

func TestSMTPDelivers(t *testing.T) {
	srv := smtpd.Start(t)
	var logs bytes.Buffer
	date := time.Date(2026, 11, 22, 10, 4, 5, 0, time.UTC)
	m, err := rmail.NewSMTP(plainConfig(srv), slog.New(slog.NewTextHandler(&logs, nil)),
		rmail.WithClock(func() time.Time { return date }))
	if err != nil {
		t.Fatal(err)
	}
	msg := testMessage("alice@example.com")
	if err := m.Send(t.Context(), msg); err != nil {
		t.Fatal(err)
	}
	got := srv.WaitFor(t, "alice@example.com", wait)

	if got.From != "noreply@registry.example" {
		t.Errorf("envelope from = %q", got.From)
	}
	if got.Subject != msg.Subject {
		t.Errorf("Subject = %q, want %q", got.Subject, msg.Subject)
	}
	if got.Text != msg.Text {
		t.Errorf("Text = %q, want %q", got.Text, msg.Text)
	}
	if links := got.Links(); !slices.Equal(links, msg.Links) {
		t.Errorf("Links() = %q, want %q", links, msg.Links)
	}
	parsed, err := mail.ReadMessage(bytes.NewReader(got.Data))
	if err != nil {
		t.Fatal(err)
	}
	h := parsed.Header
	if d, err := h.Date(); err != nil || !d.Equal(date) {
		t.Errorf("Date header = %v (%v), want %v", d, err, date)
	}
	if id := h.Get("Message-Id"); !strings.HasPrefix(id, "<") || !strings.HasSuffix(id, "@registry.example>") {
		t.Errorf("Message-ID = %q", id)
	}
	if ct := h.Get("Content-Type"); !strings.Contains(ct, "text/plain") || !strings.Contains(strings.ToLower(ct), "utf-8") {
		t.Errorf("Content-Type = %q", ct)
	}
	if from := h.Get("From"); !strings.Contains(from, "noreply@registry.example") {
		t.Errorf("From = %q", from)
	}
	if h.Get("Auto-Submitted") != "auto-generated" {
		t.Errorf("Auto-Submitted = %q", h.Get("Auto-Submitted"))
	}
	if strings.Contains(logs.String(), "token=") {
		t.Errorf("the SMTP mailer logged a link:\n%s", logs.String())
	}
}

func TestSMTPAuth(t *testing.T) {
	srv := smtpd.StartWithAuth(t, "rampart", "correct horse")
	cfg := plainConfig(srv)
	cfg.Username, cfg.Password = "rampart", "correct horse"

	if err := newSMTP(t, cfg).Send(t.Context(), testMessage("bob@example.com")); err != nil {
		t.Fatal(err)
	}
	if got := srv.WaitFor(t, "bob@example.com", wait); got.AuthUser != "rampart" {
		t.Errorf("message accepted for AuthUser %q, want rampart", got.AuthUser)
	}
}

func TestSMTPAuthWrongPassword(t *testing.T) {
	srv := smtpd.StartWithAuth(t, "rampart", "correct horse")
	cfg := plainConfig(srv)
	cfg.Username, cfg.Password = "rampart", "battery staple"

	err := newSMTP(t, cfg).Send(t.Context(), testMessage("bob@example.com"))
	if !errors.Is(err, rmail.ErrAuthFailed) {
		t.Fatalf("err = %v, want ErrAuthFailed", err)
	}
	if !strings.Contains(err.Error(), "authentication failed") {
		t.Errorf("error does not say authentication failed: %v", err)
	}
	if strings.Contains(err.Error(), "battery staple") {
		t.Errorf("error reveals the password: %v", err)
	}
	if a := srv.AuthAttempts(); len(a) != 1 || a[0].OK {
		t.Errorf("AuthAttempts = %+v, want one failed attempt", a)
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("%d messages accepted", n)
	}
}

func TestSMTPWithoutCredentialsWhereAuthIsRequired(t *testing.T) {
	srv := smtpd.StartWithAuth(t, "rampart", "correct horse")
	if err := newSMTP(t, plainConfig(srv)).Send(t.Context(), testMessage("bob@example.com")); err == nil {
		t.Fatal("sending without AUTH to a server that requires it succeeded")
	}
}

func TestSMTPStartTLS(t *testing.T) {
	srv := smtpd.StartWith(t, smtpd.Options{STARTTLS: true, Username: "rampart", Password: "pw"})
	cfg := plainConfig(srv)
	cfg.TLS = "" // the default: starttls
	cfg.Username, cfg.Password = "rampart", "pw"

	if err := newSMTP(t, cfg, rmail.WithRootCAs(srv.RootCAs)).Send(t.Context(), testMessage("carol@example.com")); err != nil {
		t.Fatal(err)
	}
	got := srv.WaitFor(t, "carol@example.com", wait)
	if !got.TLS || got.AuthUser != "rampart" {
		t.Errorf("TLS = %v, AuthUser = %q; want an encrypted, authenticated session", got.TLS, got.AuthUser)
	}
}

func TestSMTPImplicitTLS(t *testing.T) {
	srv := smtpd.StartWith(t, smtpd.Options{ImplicitTLS: true, Username: "rampart", Password: "pw"})
	cfg := plainConfig(srv)
	cfg.TLS = rmail.TLSImplicit
	cfg.Username, cfg.Password = "rampart", "pw"

	if err := newSMTP(t, cfg, rmail.WithRootCAs(srv.RootCAs)).Send(t.Context(), testMessage("dave@example.com")); err != nil {
		t.Fatal(err)
	}
	got := srv.WaitFor(t, "dave@example.com", wait)
	if !got.TLS || got.AuthUser != "rampart" {
		t.Errorf("TLS = %v, AuthUser = %q; want an encrypted, authenticated session", got.TLS, got.AuthUser)
	}
}

// STARTTLS is mandatory: a relay that does not offer it gets nothing, not
// even the credentials.
func TestSMTPStartTLSRequired(t *testing.T) {
	srv := smtpd.StartWithAuth(t, "rampart", "pw")
	cfg := plainConfig(srv)
	cfg.TLS = rmail.TLSStartTLS
	cfg.Username, cfg.Password = "rampart", "pw"

	err := newSMTP(t, cfg).Send(t.Context(), testMessage("erin@example.com"))
	if !errors.Is(err, rmail.ErrTLSUnavailable) {
		t.Fatalf("err = %v, want ErrTLSUnavailable", err)
	}
	if !strings.Contains(err.Error(), "STARTTLS") {
		t.Errorf("error does not mention STARTTLS: %v", err)
	}
	if a := srv.AuthAttempts(); len(a) != 0 {
		t.Errorf("credentials were sent in clear text: %+v", a)
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("%d messages accepted in clear text", n)
	}
}

func TestSMTPUntrustedCertificate(t *testing.T) {
	for _, mode := range []string{rmail.TLSStartTLS, rmail.TLSImplicit} {
		t.Run(mode, func(t *testing.T) {
			srv := smtpd.StartWith(t, smtpd.Options{STARTTLS: mode == rmail.TLSStartTLS, ImplicitTLS: mode == rmail.TLSImplicit})
			cfg := plainConfig(srv)
			cfg.TLS = mode
			err := newSMTP(t, cfg).Send(t.Context(), testMessage("frank@example.com")) // system roots only
			if err == nil || !strings.Contains(err.Error(), "certificate") {
				t.Fatalf("err = %v, want a certificate error", err)
			}
			if n := len(srv.Messages()); n != 0 {
				t.Errorf("%d messages accepted over an unverified connection", n)
			}
		})
	}
}

// tarpit accepts connections and never says a word, like a relay that
// hangs after the TCP handshake.
func tarpit(t *testing.T) (host string, port int) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	t.Cleanup(func() {
		l.Close()
		<-done
		for _, c := range conns {
			c.Close()
		}
	})
	a := l.Addr().(*net.TCPAddr)
	return a.IP.String(), a.Port
}

func TestSMTPContextCancelled(t *testing.T) {
	host, port := tarpit(t)
	m := newSMTP(t, rmail.SMTPConfig{Host: host, Port: port, From: "noreply@registry.example", TLS: rmail.TLSInsecureNone, Timeout: time.Minute})

	t.Run("midway", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
		defer cancel()
		start := time.Now()
		err := m.Send(ctx, testMessage("gina@example.com"))
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want context.DeadlineExceeded", err)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("Send took %s after its context ended", d)
		}
	})
	t.Run("before", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if err := m.Send(ctx, testMessage("gina@example.com")); !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
	})
}

func TestSMTPConfigValidate(t *testing.T) {
	good := rmail.SMTPConfig{Host: "smtp.example.com", From: "noreply@example.com"}
	if err := good.Validate(); err != nil {
		t.Fatalf("minimal config: %v", err)
	}
	tests := []struct {
		name string
		edit func(*rmail.SMTPConfig)
		want string // in the message
	}{
		{"no host", func(c *rmail.SMTPConfig) { c.Host = "" }, "host is required"},
		{"host with port", func(c *rmail.SMTPConfig) { c.Host = "smtp.example.com:587" }, "port"},
		{"host URL", func(c *rmail.SMTPConfig) { c.Host = "smtp://smtp.example.com" }, "scheme"},
		{"host with space", func(c *rmail.SMTPConfig) { c.Host = "smtp example.com" }, "not a valid"},
		{"no from", func(c *rmail.SMTPConfig) { c.From = "" }, "from is required"},
		{"bad from", func(c *rmail.SMTPConfig) { c.From = "not an address" }, "not a valid address"},
		{"from with CRLF", func(c *rmail.SMTPConfig) { c.From = "a@example.com\r\nBcc: x@evil.example" }, "line break"},
		{"unknown TLS", func(c *rmail.SMTPConfig) { c.TLS = "none" }, `"starttls"`},
		{"plain text to a remote relay", func(c *rmail.SMTPConfig) { c.TLS = rmail.TLSInsecureNone }, "loopback"},
		{"port out of range", func(c *rmail.SMTPConfig) { c.Port = 70000 }, "port 70000"},
		{"username without password", func(c *rmail.SMTPConfig) { c.Username = "u" }, "username and password"},
		{"password without username", func(c *rmail.SMTPConfig) { c.Password = "p" }, "username and password"},
		{"negative timeout", func(c *rmail.SMTPConfig) { c.Timeout = -time.Second }, "negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := good
			tt.edit(&c)
			err := c.Validate()
			if !errors.Is(err, rmail.ErrInvalidConfig) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate() = %v, want ErrInvalidConfig saying %q", err, tt.want)
			}
			if _, err := rmail.NewSMTP(c, discard()); err == nil {
				t.Error("NewSMTP accepted the config")
			}
		})
	}

	allowed := []struct {
		name string
		edit func(*rmail.SMTPConfig)
	}{
		{"implicit TLS", func(c *rmail.SMTPConfig) { c.TLS = rmail.TLSImplicit }},
		{"display name", func(c *rmail.SMTPConfig) { c.From = "Example Registry <noreply@example.com>" }},
		{"IPv6 relay", func(c *rmail.SMTPConfig) { c.Host = "2001:db8::25" }},
		{"plain text to 127.0.0.1", func(c *rmail.SMTPConfig) { c.Host, c.TLS = "127.0.0.1", rmail.TLSInsecureNone }},
		{"plain text to ::1", func(c *rmail.SMTPConfig) { c.Host, c.TLS = "::1", rmail.TLSInsecureNone }},
		{"plain text to localhost", func(c *rmail.SMTPConfig) { c.Host, c.TLS = "localhost", rmail.TLSInsecureNone }},
		{"plain text to a remote relay, explicitly", func(c *rmail.SMTPConfig) {
			c.TLS, c.InsecureAllowPlaintextRemote = rmail.TLSInsecureNone, true
		}},
		{"credentials", func(c *rmail.SMTPConfig) { c.Username, c.Password = "u", "p" }},
	}
	for _, tt := range allowed {
		t.Run(tt.name, func(t *testing.T) {
			c := good
			tt.edit(&c)
			if err := c.Validate(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestSMTPConfigKeepsPasswordOutOfLogs(t *testing.T) {
	cfg := rmail.SMTPConfig{Host: "smtp.example.com", From: "noreply@example.com", Username: "u", Password: "hunter2"}
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("config", "smtp", cfg)
	for _, s := range []string{buf.String(), cfg.String()} {
		if strings.Contains(s, "hunter2") {
			t.Errorf("password leaked: %s", s)
		}
	}
	if !strings.Contains(buf.String(), "smtp.port=587") {
		t.Errorf("log lacks the default port: %s", buf.String())
	}
}
