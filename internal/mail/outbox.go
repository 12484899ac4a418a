package mail

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"net/mail"
	"os"
	"path/filepath"
	"time"
)

// OutboxFrom is the From header of outbox messages.
const OutboxFrom = "Rampart <rampart@localhost>"

// Outbox writes each message as an RFC 5322 .eml file into a folder and
// logs where it went, with its links. It stands in for SMTP on a local
// install: the operator opens the file, or copies the link from the log.
// It is safe for concurrent use.
type Outbox struct {
	dir  string
	log  *slog.Logger
	from *mail.Address
	now  func() time.Time
	// prune bounds the folder (outboxprune.go).
	prune pruneState
}

var _ Mailer = (*Outbox)(nil)

// NewOutbox makes dir (mode 0700, as the messages carry one-time links)
// and returns an Outbox writing into it. An existing dir that others can
// read is narrowed to 0700. A nil log means slog.Default().
func NewOutbox(dir string, log *slog.Logger) (*Outbox, error) {
	if dir == "" {
		return nil, fmt.Errorf("%w: outbox folder is empty", ErrInvalidConfig)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("mail: outbox: %w", err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("mail: outbox: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("mail: outbox %s is not a folder", dir)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return nil, fmt.Errorf("mail: outbox: narrowing permissions: %w", err)
		}
	}
	if log == nil {
		log = slog.Default()
	}
	from, err := mail.ParseAddress(OutboxFrom)
	if err != nil {
		return nil, err
	}
	return &Outbox{dir: dir, log: log, from: from, now: time.Now}, nil
}

// Dir is the folder the outbox writes to.
func (o *Outbox) Dir() string { return o.dir }

// Send implements Mailer. The file appears whole or not at all: it is
// written to a hidden temporary file, synced, and renamed to
// <UTC time>-<kind>-<random>.eml (mode 0600). Send then logs, at INFO,
// "mail written to outbox" with to, subject, file and links.
func (o *Outbox) Send(ctx context.Context, m Message) error {
	if err := m.Validate(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("mail: outbox %s: %w", m.Kind, err)
	}
	now := o.now().UTC()
	msg, err := m.build(o.from, now)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if _, err := msg.WriteTo(&buf); err != nil {
		return fmt.Errorf("mail: outbox: formatting %s: %w", m.Kind, err)
	}
	kind := m.Kind
	if kind == "" {
		kind = "mail"
	}
	name := fmt.Sprintf("%s-%s-%s.eml", now.Format("20060102T150405.000000000Z"), kind, rand.Text()[:10])
	path := filepath.Join(o.dir, name)
	if err := writeFileAtomic(o.dir, name, buf.Bytes()); err != nil {
		return fmt.Errorf("mail: outbox: %w", err)
	}
	o.log.LogAttrs(ctx, slog.LevelInfo, "mail written to outbox",
		slog.String("kind", m.Kind),
		slog.Any("to", m.To),
		slog.String("subject", m.Subject),
		slog.String("file", path),
		slog.Any("links", m.Links))
	o.maybePrune()
	return nil
}

// writeFileAtomic writes data to dir/name through a temporary file in the
// same folder, so readers never see a partial file, and syncs the folder
// so the new name survives a crash.
func writeFileAtomic(dir, name string, data []byte) (err error) {
	f, err := os.CreateTemp(dir, ".tmp-*.eml") // mode 0600
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
