package web_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/rampart/rampart/internal/secondfactor"
)

// postWebAuthn posts JSON to a WebAuthn endpoint as webauthn.js does.
func (e *env) postWebAuthn(endpoint, body string, cookies ...*http.Cookie) *httptest.ResponseRecorder {
	e.t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/-/webauthn/"+endpoint, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	for _, c := range cookies {
		r.AddCookie(c)
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	return w
}

// TestBreachedPasswordGatesWebAuthnAPI: a session whose password was found
// in a breach may only change it, on the JSON endpoints as on the pages;
// it cannot add a security key or passkey first.
func TestBreachedPasswordGatesWebAuthnAPI(t *testing.T) {
	e := newEnv(t, "")
	u := e.user("carol")
	setPasswordUnchecked(t, e, u, "qwertyuiop")
	w := e.postForm("/login", url.Values{"name": {"carol"}, "password": {"qwertyuiop"}})
	wantStatus(t, w, http.StatusSeeOther)
	c := sessionCookie(w)
	if c == nil {
		t.Fatal("no session cookie")
	}
	kind := `{"kind": "` + secondfactor.KeyPasskey + `"}`
	// passkey/begin asks nothing of the account service about the
	// session, so only the gate refuses it.
	for _, ep := range []string{"register/begin", "register/finish", "passkey/begin"} {
		w := e.postWebAuthn(ep, kind, c)
		wantStatus(t, w, http.StatusForbidden)
		var body struct{ Error string }
		if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
			t.Fatalf("%s: %v: %s", ep, err, w.Body)
		}
		if !strings.Contains(body.Error, "data breach") || !strings.Contains(body.Error, "/account/password") {
			t.Errorf("%s: error %q does not say to change the password first", ep, body.Error)
		}
		if ct := w.Header().Get("Content-Type"); ct != "application/json" {
			t.Errorf("%s: Content-Type %q", ep, ct)
		}
		for _, ck := range w.Result().Cookies() {
			if strings.HasSuffix(ck.Name, "rampart_webauthn") && ck.Value != "" {
				t.Errorf("%s: a WebAuthn ceremony was started", ep)
			}
		}
	}

	// Once changed, the same session registers keys.
	w = e.postForm("/account/password", url.Values{"current": {"qwertyuiop"}, "password": {newPassword}}, c)
	wantStatus(t, w, http.StatusSeeOther)
	if nc := sessionCookie(w); nc != nil {
		c = nc
	}
	wantStatus(t, e.postWebAuthn("register/begin", kind, c), http.StatusOK)
	wantStatus(t, e.postWebAuthn("passkey/begin", "{}", c), http.StatusOK)
}
