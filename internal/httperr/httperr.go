// Package httperr is the one place where domain errors become HTTP
// responses. Every front-end (npm, the JSON API, the web UI) maps errors
// through Status, so a kind of error means the same status everywhere.
package httperr

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/redact"
)

// Status maps an error kind to its HTTP status.
func Status(k core.Kind) int {
	switch k {
	case core.KindInvalid:
		return http.StatusBadRequest
	case core.KindUnauthenticated, core.KindOTPRequired:
		return http.StatusUnauthorized
	case core.KindForbidden:
		return http.StatusForbidden
	case core.KindNotFound:
		return http.StatusNotFound
	case core.KindConflict:
		return http.StatusConflict
	case core.KindTooLarge:
		return http.StatusRequestEntityTooLarge
	case core.KindRateLimited:
		return http.StatusTooManyRequests
	case core.KindWrongMethod:
		return http.StatusMethodNotAllowed
	case core.KindUpstream:
		return http.StatusBadGateway
	default:
		return http.StatusInternalServerError
	}
}

// Table lists every kind with its status, for docs/errors.md and tests.
func Table() []struct {
	Kind   core.Kind
	Status int
} {
	kinds := []core.Kind{core.KindInvalid, core.KindUnauthenticated, core.KindOTPRequired, core.KindForbidden,
		core.KindNotFound, core.KindConflict, core.KindTooLarge, core.KindRateLimited, core.KindWrongMethod, core.KindUpstream, core.KindDataFault, core.KindInternal}
	out := make([]struct {
		Kind   core.Kind
		Status int
	}, len(kinds))
	for i, k := range kinds {
		out[i].Kind, out[i].Status = k, Status(k)
	}
	return out
}

// SetHeaders adds the headers an error kind implies: Retry-After for rate
// limits, Allow for a method a path does not take, and npm's OTP
// challenge (its own comma-separated element, which is what the npm CLI
// looks for).
func SetHeaders(w http.ResponseWriter, err error) int {
	k := core.KindOf(err)
	switch k {
	case core.KindRateLimited:
		secs := int(core.RetryAfterOf(err).Seconds())
		w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
	case core.KindOTPRequired:
		w.Header().Set("WWW-Authenticate", "OTP")
	case core.KindWrongMethod:
		w.Header().Set("Allow", strings.Join(core.AllowOf(err), ", "))
	}
	return Status(k)
}

// WriteJSON writes err as {"error": "<message>"}: the field the npm CLI
// prints. Internal errors are logged with their detail (and the request's
// URL without its secrets) and answered with a generic message.
func WriteJSON(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	status := SetHeaders(w, err)
	if status == http.StatusInternalServerError {
		log.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", redact.URL(r.URL), "err", err)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": core.Message(err)})
}
