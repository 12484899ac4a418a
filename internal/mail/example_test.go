package mail_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	rmail "github.com/rampart/rampart/internal/mail"
)

func ExampleNewMessage() {
	msg, err := rmail.NewMessage(rmail.KindPasswordReset, []string{"alice@example.com"}, rmail.Notice{
		User:        "alice",
		When:        time.Date(2026, 11, 22, 10, 4, 0, 0, time.UTC),
		IP:          "203.0.113.7",
		ActionURL:   "https://registry.example/-/reset?token=abc123",
		ExpiresIn:   time.Hour,
		SecurityURL: "https://registry.example/-/account/security",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(msg.Subject)
	fmt.Println(msg.Links)
	// Output:
	// Reset your Rampart password
	// [https://registry.example/-/reset?token=abc123 https://registry.example/-/account/security]
}

// The embedded default: no SMTP relay configured, so mail lands in a
// folder and its links in the log.
func ExampleNewOutbox() {
	dir, _ := os.MkdirTemp("", "outbox")
	defer os.RemoveAll(dir)

	outbox, err := rmail.NewOutbox(dir, slog.New(slog.NewTextHandler(os.Stderr, nil)))
	if err != nil {
		fmt.Println(err)
		return
	}
	var mailer rmail.Mailer = outbox // or an *SMTPMailer when SMTP is configured
	err = mailer.Send(context.Background(), rmail.Message{
		To:      []string{"alice@example.com"},
		Subject: "Verify your email address for Rampart",
		Text:    "Open https://registry.example/-/verify?token=abc123\n",
		Links:   []string{"https://registry.example/-/verify?token=abc123"},
		Kind:    rmail.KindVerifyEmail,
	})
	fmt.Println(err)
	// Output: <nil>
}
