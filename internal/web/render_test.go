package web

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rampart/rampart/internal/core"
)

// TestStatusLogsNoSecrets: the web UI's internal errors (pages and the
// WebAuthn JSON endpoints alike go through status) are logged without the
// secrets in the URL.
func TestStatusLogsNoSecrets(t *testing.T) {
	const secret = "Sup3rSecretValue0123456789"
	var logs bytes.Buffer
	h := &Handler{log: slog.New(slog.NewTextHandler(&logs, nil))}
	for _, target := range []string{pathCLILogin + secret, "/reset-password?token=" + secret} {
		w := httptest.NewRecorder()
		if got := h.status(w, httptest.NewRequest(http.MethodGet, target, nil), core.Errorf(core.KindInternal, "disk on fire")); got != http.StatusInternalServerError {
			t.Errorf("%s: status %d", target, got)
		}
	}
	out := logs.String()
	if strings.Contains(out, secret) || strings.Count(out, "REDACTED") != 2 {
		t.Fatalf("want two logged errors with their URLs redacted:\n%s", out)
	}
}
