package smtpd_test

import (
	"crypto/tls"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/rampart/rampart/internal/testpeers/smtpd"
)

const qpMessage = "From: a@example.com\r\n" +
	"To: b@example.com\r\n" +
	"Subject: =?UTF-8?q?Gr=C3=BC=C3=9Fe?=\r\n" +
	"Content-Type: text/plain; charset=UTF-8\r\n" +
	"Content-Transfer-Encoding: quoted-printable\r\n" +
	"\r\n" +
	"Open https://example.com/verify?token=3D0123456789abcdef0123456789abcdef0123=\r\n" +
	"456789abcdef.\r\n" +
	"Then (http://example.org/x).\r\n"

// sendPlain sends over an unencrypted session, which go-smtp's SendMail
// refuses to do.
func sendPlain(addr string, auth sasl.Client, from string, to []string, r io.Reader) error {
	c, err := smtp.Dial(addr)
	if err != nil {
		return err
	}
	defer c.Close()
	if auth != nil {
		if err := c.Auth(auth); err != nil {
			return err
		}
	}
	if err := c.SendMail(from, to, r); err != nil {
		return err
	}
	return c.Quit()
}

func TestReceivesAndDecodes(t *testing.T) {
	srv := smtpd.Start(t)
	if err := sendPlain(srv.Addr, nil, "a@example.com", []string{"b@example.com"}, strings.NewReader(qpMessage)); err != nil {
		t.Fatal(err)
	}
	got := srv.WaitFor(t, "B@example.com", 5*time.Second)
	if got.From != "a@example.com" || !slices.Equal(got.To, []string{"b@example.com"}) {
		t.Errorf("envelope = %q -> %q", got.From, got.To)
	}
	if got.Subject != "Grüße" {
		t.Errorf("Subject = %q", got.Subject)
	}
	want := []string{"https://example.com/verify?token=0123456789abcdef0123456789abcdef0123456789abcdef", "http://example.org/x"}
	if links := got.Links(); !slices.Equal(links, want) {
		t.Errorf("Links() = %q, want %q", links, want)
	}
	if got.TLS || got.AuthUser != "" {
		t.Errorf("TLS = %v, AuthUser = %q on a plain server", got.TLS, got.AuthUser)
	}
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("Messages() has %d messages, want 1", n)
	}
}

func TestWaitForReturnsEachMessageOnce(t *testing.T) {
	srv := smtpd.Start(t)
	for _, subject := range []string{"one", "two"} {
		msg := "Subject: " + subject + "\r\n\r\nbody\r\n"
		if err := sendPlain(srv.Addr, nil, "a@example.com", []string{"b@example.com"}, strings.NewReader(msg)); err != nil {
			t.Fatal(err)
		}
	}
	if s := srv.WaitFor(t, "b@example.com", 5*time.Second).Subject; s != "one" {
		t.Errorf("first WaitFor: %q", s)
	}
	if s := srv.WaitFor(t, "b@example.com", 5*time.Second).Subject; s != "two" {
		t.Errorf("second WaitFor: %q", s)
	}
}

func TestWaitForBlocksUntilArrival(t *testing.T) {
	srv := smtpd.Start(t)
	go func() {
		time.Sleep(100 * time.Millisecond)
		sendPlain(srv.Addr, nil, "a@example.com", []string{"late@example.com"}, strings.NewReader("Subject: late\r\n\r\nx\r\n"))
	}()
	if s := srv.WaitFor(t, "late@example.com", 5*time.Second).Subject; s != "late" {
		t.Errorf("Subject = %q", s)
	}
}

func TestAuth(t *testing.T) {
	srv := smtpd.StartWithAuth(t, "rampart", "s3cret")
	msg := "Subject: hi\r\n\r\nx\r\n"

	err := sendPlain(srv.Addr, nil, "a@example.com", []string{"b@example.com"}, strings.NewReader(msg))
	if err == nil {
		t.Fatal("sending without AUTH succeeded")
	}
	err = sendPlain(srv.Addr, sasl.NewPlainClient("", "rampart", "wrong"), "a@example.com", []string{"b@example.com"}, strings.NewReader(msg))
	if err == nil || !strings.Contains(err.Error(), "Authentication failed") {
		t.Fatalf("wrong password: err = %v", err)
	}
	if err := sendPlain(srv.Addr, sasl.NewPlainClient("", "rampart", "s3cret"), "a@example.com", []string{"b@example.com"}, strings.NewReader(msg)); err != nil {
		t.Fatal(err)
	}
	if got := srv.WaitFor(t, "b@example.com", 5*time.Second); got.AuthUser != "rampart" {
		t.Errorf("AuthUser = %q", got.AuthUser)
	}
	want := []smtpd.AuthAttempt{{Username: "rampart", OK: false}, {Username: "rampart", OK: true}}
	if got := srv.AuthAttempts(); !slices.Equal(got, want) {
		t.Errorf("AuthAttempts = %+v, want %+v", got, want)
	}
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("%d messages accepted, want 1", n)
	}
}

func TestStartTLS(t *testing.T) {
	srv := smtpd.StartWith(t, smtpd.Options{STARTTLS: true, Username: "u", Password: "p"})
	plain, err := smtp.Dial(srv.Addr)
	if err != nil {
		t.Fatal(err)
	}
	if err := plain.Hello("localhost"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := plain.Extension("AUTH"); ok {
		t.Error("AUTH offered before STARTTLS")
	}
	if ok, _ := plain.Extension("STARTTLS"); !ok {
		t.Error("STARTTLS not offered")
	}
	plain.Close()

	c, err := smtp.DialStartTLS(srv.Addr, &tls.Config{ServerName: "127.0.0.1", RootCAs: srv.RootCAs})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Auth(sasl.NewPlainClient("", "u", "p")); err != nil {
		t.Fatal(err)
	}
	if err := c.SendMail("a@example.com", []string{"b@example.com"}, strings.NewReader("Subject: s\r\n\r\nx\r\n")); err != nil {
		t.Fatal(err)
	}
	if got := srv.WaitFor(t, "b@example.com", 5*time.Second); !got.TLS || got.AuthUser != "u" {
		t.Errorf("TLS = %v, AuthUser = %q", got.TLS, got.AuthUser)
	}
}

func TestParseMultipartBase64(t *testing.T) {
	msg := "Subject: multi\r\n" +
		"MIME-Version: 1.0\r\n" +
		"Content-Type: multipart/alternative; boundary=XX\r\n\r\n" +
		"--XX\r\nContent-Type: text/html\r\n\r\n<p>html</p>\r\n" +
		"--XX\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		"aGVsbG8gaHR0cHM6Ly9l\r\neGFtcGxlLmNvbS8K\r\n" +
		"--XX--\r\n"
	subject, text, err := smtpd.Parse([]byte(msg))
	if err != nil {
		t.Fatal(err)
	}
	if subject != "multi" || text != "hello https://example.com/\n" {
		t.Errorf("Parse = %q, %q", subject, text)
	}
}
