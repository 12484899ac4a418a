package web_test

import (
	"html"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/rampart/rampart/internal/config"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/testclock"
)

// tokenValueRE finds the token on the page that shows it once.
var tokenValueRE = regexp.MustCompile(`<code id="token-value">(rmp_[0-9A-Za-z]+)</code>`)

// mfaSession signs name in and turns on an authenticator app through the
// MFA page, so that the session has just passed a second factor (as the
// registry requires of anyone creating tokens). It returns the session
// and a code source on clock.
func (e *env) mfaSession(name string, clock *testclock.Clock) (*http.Cookie, func() string) {
	e.t.Helper()
	session := e.signIn(name)
	m := secretRE.FindStringSubmatch(e.browserGet("/account/mfa", session).Body.String())
	if m == nil {
		e.t.Fatal("no TOTP secret on the MFA page")
	}
	code := func() string {
		c, err := totp.GenerateCode(m[1], clock.Now())
		if err != nil {
			e.t.Fatal(err)
		}
		return c
	}
	wantStatus(e.t, e.postForm("/account/mfa/confirm", url.Values{"code": {code()}}, session), http.StatusOK)
	return session, code
}

// bearerGet sends a GET as npm does, with a token, from addr.
func (e *env) bearerGet(target, tok, addr string) *httptest.ResponseRecorder {
	e.t.Helper()
	r := httptest.NewRequest(http.MethodGet, target, nil)
	r.RemoteAddr = addr + ":40000"
	r.Header.Set("Accept", "application/json")
	r.Header.Set("Authorization", "Bearer "+tok)
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	return w
}

// TestWebTokenCreate: a read-only token for one restricted package, usable
// from one range, created on the web. Its value is shown once, in the
// page (not a URL), with the npm line to store it; it reads that package
// as a bearer token from the range and nothing else; the account page and
// the mail show only its mask.
func TestWebTokenCreate(t *testing.T) {
	clock := testclock.New(time.Now().Truncate(time.Second))
	e := newEnvAt(t, clock)
	alice := e.user("alice")
	e.publish(alice, pkgSpec{name: "@alice/secret", version: "1.0.0", access: "restricted"})
	e.publish(alice, pkgSpec{name: "@alice/other", version: "1.0.0", access: "restricted"})

	// Signed out, the form asks to sign in and comes back.
	w := e.browserGet("/account/tokens/new")
	wantStatus(t, w, http.StatusSeeOther)
	if loc := w.Header().Get("Location"); loc != "/login?next=%2Faccount%2Ftokens%2Fnew" {
		t.Fatalf("anonymous form redirects to %q", loc)
	}

	session, _ := e.mfaSession("alice", clock)
	// The account page links to the form.
	wantContains(t, e.browserGet("/account", session).Body.String(), `href="/account/tokens/new"`)

	w = e.browserGet("/account/tokens/new", session)
	wantStatus(t, w, http.StatusOK)
	if cc := w.Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("form: Cache-Control %q", cc)
	}
	body := w.Body.String()
	wantContains(t, body, `action="/account/tokens" method="post"`, `name="name"`, `name="days"`,
		`name="action" value="read" checked`, `name="action" value="publish">`, `name="action" value="manage">`,
		`name="packages"`, `name="cidrs"`, `name="password" type="password"`)

	form := url.Values{
		"name":     {"ci reader"},
		"days":     {"30"},
		"action":   {"read"},
		"packages": {"@alice/secret\r\n"},
		"cidrs":    {"192.0.2.0/24\r\n"},
		"password": {testPassword},
	}
	w = e.postForm("/account/tokens", form, session)
	wantStatus(t, w, http.StatusOK)
	if cc, loc := w.Header().Get("Cache-Control"), w.Header().Get("Location"); cc != "no-store" || loc != "" {
		t.Errorf("result page: Cache-Control %q, Location %q", cc, loc)
	}
	body = w.Body.String()
	m := tokenValueRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no token on the result page:\n%s", body)
	}
	value := m[1]
	wantContains(t, body, "shown only this once", "npm config set //localhost:4873/:_authToken="+value,
		"//localhost:4873/:_authToken=${NPM_TOKEN}", "ci reader", "<code>@alice/secret</code>", "<code>192.0.2.0/24</code>")
	if n := strings.Count(body, value); n != 2 {
		t.Errorf("the value is on the result page %d times, want 2 (the token and the npm line)", n)
	}

	// The value is a working token with exactly those scopes.
	p, err := e.svc.Authn.Authenticate(t.Context(), value, netip.MustParseAddr("192.0.2.7"))
	if err != nil {
		t.Fatalf("authenticating the new token: %v", err)
	}
	if tok := p.Token; tok.Kind != core.TokenAPI || !slices.Equal(tok.Actions, []core.TokenAction{core.TokenRead}) ||
		!slices.Equal(tok.Packages, []string{"@alice/secret"}) || !slices.Equal(tok.CIDRs, []string{"192.0.2.0/24"}) ||
		tok.ExpiresAt.Sub(clock.Now()) != 30*24*time.Hour || tok.MFAVerifiedAt.IsZero() {
		t.Errorf("token %+v", tok)
	}
	wantStatus(t, e.bearerGet("/@alice%2fsecret", value, "192.0.2.7"), http.StatusOK)
	if w := e.bearerGet("/@alice%2fother", value, "192.0.2.7"); w.Code == http.StatusOK {
		t.Errorf("a token for @alice/secret read @alice/other: %s", w.Body)
	}
	w = e.bearerGet("/@alice%2fsecret", value, "198.51.100.7")
	wantStatus(t, w, http.StatusForbidden)
	wantContains(t, w.Body.String(), "may only be used from 192.0.2.0/24")

	// Afterwards only the mask is shown, and the mail names the token
	// without its value.
	body = e.browserGet("/account", session).Body.String()
	wantNotContains(t, body, value)
	wantContains(t, body, p.Token.Mask+"…", "ci reader")
	mails, err := filepath.Glob(filepath.Join(e.cfg.Data, "outbox", "*.eml"))
	if err != nil {
		t.Fatal(err)
	}
	var mailed bool
	for _, f := range mails {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), value) {
			t.Errorf("%s holds the token's value", f)
		}
		mailed = mailed || strings.Contains(string(b), "A new API token was created")
	}
	if !mailed {
		t.Error("no mail about the new token")
	}
}

