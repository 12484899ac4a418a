package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
)

// TestHostPrefixedCookiesOnHTTPS: on an https public URL every cookie the
// web UI sets carries the __Host- prefix (so Secure, Path=/, no Domain),
// which browsers accept only from this origin over https; a cookie under
// a plain name, as a sibling subdomain could plant it, is ignored. The
// two-step sign-in works under the prefixed pending cookie.
func TestHostPrefixedCookiesOnHTTPS(t *testing.T) {
	e := newEnv(t, "https://registry.example/")
	e.user("alice")
	e.user("mallory")

	w := e.postForm("/login", url.Values{"name": {"alice"}, "password": {testPassword}})
	wantStatus(t, w, http.StatusSeeOther)
	wantHostCookies(t, w.Result().Cookies(), "__Host-rampart_session", "__Host-rampart_device")
	session := sessionCookie(w)
	wantContains(t, e.browserGet("/", session).Body.String(), `signed in as <a href="/~alice">alice</a>`)

	// A valid session planted under the plain name signs nobody in, even
	// sent first, before the real one.
	planted := &http.Cookie{Name: "rampart_session", Value: e.signIn("mallory").Value}
	wantNotContains(t, e.browserGet("/", planted).Body.String(), "signed in as")
	body := e.browserGet("/", planted, session).Body.String()
	wantContains(t, body, `signed in as <a href="/~alice">alice</a>`)
	wantNotContains(t, body, "mallory")

	// The second sign-in step, with the pending cookie under its prefix.
	m := secretRE.FindStringSubmatch(e.browserGet("/account/mfa", session).Body.String())
	if m == nil {
		t.Fatal("no TOTP secret on the MFA page")
	}
	now := time.Now()
	code, err := totp.GenerateCode(m[1], now)
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, e.postForm("/account/mfa/confirm", url.Values{"code": {code}}, session), http.StatusOK)
	w = e.postForm("/login", url.Values{"name": {"alice"}, "password": {testPassword}})
	wantStatus(t, w, http.StatusOK)
	wantHostCookies(t, w.Result().Cookies(), "__Host-rampart_pending")
	var pending *http.Cookie
	for _, c := range w.Result().Cookies() {
		if c.Name == "__Host-rampart_pending" {
			pending = c
		}
	}
	// The plain name is not read.
	next, err := totp.GenerateCode(m[1], now.Add(30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	w = e.postForm("/login/otp", url.Values{"code": {next}}, &http.Cookie{Name: "rampart_pending", Value: pending.Value})
	if w.Code == http.StatusSeeOther {
		t.Fatal("a pending sign-in under the plain cookie name was finished")
	}
	w = e.postForm("/login/otp", url.Values{"code": {next}}, pending)
	wantStatus(t, w, http.StatusSeeOther)
	wantHostCookies(t, w.Result().Cookies(), "__Host-rampart_pending", "__Host-rampart_session", "__Host-rampart_device")

	// Signing out clears the prefixed cookie.
	w = e.postForm("/logout", url.Values{}, sessionCookie(w))
	wantStatus(t, w, http.StatusSeeOther)
	if c := sessionCookie(w); c == nil || c.Name != "__Host-rampart_session" || c.MaxAge >= 0 {
		t.Errorf("sign-out set %+v, want __Host-rampart_session cleared", c)
	}
}

// wantHostCookies checks that cookies are exactly names, each valid under
// the __Host- rules.
func wantHostCookies(t *testing.T, cookies []*http.Cookie, names ...string) {
	t.Helper()
	var got []string
	for _, c := range cookies {
		got = append(got, c.Name)
		if !strings.HasPrefix(c.Name, "__Host-") || !c.Secure || c.Path != "/" || c.Domain != "" || !c.HttpOnly {
			t.Errorf("cookie %+v: want a __Host- name, Secure, Path=/, no Domain, HttpOnly", c)
		}
	}
	if strings.Join(got, " ") != strings.Join(names, " ") {
		t.Errorf("cookies set: %v, want %v", got, names)
	}
}

// TestPlainCookieNamesOnLocalhost: browsers refuse the __Host- prefix on
// http://localhost, so the plain names stay there.
func TestPlainCookieNamesOnLocalhost(t *testing.T) {
	e := newEnv(t, "")
	e.user("alice")
	w := e.postForm("/login", url.Values{"name": {"alice"}, "password": {testPassword}})
	wantStatus(t, w, http.StatusSeeOther)
	for _, c := range w.Result().Cookies() {
		if strings.HasPrefix(c.Name, "__Host-") {
			t.Errorf("cookie %s on http://localhost", c.Name)
		}
	}
	if c := sessionCookie(w); c == nil || c.Name != "rampart_session" || !c.Secure {
		t.Fatalf("session cookie %+v, want rampart_session, Secure (localhost)", c)
	}
	wantContains(t, e.browserGet("/", sessionCookie(w)).Body.String(), "signed in as")
}
