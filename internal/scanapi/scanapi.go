// Package scanapi is the HTTP front-end of secret scanning: the report
// endpoint secret scanners call, POST /-/secret-scanning/<scanner>, in
// GitHub's partner-programme format, and the HTTP client that fetches a
// scanner's public keys. It translates only: internal/secretscan
// verifies, decides and revokes.
package scanapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/httperr"
	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/quote"
	"github.com/rampart/rampart/internal/secretscan"
)

// Path is the endpoint's pattern, for the server's mux. It takes every
// method, so that a wrong one is answered 405 naming POST.
const Path = "/-/secret-scanning/{scanner}"

// The headers that carry a report's signature (GitHub's names; other
// scanners in the same format use them too).
const (
	HeaderKeyID     = "Github-Public-Key-Identifier"
	HeaderSignature = "Github-Public-Key-Signature"
)

// Handler serves the report endpoint.
type Handler struct {
	svc *secretscan.Service
	log *slog.Logger
}

// New returns the endpoint's handler.
func New(svc *secretscan.Service, log *slog.Logger) *Handler {
	return &Handler{svc: svc, log: log}
}

// ServeHTTP reads the raw body within limits.MaxScanReportBytes (the
// server's body deadline bounds the time), has the service verify and act
// on it, and answers the labels as a JSON array.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		httperr.WriteJSON(w, r, h.log, core.WrongMethod([]string{http.MethodPost}, "%s takes only POST, not %s",
			quote.Untrusted(r.URL.Path), quote.Untrusted(r.Method)))
		return
	}
	if r.ContentLength > limits.MaxScanReportBytes {
		httperr.WriteJSON(w, r, h.log, tooLarge())
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limits.MaxScanReportBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		var ce *core.Error
		switch {
		case errors.As(err, &mbe):
			err = tooLarge()
		case errors.As(err, &ce):
			// The server's body deadline says why, in its own words.
		default:
			err = core.Errorf(core.KindInvalid, "the report's body could not be read: %w", err)
		}
		httperr.WriteJSON(w, r, h.log, err)
		return
	}
	labels, err := h.svc.Report(r.Context(), r.PathValue("scanner"), r.Header.Get(HeaderKeyID), r.Header.Get(HeaderSignature), body)
	if err != nil {
		httperr.WriteJSON(w, r, h.log, err)
		return
	}
	if labels == nil {
		labels = []secretscan.Label{}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(labels)
}

func tooLarge() error {
	return core.Errorf(core.KindTooLarge, "the report is larger than %s; send the matches in several reports", quote.MiB(limits.MaxScanReportBytes))
}

// FetchKeys returns a secretscan.Fetch over c: a GET that must answer
// 200 with at most limits.MaxScanKeysBytes.
func FetchKeys(c *http.Client) secretscan.Fetch {
	return func(ctx context.Context, url string) ([]byte, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Accept", "application/json")
		resp, err := c.Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
		}
		b, err := io.ReadAll(io.LimitReader(resp.Body, limits.MaxScanKeysBytes+1))
		if err != nil {
			return nil, err
		}
		if len(b) > limits.MaxScanKeysBytes {
			return nil, fmt.Errorf("GET %s: the key list is larger than %d bytes", url, limits.MaxScanKeysBytes)
		}
		return b, nil
	}
}
