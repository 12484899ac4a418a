package mail_test

import (
	"errors"
	"os"
	"testing"

	rmail "github.com/rampart/rampart/internal/mail"
	"github.com/rampart/rampart/internal/testpeers/smtpd"
)

func TestHeaderInjectionRefused(t *testing.T) {
	tests := []struct {
		name string
		edit func(*rmail.Message)
	}{
		{"CRLF in subject", func(m *rmail.Message) { m.Subject = "Hello\r\nBcc: victim@example.com" }},
		{"LF in subject", func(m *rmail.Message) { m.Subject = "Hello\nBcc: victim@example.com" }},
		{"CR in subject", func(m *rmail.Message) { m.Subject = "Hello\rBcc: victim@example.com" }},
		{"NUL in subject", func(m *rmail.Message) { m.Subject = "Hello\x00" }},
		{"Unicode line separator in subject", func(m *rmail.Message) { m.Subject = "Hello\u2028Bcc: victim@example.com" }},
		{"CRLF in recipient", func(m *rmail.Message) { m.To = []string{"alice@example.com\r\nBcc: victim@example.com"} }},
		{"LF in recipient", func(m *rmail.Message) { m.To = []string{"alice@example.com\nBcc: victim@example.com"} }},
		{"two recipients in one", func(m *rmail.Message) { m.To = []string{"alice@example.com, victim@example.com"} }},
		{"display name", func(m *rmail.Message) { m.To = []string{"Alice <alice@example.com>"} }},
		{"not an address", func(m *rmail.Message) { m.To = []string{"alice"} }},
		{"no recipient", func(m *rmail.Message) { m.To = nil }},
		{"empty subject", func(m *rmail.Message) { m.Subject = " " }},
		{"empty body", func(m *rmail.Message) { m.Text = "" }},
		{"link with a line break", func(m *rmail.Message) { m.Links = []string{"https://example.com/\r\nx"} }},
		{"javascript link", func(m *rmail.Message) { m.Links = []string{"javascript:alert(1)"} }},
		{"kind with a path", func(m *rmail.Message) { m.Kind = "../../etc/passwd" }},
	}

	srv := smtpd.Start(t)
	smtpMailer := newSMTP(t, plainConfig(srv))
	outDir := t.TempDir()
	outbox, err := rmail.NewOutbox(outDir, discard())
	if err != nil {
		t.Fatal(err)
	}
	mailers := map[string]rmail.Mailer{"smtp": smtpMailer, "outbox": outbox}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := testMessage("alice@example.com")
			tt.edit(&m)
			if err := m.Validate(); !errors.Is(err, rmail.ErrInvalidMessage) {
				t.Errorf("Validate() = %v, want ErrInvalidMessage", err)
			}
			for name, mailer := range mailers {
				if err := mailer.Send(t.Context(), m); !errors.Is(err, rmail.ErrInvalidMessage) {
					t.Errorf("%s: Send() = %v, want ErrInvalidMessage", name, err)
				}
			}
		})
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("the SMTP server got %d messages", n)
	}
	if entries, _ := os.ReadDir(outDir); len(entries) != 0 {
		t.Errorf("the outbox got %d files", len(entries))
	}
}

func TestValidMessage(t *testing.T) {
	m := testMessage("alice@example.com")
	m.To = append(m.To, "bob@example.org")
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	m.Kind = ""
	if err := m.Validate(); err != nil {
		t.Errorf("empty kind: %v", err)
	}
}
