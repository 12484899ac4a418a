package account_test

import (
	"context"
	"sync"
	"testing"

	"github.com/rampart/rampart/internal/mail"
	"github.com/rampart/rampart/internal/pwcheck"
)

// sentMail keeps what the account service mails, in order.
type sentMail struct {
	mu   sync.Mutex
	msgs []mail.Message
}

func (m *sentMail) Send(_ context.Context, msg mail.Message) error {
	if err := msg.Validate(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.msgs = append(m.msgs, msg)
	return nil
}

// testPeers is an offline password checker and a mailer that keeps mail.
func testPeers(t *testing.T) Peers {
	t.Helper()
	pw, err := pwcheck.New(pwcheck.Options{DisableHIBP: true})
	if err != nil {
		t.Fatal(err)
	}
	return Peers{Mailer: &sentMail{}, Passwords: pw}
}
