package httperr

import (
	"encoding/json"
	"log/slog"
	"net/http"

	"github.com/rampart/rampart/internal/diskspace"
	"github.com/rampart/rampart/internal/redact"
)

// StatusOutOfSpace is a write refused for want of disk space: 507
// Insufficient Storage (RFC 4918), which tells the client the request was
// fine and the server is not, so a retry later may succeed.
const StatusOutOfSpace = http.StatusInsufficientStorage

// writeOutOfSpace answers a full disk with 507 and the one message
// (diskspace.ErrFull) in npm's error field, never the detail (paths, free
// bytes), which goes to the log for the operator.
func writeOutOfSpace(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	log.ErrorContext(r.Context(), "request refused: out of disk space", "method", r.Method, "path", redact.URL(r.URL), "err", err)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Retry-After", "300")
	w.WriteHeader(StatusOutOfSpace)
	json.NewEncoder(w).Encode(map[string]string{"error": diskspace.ErrFull.Error()})
}
