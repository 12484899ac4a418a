package httperr

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestWriteJSONLogsNoSecrets: an internal error is logged with the
// request's URL, minus the secrets URLs can carry.
func TestWriteJSONLogsNoSecrets(t *testing.T) {
	const secret = "Sup3rSecretValue0123456789"
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	for _, target := range []string{"/-/v1/done/" + secret, "/-/user/token/" + secret, "/confirm-email?token=" + secret} {
		w := httptest.NewRecorder()
		WriteJSON(w, httptest.NewRequest(http.MethodGet, target, nil), log, errors.New("disk on fire"))
		if w.Code != http.StatusInternalServerError || strings.Contains(w.Body.String(), "disk on fire") {
			t.Errorf("%s: %d %s", target, w.Code, w.Body)
		}
	}
	out := logs.String()
	if strings.Contains(out, secret) || strings.Count(out, "REDACTED") != 3 || strings.Count(out, "disk on fire") != 3 {
		t.Fatalf("want three logged errors with their URLs redacted:\n%s", out)
	}
}
