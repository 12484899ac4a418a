package server

import (
	"log/slog"
	"path/filepath"

	"github.com/rampart/rampart/internal/config"
	"github.com/rampart/rampart/internal/mail"
)

// openOutbox is the mailer without an SMTP relay: the outbox folder, kept
// to [mail] outbox_keep messages and outbox_max_age (docs/operations.md).
func openOutbox(cfg config.Config, log *slog.Logger) (mail.Mailer, error) {
	o, err := mail.NewOutbox(filepath.Join(cfg.Data, "outbox"), log)
	if err != nil {
		return nil, err
	}
	if err := o.SetRetention(mail.Retention{Keep: cfg.Mail.OutboxKeep, MaxAge: cfg.Mail.OutboxMaxAge.Duration}); err != nil {
		log.Warn("pruning the mail outbox folder failed", "err", err)
	}
	return o, nil
}
