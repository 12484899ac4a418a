package httperr

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"

	"github.com/rampart/rampart/internal/diskspace"
)

// TestFullDiskIs507: a write that failed with ENOSPC deep in a backend is
// answered 507 with "registry out of space" in npm's error field, not a
// generic 500; the path stays in the log.
func TestFullDiskIs507(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	w := httptest.NewRecorder()
	err := fmt.Errorf("storing tarball: %w", &fs.PathError{Op: "write", Path: "/srv/rampart/blobs/tmp-123", Err: syscall.ENOSPC})
	WriteJSON(w, httptest.NewRequest(http.MethodPut, "/left-pad", nil), log, err)
	var body struct{ Error string }
	if w.Code != http.StatusInsufficientStorage || json.Unmarshal(w.Body.Bytes(), &body) != nil || body.Error != diskspace.ErrFull.Error() {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	if strings.Contains(w.Body.String(), "/srv/rampart") || !strings.Contains(logs.String(), "/srv/rampart") {
		t.Fatalf("the path belongs in the log, not the answer:\nbody %s\nlog %s", w.Body, logs.String())
	}
}