// TestWebTokenFormErrors: a refused form comes back with the input kept
// (never the password) and the reason; nothing is created.
func TestWebTokenFormErrors(t *testing.T) {
	clock := testclock.New(time.Now().Truncate(time.Second))
	e := newEnvAt(t, clock)
	e.user("alice")
	session, _ := e.mfaSession("alice", clock)

	base := url.Values{
		"name":     {"deploy <bot>"},
		"days":     {"30"},
		"action":   {"publish", "manage"},
		"packages": {"acme-lib\n@acme/*"},
		"cidrs":    {"10.0.0.0/8"},
		"password": {"not the password at all"},
	}
	with := func(k, v string) url.Values {
		f := url.Values{}
		for key, vs := range base {
			f[key] = slices.Clone(vs)
		}
		if v == "" {
			delete(f, k)
		} else {
			f.Set(k, v)
		}
		if k != "password" {
			f.Set("password", testPassword)
		}
		return f
	}

	w := e.postForm("/account/tokens", base, session)
	wantStatus(t, w, http.StatusUnauthorized)
	body := w.Body.String()
	wantContains(t, body, `<p class="error" role="alert">incorrect password; creating a token needs your current password</p>`,
		`value="deploy &lt;bot&gt;"`, `value="30"`, `value="publish" checked`, `value="manage" checked`, `name="action" value="read">`,
		">acme-lib\n@acme/*</textarea>", ">10.0.0.0/8</textarea>")
	wantNotContains(t, body, "not the password at all")

	for _, c := range []struct {
		name   string
		form   url.Values
		status int
		msg    string
	}{
		{"publish token too long", with("days", "91"), http.StatusBadRequest,
			"token expiry of 91 days is not allowed: tokens that can publish or manage may live at most 90 days"},
		{"read-only token too long", func() url.Values { f := with("days", "366"); f["action"] = []string{"read"}; return f }(), http.StatusBadRequest,
			"token expiry of 366 days is not allowed: read-only tokens may live at most 365 days"},
		{"expiry not a number", with("days", "soon"), http.StatusBadRequest, html.EscapeString(`the expiry must be a whole number of days, at least 1 (leave it empty for the default), not "soon"`)},
		{"expiry zero", with("days", "0"), http.StatusBadRequest, "the expiry must be a whole number of days, at least 1"},
		{"no action", with("action", ""), http.StatusBadRequest, "choose what the token may do: read, publish or manage"},
		{"bad package", with("packages", "acme-lib\nNot A/Name"), http.StatusBadRequest, html.EscapeString(`"Not" is not a package name or a scope pattern like @acme/*`)},
		{"bad range", with("cidrs", "10.0.0.0/8\n10.0.0.300/32"), http.StatusBadRequest, html.EscapeString(`"10.0.0.300/32" is not a CIDR range like 192.0.2.0/24`)},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := e.postForm("/account/tokens", c.form, session)
			wantStatus(t, w, c.status)
			body := w.Body.String()
			wantContains(t, body, c.msg, `action="/account/tokens"`, `value="deploy &lt;bot&gt;"`)
			wantNotContains(t, body, testPassword, "rmp_")
		})
	}

	w = e.postForm("/account/tokens", with("name", strings.Repeat("n", 129)), session)
	wantStatus(t, w, http.StatusBadRequest)
	wantContains(t, w.Body.String(), "the token name is 129 characters long; use at most 128")

	// Sent from another site, the form is refused before anything runs.
	w = e.postFormFrom("cross-site", "https://evil.example", "/account/tokens", with("days", "30"), session)
	wantStatus(t, w, http.StatusForbidden)
	wantContains(t, w.Body.String(), "sent from another site")

	p := e.svc.Authn.WebPrincipal(t.Context(), session.Value, netip.MustParseAddr("192.0.2.1"))
	toks, err := e.svc.Authn.Tokens(t.Context(), p)
	if err != nil {
		t.Fatal(err)
	}
	if len(toks) != 0 {
		t.Fatalf("refused forms created %d tokens", len(toks))
	}
}

