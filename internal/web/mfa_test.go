package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
)

var (
	secretRE   = regexp.MustCompile(`<code class="totp-secret">([A-Z2-7]+)</code>`)
	recoveryRE = regexp.MustCompile(`<li><code>([a-z0-9]{5}-[a-z0-9]{5})</code></li>`)
)

func pendingCookie(w interface{ Result() *http.Response }) *http.Cookie {
	for _, c := range w.Result().Cookies() {
		if c.Name == "rampart_pending" {
			return c
		}
	}
	return nil
}

func recoveryCodes(body string) []string {
	var out []string
	for _, m := range recoveryRE.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

// TestMFAPagesAndTwoStepSignIn: enrol an authenticator from the QR page,
// see the recovery codes once, sign in in two steps, regenerate the codes
// and turn the app off, all through the forms.
func TestMFAPagesAndTwoStepSignIn(t *testing.T) {
	e := newEnv(t, "")
	e.user("alice")
	session := e.signIn("alice")

	w := e.browserGet("/account/mfa", session)
	wantStatus(t, w, http.StatusOK)
	body := w.Body.String()
	wantContains(t, body, `src="data:image/png;base64,`, `action="/account/mfa/confirm"`, `id="ci"`, `href="/account/tokens/new"`, "Trusted publishing")
	if csp := w.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "img-src 'self' https: data:") {
		t.Fatalf("CSP %q does not allow the data: QR image", csp)
	}
	m := secretRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no secret on the page:\n%s", body)
	}
	secret := m[1]
	// A reload shows the same secret.
	if m2 := secretRE.FindStringSubmatch(e.browserGet("/account/mfa", session).Body.String()); m2 == nil || m2[1] != secret {
		t.Fatal("reloading the page changed the secret")
	}

	w = e.postForm("/account/mfa/confirm", url.Values{"code": {"000000"}}, session)
	wantStatus(t, w, http.StatusUnauthorized)
	wantContains(t, w.Body.String(), "that code is not valid", `action="/account/mfa/confirm"`)

	now := time.Now()
	code, err := totp.GenerateCode(secret, now)
	if err != nil {
		t.Fatal(err)
	}
	w = e.postForm("/account/mfa/confirm", url.Values{"code": {code}}, session)
	wantStatus(t, w, http.StatusOK)
	codes := recoveryCodes(w.Body.String())
	if len(codes) != 10 {
		t.Fatalf("%d recovery codes shown, want 10:\n%s", len(codes), w.Body)
	}
	w = e.browserGet("/account/mfa", session)
	wantContains(t, w.Body.String(), "Recovery codes left: <strong>10</strong>", `action="/account/mfa/disable"`)
	if recoveryRE.MatchString(w.Body.String()) {
		t.Fatal("the recovery codes are shown a second time")
	}

	// Signing in now takes a second step; the password alone signs no one in.
	w = e.postForm("/login", url.Values{"name": {"alice"}, "password": {testPassword}, "next": {"/account"}})
	wantStatus(t, w, http.StatusOK)
	wantContains(t, w.Body.String(), `action="/login/otp"`)
	if sessionCookie(w) != nil {
		t.Fatal("the password step set a session cookie")
	}
	pending := pendingCookie(w)
	if pending == nil || pending.Value == "" || !pending.HttpOnly {
		t.Fatalf("pending cookie %+v", pending)
	}
	if w := e.browserGet("/account", pending); w.Code != http.StatusSeeOther {
		t.Fatalf("a pending sign-in opened the account page: status %d", w.Code)
	}
	w = e.postForm("/login/otp", url.Values{"code": {"000000"}, "next": {"/account"}}, pending)
	wantStatus(t, w, http.StatusUnauthorized)
	wantContains(t, w.Body.String(), "not valid", `action="/login/otp"`)
	// The code it used to confirm is spent; the next step's code works.
	w = e.postForm("/login/otp", url.Values{"code": {code}, "next": {"/account"}}, pending)
	wantStatus(t, w, http.StatusUnauthorized)
	next, err := totp.GenerateCode(secret, now.Add(30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	w = e.postForm("/login/otp", url.Values{"code": {next}, "next": {"/account"}}, pending)
	wantStatus(t, w, http.StatusSeeOther)
	if loc := w.Header().Get("Location"); loc != "/account" {
		t.Fatalf("redirect to %q, want /account", loc)
	}
	session2 := sessionCookie(w)
	if session2 == nil {
		t.Fatal("no session after the second step")
	}
	wantStatus(t, e.browserGet("/account", session2), http.StatusOK)
	// The pending sign-in is spent.
	w = e.postForm("/login/otp", url.Values{"code": {codes[0]}}, pending)
	wantStatus(t, w, http.StatusUnauthorized)
	wantContains(t, w.Body.String(), "your sign-in expired", `action="/login"`)

	// New recovery codes, with a recovery code as the factor.
	w = e.postForm("/account/mfa/recovery-codes", url.Values{"code": {codes[0]}}, session2)
	wantStatus(t, w, http.StatusOK)
	fresh := recoveryCodes(w.Body.String())
	if len(fresh) != 10 || fresh[0] == codes[0] {
		t.Fatalf("regenerated codes: %q", fresh)
	}

	// Turning off needs the password and a code.
	w = e.postForm("/account/mfa/disable", url.Values{"password": {"wrong password!"}, "code": {fresh[0]}}, session2)
	wantStatus(t, w, http.StatusUnauthorized)
	w = e.postForm("/account/mfa/disable", url.Values{"password": {testPassword}, "code": {codes[1]}}, session2)
	wantStatus(t, w, http.StatusUnauthorized) // an old code, replaced
	w = e.postForm("/account/mfa/disable", url.Values{"password": {testPassword}, "code": {fresh[0]}}, session2)
	wantStatus(t, w, http.StatusSeeOther)
	wantContains(t, e.browserGet("/account/mfa?disabled=1", session2).Body.String(), "Two-factor authentication is off.", `action="/account/mfa/confirm"`)
	e.signIn("alice") // one step again
}
