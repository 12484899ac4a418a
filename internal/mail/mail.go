// Package mail sends Rampart's mail: email verification and password
// reset links, and the security notices that tell a user (or a package's
// maintainers) that something happened to their account or package.
//
// Two Mailers exist. SMTPMailer hands each message to an SMTP relay over
// STARTTLS (the default), implicit TLS, or, for loopback test servers only,
// plain text. Outbox writes each message as an .eml file into a folder and
// logs its links; it is what the embedded default uses when no SMTP relay is
// configured, so a local operator can still finish sign up.
//
// The texts come from Render, which fills one embedded template per notice
// kind from a typed Notice.
package mail

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Message is one mail, ready to send. Render (or NewMessage) fills Subject,
// Text and Links; the caller names the recipients.
type Message struct {
	// To are bare addresses (user@example.com, no display names). Every
	// recipient sees every other one, so send one Message per recipient
	// unless they already know each other's addresses.
	To      []string
	Subject string // one line; CR and LF are refused
	Text    string // plain text, UTF-8
	// Links are the actionable URLs in Text (a verification or reset link,
	// the account security page). The Outbox mailer logs them; the SMTP
	// mailer never does.
	Links []string
	// Kind names the template the message came from, e.g. "verify_email".
	// It appears in the outbox file name and in log lines; it may be empty.
	Kind string
}

// Mailer sends mail.
//
// Send returns nil once the message is accepted: by the SMTP relay (it
// answered the end of DATA with 250), or durably written to the outbox
// folder. Accepted is not delivered: the relay may still bounce it later.
// Send validates m first and returns an error wrapping ErrInvalidMessage,
// without any network or disk access, when an address or the subject could
// inject headers or is otherwise malformed.
//
// Send honours ctx: when ctx ends first, Send abandons the attempt and
// returns an error wrapping ctx.Err(); the message may or may not have been
// accepted.
//
// Send never logs secrets such as SMTP credentials or the body of a
// message. The one exception is deliberate: the Outbox mailer logs a
// message's Links, which may carry one-time tokens (email verification,
// password reset), because on a local install without SMTP the operator's
// log is how those links reach the user. Do not use the Outbox where the
// log is readable by people who must not act on other users' behalf.
//
// Implementations are safe for concurrent use.
type Mailer interface {
	Send(ctx context.Context, m Message) error
}

var (
	// ErrInvalidMessage marks a Message that Send refuses to send: a
	// missing or malformed recipient, a CR or LF in a header, an empty
	// subject or body.
	ErrInvalidMessage = errors.New("invalid mail message")
	// ErrInvalidConfig marks an SMTPConfig that does not pass Validate.
	ErrInvalidConfig = errors.New("invalid mail configuration")
	// ErrAuthFailed means the SMTP relay rejected the configured username
	// and password.
	ErrAuthFailed = errors.New("SMTP authentication failed")
	// ErrTLSUnavailable means the relay does not offer STARTTLS although
	// the configuration requires it. Rampart never falls back to plain
	// text on its own.
	ErrTLSUnavailable = errors.New("SMTP relay does not offer STARTTLS")
)

// maxRecipients bounds To; notices go to one user or a package's owners.
const maxRecipients = 100

var kindPattern = regexp.MustCompile(`^[a-z0-9_]{1,64}$`)

// Validate reports why m cannot be sent, wrapping ErrInvalidMessage.
func (m Message) Validate() error {
	if len(m.To) == 0 {
		return fmt.Errorf("%w: no recipient", ErrInvalidMessage)
	}
	if len(m.To) > maxRecipients {
		return fmt.Errorf("%w: %d recipients, at most %d", ErrInvalidMessage, len(m.To), maxRecipients)
	}
	for _, to := range m.To {
		if err := checkAddress(to); err != nil {
			return fmt.Errorf("%w: recipient: %w", ErrInvalidMessage, err)
		}
	}
	if strings.TrimSpace(m.Subject) == "" {
		return fmt.Errorf("%w: empty subject", ErrInvalidMessage)
	}
	if hasControl(m.Subject) {
		return fmt.Errorf("%w: subject %q contains a line break or control character", ErrInvalidMessage, m.Subject)
	}
	if strings.TrimSpace(m.Text) == "" {
		return fmt.Errorf("%w: empty body", ErrInvalidMessage)
	}
	for _, l := range m.Links {
		if err := checkURL(l); err != nil {
			return fmt.Errorf("%w: link: %w", ErrInvalidMessage, err)
		}
	}
	if m.Kind != "" && !kindPattern.MatchString(m.Kind) {
		return fmt.Errorf("%w: kind %q is not lower-case letters, digits and underscores", ErrInvalidMessage, m.Kind)
	}
	return nil
}

// checkAddress accepts a bare address (user@example.com) and nothing else:
// no display name, no group, no line break.
func checkAddress(addr string) error {
	if hasControl(addr) {
		return fmt.Errorf("address %q contains a line break or control character", addr)
	}
	a, err := mail.ParseAddress(addr)
	if err != nil {
		return fmt.Errorf("address %q: %w", addr, err)
	}
	if a.Address != addr || a.Name != "" {
		return fmt.Errorf("address %q must be a bare address such as user@example.com", addr)
	}
	if len(addr) > 254 {
		return fmt.Errorf("address %q is longer than 254 bytes", addr)
	}
	return nil
}

// hasControl reports whether s holds CR, LF or another control character,
// any of which could end a header line early.
func hasControl(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool {
		return r < 0x20 || r == 0x7f || r == '\u0085' || r == '\u2028' || r == '\u2029'
	})
}

// build turns m into a go-mail message with the given From header. The
// Message-ID's right-hand side is the From address's domain.
func (m Message) build(from *mail.Address, date time.Time) (*gomail.Msg, error) {
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	msg.FromMailAddress(from)
	if err := msg.To(m.To...); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidMessage, err)
	}
	msg.Subject(m.Subject)
	msg.SetDateWithValue(date)
	msg.SetMessageIDWithValue(rand.Text() + "@" + domainOf(from.Address))
	// RFC 3834: automatic mail; tells auto-responders not to answer it.
	msg.SetGenHeader("Auto-Submitted", "auto-generated")
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	return msg, nil
}

func domainOf(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		return addr[i+1:]
	}
	return "localhost"
}
