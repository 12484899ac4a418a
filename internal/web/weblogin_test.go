package web_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// npmJSON sends a request as npm does (JSON, no browser headers).
func (e *env) npmJSON(method, target, body string) *httptest.ResponseRecorder {
	e.t.Helper()
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Accept", "application/json")
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	return w
}

// TestNPMWebLoginProtocol checks the answers npm relies on: the two URLs,
// 202 with a JSON body and Retry-After while pending, the token once
// after approval, and 404 after that.
func TestNPMWebLoginProtocol(t *testing.T) {
	e := newEnv(t, "")
	e.user("alice")
	w := e.npmJSON(http.MethodPost, "/-/v1/login", "{}")
	wantStatus(t, w, http.StatusOK)
	var urls struct{ LoginURL, DoneURL string }
	if err := json.Unmarshal(w.Body.Bytes(), &urls); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(urls.LoginURL, "http://localhost:4873/login/cli/") || !strings.HasPrefix(urls.DoneURL, "http://localhost:4873/-/v1/done/") {
		t.Fatalf("URLs %+v", urls)
	}
	done := strings.TrimPrefix(urls.DoneURL, "http://localhost:4873")
	login := strings.TrimPrefix(urls.LoginURL, "http://localhost:4873")

	w = e.npmJSON(http.MethodGet, done, "")
	wantStatus(t, w, http.StatusAccepted)
	if w.Header().Get("Retry-After") != "1" || strings.TrimSpace(w.Body.String()) != "{}" {
		t.Fatalf("pending poll: Retry-After %q, body %q", w.Header().Get("Retry-After"), w.Body)
	}

	// Signed out, the login page sends the browser to sign in first.
	w = e.browserGet(login)
	wantStatus(t, w, http.StatusSeeOther)
	if loc := w.Header().Get("Location"); loc != "/login?next="+login {
		t.Fatalf("login page redirects to %s", loc)
	}
	c := e.signIn("alice")
	w = e.browserGet(login, c)
	wantStatus(t, w, http.StatusOK)
	wantContains(t, w.Body.String(), "npm CLI on 192.0.2.1")
	// Another site cannot approve for the user.
	w = e.postFormFrom("cross-site", "https://evil.example", login, url.Values{}, c)
	wantStatus(t, w, http.StatusForbidden)
	w = e.npmJSON(http.MethodGet, done, "")
	wantStatus(t, w, http.StatusAccepted)

	w = e.postForm(login, url.Values{}, c)
	wantStatus(t, w, http.StatusOK)
	w = e.npmJSON(http.MethodGet, done, "")
	wantStatus(t, w, http.StatusOK)
	var tok struct{ Token string }
	if err := json.Unmarshal(w.Body.Bytes(), &tok); err != nil || !strings.HasPrefix(tok.Token, "rmp_") {
		t.Fatalf("token answer %s (%v)", w.Body, err)
	}
	r := httptest.NewRequest(http.MethodGet, "/-/whoami", nil)
	r.Header.Set("Authorization", "Bearer "+tok.Token)
	ww := httptest.NewRecorder()
	e.h.ServeHTTP(ww, r)
	wantStatus(t, ww, http.StatusOK)
	wantContains(t, ww.Body.String(), `"alice"`)

	// The token is handed out once.
	w = e.npmJSON(http.MethodGet, done, "")
	wantStatus(t, w, http.StatusNotFound)

	// npm adduser is sent to sign up first.
	w = e.npmJSON(http.MethodPost, "/-/v1/login", `{"create":true}`)
	wantStatus(t, w, http.StatusOK)
	if err := json.Unmarshal(w.Body.Bytes(), &urls); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(urls.LoginURL, "http://localhost:4873/signup?next=%2Flogin%2Fcli%2F") {
		t.Fatalf("adduser login URL %s", urls.LoginURL)
	}
}

// TestWebAuthnEndpointsRefuseOtherSites: the JSON endpoints are behind
// the same cross-origin protection as forms.
func TestWebAuthnEndpointsRefuseOtherSites(t *testing.T) {
	e := newEnv(t, "")
	e.user("alice")
	c := e.signIn("alice")
	for _, site := range []string{"cross-site", "same-origin"} {
		r := httptest.NewRequest(http.MethodPost, "/-/webauthn/register/begin", strings.NewReader(`{"kind":"passkey"}`))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Sec-Fetch-Site", site)
		if site == "cross-site" {
			r.Header.Set("Origin", "https://evil.example")
		}
		r.AddCookie(c)
		w := httptest.NewRecorder()
		e.h.ServeHTTP(w, r)
		want := http.StatusOK
		if site == "cross-site" {
			want = http.StatusForbidden
		}
		wantStatus(t, w, want)
		if site == "same-origin" {
			wantContains(t, w.Body.String(), `"challenge"`, `"residentKey":"required"`, `"userVerification":"required"`, `"id":"localhost"`)
		}
	}
}