// TestWebTokenFormLimits: the form states the configured lifetimes (when
// the account service tells them) and a longer expiry is refused with the
// configured bound.
func TestWebTokenFormLimits(t *testing.T) {
	e := newEnv(t, "", func(c *config.Config) {
		c.MFA.InsecureMaintainersWithoutMFA = true // no second factor needed here
		c.Tokens.DefaultDays, c.Tokens.PublishMaxDays, c.Tokens.ReadOnlyMaxDays = 14, 60, 200
	})
	e.user("alice")
	session := e.signIn("alice")
	body := e.browserGet("/account/tokens/new", session).Body.String()
	wantContains(t, body, `max="200"`, "Leave empty for 14 days", "at most 60 days", "at most 200 days")
	w := e.postForm("/account/tokens", url.Values{"action": {"read", "publish"}, "days": {"61"}, "password": {testPassword}}, session)
	wantStatus(t, w, http.StatusBadRequest)
	wantContains(t, w.Body.String(), "tokens that can publish or manage may live at most 60 days")
	w = e.postForm("/account/tokens", url.Values{"action": {"read"}, "password": {testPassword}}, session)
	wantStatus(t, w, http.StatusOK)
	wantContains(t, w.Body.String(), "shown only this once")
}

// TestWebTokenStepUp: with the session's second factor older than the
// step-up window, the POST sends the browser to confirm it and back to
// the form; after confirming, the token is created.
func TestWebTokenStepUp(t *testing.T) {
	clock := testclock.New(time.Now().Truncate(time.Second))
	e := newEnvAt(t, clock)
	e.user("alice")
	session, code := e.mfaSession("alice", clock)
	clock.Advance(20 * time.Minute)

	form := url.Values{"name": {"late"}, "action": {"read"}, "password": {testPassword}}
	post := func() *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodPost, "/account/tokens", strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("Accept", "text/html")
		r.Header.Set("Sec-Fetch-Site", "same-origin")
		r.Header.Set("Referer", "http://"+r.Host+"/account/tokens/new") // the form's page
		r.AddCookie(session)
		w := httptest.NewRecorder()
		e.h.ServeHTTP(w, r)
		return w
	}
	w := post()
	wantStatus(t, w, http.StatusSeeOther)
	if loc := w.Header().Get("Location"); loc != "/account/confirm?next=%2Faccount%2Ftokens%2Fnew" {
		t.Fatalf("stale step-up redirects to %q", loc)
	}
	w = e.postForm("/account/confirm", url.Values{"code": {code()}, "next": {"/account/tokens/new"}}, session)
	wantStatus(t, w, http.StatusSeeOther)
	if loc := w.Header().Get("Location"); loc != "/account/tokens/new" {
		t.Fatalf("confirming returns to %q", loc)
	}
	w = post()
	wantStatus(t, w, http.StatusOK)
	if tokenValueRE.FindString(w.Body.String()) == "" {
		t.Fatalf("no token after the step-up:\n%s", w.Body)
	}
}
