package server

import (
	"log/slog"
	"time"

	"github.com/rampart/rampart/internal/config"
)

// logSecurityContact warns, at start-up, when /.well-known/security.txt
// serves nothing (no contact configured) or when its expiry is past, near
// or too far ahead (config.SecurityContact.Warnings), read on the
// server's clock.
func logSecurityContact(sc config.SecurityContact, now func() time.Time, log *slog.Logger) {
	if now == nil {
		now = time.Now
	}
	for _, w := range sc.Warnings(now()) {
		log.Warn(w, "security_contact_expires", sc.Expires)
	}
}
