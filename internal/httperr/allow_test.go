package httperr

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rampart/rampart/internal/core"
)

// TestWrongMethodIs405WithAllow: a method a resource does not take is
// answered 405, with Allow naming the ones it takes, and the message in
// the JSON body.
func TestWrongMethodIs405WithAllow(t *testing.T) {
	w := httptest.NewRecorder()
	err := core.WrongMethod([]string{"GET", "HEAD"}, "only GET or HEAD here")
	WriteJSON(w, httptest.NewRequest(http.MethodPatch, "/x", nil), slog.New(slog.DiscardHandler), err)
	if w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") != "GET, HEAD" ||
		!strings.Contains(w.Body.String(), `{"error":"only GET or HEAD here"}`) {
		t.Fatalf("%d Allow=%q %s", w.Code, w.Header().Get("Allow"), w.Body)
	}
	if Status(core.KindWrongMethod) != http.StatusMethodNotAllowed {
		t.Fatal("KindWrongMethod is not 405")
	}
}
