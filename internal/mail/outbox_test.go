package mail_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	rmail "github.com/rampart/rampart/internal/mail"
	"github.com/rampart/rampart/internal/testpeers/smtpd"
)

var outboxName = regexp.MustCompile(`^\d{8}T\d{6}\.\d{9}Z-verify_email-[A-Z2-7]{10}\.eml$`)

func TestOutboxWritesParseableMailAndLogsLinks(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "outbox")
	var logs bytes.Buffer
	o, err := rmail.NewOutbox(dir, slog.New(slog.NewJSONHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	msg := testMessage("alice@example.com")
	if err := o.Send(t.Context(), msg); err != nil {
		t.Fatal(err)
	}

	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o700 {
		t.Errorf("outbox folder mode = %o, want 700", perm)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Fatalf("outbox holds %d entries, want 1 (no temporary files left behind)", len(entries))
	}
	name := entries[0].Name()
	if !outboxName.MatchString(name) {
		t.Errorf("file name %q does not match %s", name, outboxName)
	}
	path := filepath.Join(dir, name)
	fi, err = os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("file mode = %o, want 600", perm)
	}

	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("net/mail cannot read the file: %v", err)
	}
	if to, err := parsed.Header.AddressList("To"); err != nil || len(to) != 1 || to[0].Address != "alice@example.com" {
		t.Errorf("To = %v (%v)", to, err)
	}
	if _, err := parsed.Header.Date(); err != nil {
		t.Errorf("Date: %v", err)
	}
	if parsed.Header.Get("Message-Id") == "" {
		t.Error("no Message-ID")
	}
	subject, text, err := smtpd.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if subject != msg.Subject || text != msg.Text {
		t.Errorf("decoded mail = %q / %q, want %q / %q", subject, text, msg.Subject, msg.Text)
	}

	var entry struct {
		Level, Msg, Subject, File, Kind string
		To, Links                       []string
	}
	if err := json.Unmarshal(logs.Bytes(), &entry); err != nil {
		t.Fatalf("log %q: %v", logs.String(), err)
	}
	if entry.Level != "INFO" || entry.Msg != "mail written to outbox" {
		t.Errorf("log line = %s", logs.String())
	}
	if entry.File != path || entry.Subject != msg.Subject || entry.Kind != msg.Kind ||
		!slices.Equal(entry.To, msg.To) || !slices.Equal(entry.Links, msg.Links) {
		t.Errorf("log line = %+v, want file %s, links %q", entry, path, msg.Links)
	}
}

func TestOutboxNarrowsAnOpenFolder(t *testing.T) {
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := rmail.NewOutbox(dir, discard()); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o700 {
		t.Errorf("mode = %o, want 700", perm)
	}
}

func TestOutboxConcurrentSends(t *testing.T) {
	dir := t.TempDir()
	o, err := rmail.NewOutbox(dir, discard())
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if err := o.Send(t.Context(), testMessage("alice@example.com")); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	entries, _ := os.ReadDir(dir)
	if len(entries) != 20 {
		t.Errorf("%d files, want 20", len(entries))
	}
}

func TestOutboxContextCancelled(t *testing.T) {
	dir := t.TempDir()
	o, err := rmail.NewOutbox(dir, discard())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := o.Send(ctx, testMessage("alice@example.com")); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("%d files written after cancellation", len(entries))
	}
}

func TestNewOutboxRefusesAFile(t *testing.T) {
	f := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(f, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := rmail.NewOutbox(f, discard()); err == nil {
		t.Fatal("NewOutbox accepted a regular file")
	}
	if _, err := rmail.NewOutbox("", discard()); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Fatalf("NewOutbox(\"\") = %v", err)
	}
}
