package scanapi

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rampart/rampart/internal/limits"
)

func TestFetchKeysBounds(t *testing.T) {
	body := `{"public_keys":[]}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok":
			w.Write([]byte(body))
		case "/big":
			w.Write([]byte(strings.Repeat(" ", limits.MaxScanKeysBytes+1)))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	fetch := FetchKeys(srv.Client())
	if b, err := fetch(t.Context(), srv.URL+"/ok"); err != nil || string(b) != body {
		t.Fatalf("ok: %q %v", b, err)
	}
	if _, err := fetch(t.Context(), srv.URL+"/big"); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("oversized key list: %v", err)
	}
	if _, err := fetch(t.Context(), srv.URL+"/gone"); err == nil || !strings.Contains(err.Error(), "404") {
		t.Fatalf("404: %v", err)
	}
}

func TestWrongMethodIs405(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle(Path, New(nil, nil))
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/-/secret-scanning/github", nil))
	if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != "POST" || !strings.Contains(rec.Body.String(), "takes only POST") {
		t.Fatalf("GET: %d %q %s", rec.Code, rec.Header().Get("Allow"), rec.Body)
	}
}
