package server

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rampart/rampart/internal/identity"
)

// TestLinksOpenInAnyClient: a mailed link opened by a client that does
// not ask for HTML (curl, a mail client's preview) gets the page, while
// the npm CLI asking for a package of the same name still gets JSON.
func TestLinksOpenInAnyClient(t *testing.T) {
	h, _, _ := testHandler(t, nil)
	get := func(target, accept, ua string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodGet, target, nil)
		if accept != "" {
			r.Header.Set("Accept", accept)
		}
		if ua != "" {
			r.Header.Set("User-Agent", ua)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	for _, target := range []string{"/" + identity.PathVerifyEmail + "?token=abc", "/signup", "/login", "/" + identity.PathResetPassword + "?token=abc"} {
		for _, accept := range []string{"", "*/*"} {
			w := get(target, accept, "curl/8.5.0")
			if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
				t.Errorf("GET %s (Accept %q): Content-Type %q, want the page:\n%s", target, accept, ct, w.Body)
			}
		}
	}
	// npm asks for JSON: the name is a package's.
	w := get("/signup", "application/json", "npm/11.6.2 node/v22.0.0")
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") || w.Code != http.StatusNotFound {
		t.Errorf("npm GET /signup: %d %q, want npm's JSON 404:\n%s", w.Code, ct, w.Body)
	}
}

// TestBrowserNotFoundIsAPage: an unknown address opened in a browser
// shows the HTML error page with the reason; npm still reads JSON.
func TestBrowserNotFoundIsAPage(t *testing.T) {
	h, _, _ := testHandler(t, nil)
	r := httptest.NewRequest(http.MethodGet, "/no-such-package-here", nil)
	r.Header.Set("Accept", "text/html,application/xhtml+xml")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	body := w.Body.String()
	if w.Code != http.StatusNotFound || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") ||
		!strings.Contains(body, "<h1>404 Not Found</h1>") || !strings.Contains(body, "no-such-package-here") || strings.Contains(body, `{"error"`) {
		t.Fatalf("browser GET of an unknown address: %d %q\n%s", w.Code, w.Header().Get("Content-Type"), body)
	}
	if w.Header().Get("Content-Security-Policy") == "" {
		t.Error("the 404 page has no Content-Security-Policy")
	}
	r = httptest.NewRequest(http.MethodGet, "/no-such-package-here", nil)
	r.Header.Set("Accept", "application/json")
	w = httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusNotFound || !strings.Contains(w.Body.String(), `"error"`) {
		t.Fatalf("npm GET of an unknown package: %d\n%s", w.Code, w.Body)
	}
}
