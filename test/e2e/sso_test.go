package e2e

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	oidcpeer "github.com/rampart/rampart/internal/testpeers/oidc"
	"github.com/rampart/rampart/internal/testserver"
)

// ssoFlow runs a sign-in the way a browser would, by HTTP: the registry's
// start page (which sets the flight cookie and sends to the provider),
// the provider's approval (which redirects with a code and the state),
// then the callback, after edit may change its query. It returns the
// callback's status, where it redirects and its body.
func ssoFlow(t *testing.T, s *testserver.Server, edit func(q url.Values)) (int, string, string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(u string) *http.Response {
		req, _ := http.NewRequest("GET", u, nil)
		req.Header.Set("Accept", "text/html")
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	resp := get(s.URL + "-/sso/corp?next=/account")
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("start: %d", resp.StatusCode)
	}
	resp = get(resp.Header.Get("Location"))
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("provider: %d", resp.StatusCode)
	}
	cb, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	q := cb.Query()
	if edit != nil {
		edit(q)
	}
	cb.RawQuery = q.Encode()
	resp = get(cb.String())
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

// TestSSORefusals: a callback whose state is not this browser's, an ID
// token with another nonce or for another audience, and an address the
// provider did not verify are all refused, and nobody is signed in; the
// honest flow links alice's account by her verified address and signs in.
func TestSSORefusals(t *testing.T) {
	t.Parallel()
	idp := oidcpeer.Start(t)
	idp.SetClient("rampart", "corp-client-secret")
	idp.SetUser(oidcpeer.LoginUser{Subject: "corp-7", Email: "alice@example.com", EmailVerified: true, Username: "alice.corp"})
	s := testserver.Start(t, testserver.Options{SMTP: true, Env: []string{"CORP_SSO_SECRET=corp-client-secret"}, Config: `
[access]
password_login = false

[[sso]]
name = "corp"
issuer = "` + idp.URL + `"
client_id = "rampart"
client_secret_env = "CORP_SSO_SECRET"
`})
	s.CreateUser(t, "alice", "alice@example.com", alicePW)
	refused := func(what string, status int, loc, body, why string) {
		t.Helper()
		if status != http.StatusUnauthorized && status != http.StatusForbidden || loc != "" || !strings.Contains(body, why) {
			t.Errorf("%s: status %d, Location %q; want a refusal saying %q:\n%s", what, status, loc, why, body)
		}
	}
	status, loc, body := ssoFlow(t, s, func(q url.Values) { q.Set("state", "forged-state") })
	refused("forged state", status, loc, body, "the state does not match this browser")

	idp.EditIDToken(func(c map[string]any) { c["nonce"] = "someone-elses-nonce" })
	status, loc, body = ssoFlow(t, s, nil)
	refused("wrong nonce", status, loc, body, "the identity token&#39;s nonce does not match")

	idp.EditIDToken(func(c map[string]any) { c["aud"] = "another-client" })
	status, loc, body = ssoFlow(t, s, nil)
	refused("wrong audience", status, loc, body, "the identity token does not verify")

	idp.EditIDToken(func(c map[string]any) { c["email_verified"] = false })
	status, loc, body = ssoFlow(t, s, nil)
	refused("unverified address", status, loc, body, "did not give a verified email address")

	// The honest flow: linked to alice's account by her verified address.
	idp.EditIDToken(nil)
	status, loc, body = ssoFlow(t, s, nil)
	if status != http.StatusSeeOther || loc != "/account" {
		t.Fatalf("honest sign-in: %d %q\n%s", status, loc, body)
	}

	// password_login = false: passwords are the administrators' only.
	out, err := anon(t, s).Interactive("", []string{"Username:", "Password:"}, []string{"alice", alicePW}, "login", "--auth-type=legacy")
	if err == nil || !strings.Contains(out, "password sign-in is turned off on this registry: sign in with corp at") {
		t.Fatalf("alice's password login: %v\n%s", err, out)
	}
	if out, err := s.Admin(t, bobPW+"\n", "user", "create", "--name", "root", "--email", "root@example.com", "--admin", "--verified", "--password-stdin"); err != nil {
		t.Fatalf("admin create: %v\n%s", err, out)
	}
	login(t, s, "root", bobPW)
	if status, body := browser(t, "GET", s.URL+"login", nil); status != http.StatusOK || strings.Contains(body, `action="/login"`) || !strings.Contains(body, "Sign in with corp") {
		t.Fatalf("sign-in page with passwords off: %d\n%s", status, body)
	}
	if _, body := browser(t, "GET", s.URL+"login?password=1", nil); !strings.Contains(body, `action="/login"`) {
		t.Fatalf("break-glass sign-in page has no password form:\n%s", body)
	}
}
