package web_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/config"
)

// hostileReadme tries every way we know for a README to run script.
const hostileReadme = "# Widget heading\n\n" +
	"Some **bold** text and [a safe link](https://example.com/docs).\n\n" +
	"<script>window.__pwned = 1</script>\n\n" +
	"<img src=x onerror=\"window.__pwned = 1\">\n\n" +
	"[click](javascript:alert(1)) [caps](JaVaScRiPt:alert(1)) [vb](vbscript:msgbox(1)) [data](data:text/html,<b>x</b>)\n\n" +
	"<javascript:alert(2)>\n\n" +
	"![img](javascript:alert(3))\n\n" +
	"Inline <span onclick=\"x()\">raw</span> HTML.\n"

// liveURL matches an attribute that a browser would follow to run script.
var liveURL = regexp.MustCompile(`(?i)(href|src|action)\s*=\s*["']?\s*(javascript|vbscript|data:text)`)

func TestSecurityHeadersOnEveryPage(t *testing.T) {
	e := newEnv(t, "")
	alice := e.user("alice")
	e.publish(alice, pkgSpec{name: "left-pad", version: "1.0.0", description: "pads"})
	for _, path := range []string{"/", "/search?q=pad", "/package/left-pad", "/package/nope", "/~alice", "/login", "/policies/unpublish", "/no/such/page/~x"} {
		t.Run(path, func(t *testing.T) {
			w := e.browserGet(path)
			h := w.Header()
			want := map[string]string{
				"Content-Security-Policy": "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self' https: data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
				"X-Content-Type-Options":  "nosniff",
				"Referrer-Policy":         "same-origin",
				"Cache-Control":           "no-store",
				"Content-Type":            "text/html; charset=utf-8",
			}
			// "/no/such/page/~x" is not a page of the web UI: the npm
			// protocol's 404 is shown as the error page, with the same
			// headers.
			for k, v := range want {
				if got := h.Get(k); got != v {
					t.Errorf("%s: %q, want %q", k, got, v)
				}
			}
		})
	}
}

func TestHomeListsRecentPackages(t *testing.T) {
	e := newEnv(t, "")
	alice := e.user("alice")
	e.publish(alice, pkgSpec{name: "left-pad", version: "1.0.0", description: "pads strings"})
	e.publish(alice, pkgSpec{name: "right-pad", version: "2.0.0", description: "pads the other side"})
	w := e.browserGet("/")
	wantStatus(t, w, http.StatusOK)
	body := w.Body.String()
	wantContains(t, body, `action="/search"`, `href="/package/left-pad"`, `href="/package/right-pad"`, "pads the other side", `href="/~alice"`, `href="/login?next=%2f"`)
	// newest first
	if strings.Index(body, "right-pad") > strings.Index(body, "left-pad") {
		t.Error("right-pad, published last, is not listed first")
	}
}

func TestSearch(t *testing.T) {
	e := newEnv(t, "")
	alice := e.user("alice")
	e.publish(alice, pkgSpec{name: "@alice/widget", version: "1.2.3", description: "a <b>widget</b>"})
	e.publish(alice, pkgSpec{name: "gadget", version: "0.1.0", description: "a gadget"})

	w := e.browserGet("/search?q=widget")
	wantStatus(t, w, http.StatusOK)
	body := w.Body.String()
	wantContains(t, body, `href="/package/@alice/widget"`, "1.2.3", "a &lt;b&gt;widget&lt;/b&gt;", `href="/~alice"`, `value="widget"`)
	wantNotContains(t, body, "gadget", "<b>widget</b>")

	w = e.browserGet("/search?q=" + url.QueryEscape(`"><script>alert(1)</script>`))
	wantStatus(t, w, http.StatusOK)
	wantContains(t, w.Body.String(), "No packages match", "&lt;script&gt;alert(1)&lt;/script&gt;")
	wantNotContains(t, w.Body.String(), "<script>")

	wantContains(t, e.browserGet("/search").Body.String(), "Type a name")
}

func TestPackagePage(t *testing.T) {
	e := newEnv(t, "")
	alice := e.user("alice")
	extra := map[string]any{
		"license":    "MIT",
		"repository": map[string]any{"type": "git", "url": "git+https://github.com/acme/widget.git"},
		"homepage":   "javascript:alert(1)",
		"keywords":   []string{"ui", "widgets"},
	}
	e.publish(alice, pkgSpec{name: "@alice/widget", version: "1.0.0", description: "old", readme: "old readme", extra: extra})
	e.publish(alice, pkgSpec{name: "@alice/widget", version: "1.1.0", description: "A <i>useful</i> widget", readme: hostileReadme, extra: extra})
	if err := e.svc.Registry.Deprecate(t.Context(), authz.Principal{User: alice}, "@alice/widget", map[string]string{"1.0.0": "use 1.1.0, it fixes <everything>"}); err != nil {
		t.Fatal(err)
	}

	w := e.browserGet("/package/@alice/widget")
	wantStatus(t, w, http.StatusOK)
	body := w.Body.String()
	wantContains(t, body,
		`<h1 class="pkgname">@alice/widget</h1>`,
		"A &lt;i&gt;useful&lt;/i&gt; widget",
		"npm install @alice/widget",
		"<h1>Widget heading</h1>",
		"<strong>bold</strong>",
		`<a href="https://example.com/docs" rel="nofollow ugc noopener noreferrer">a safe link</a>`,
		`href="https://github.com/acme/widget"`,
		"MIT",
		`href="/~alice"`,
		"1.1.0", "1.0.0",
		"Deprecated: use 1.1.0, it fixes &lt;everything&gt;",
		`<th>latest</th><td>1.1.0</td>`,
		`href="/search?q=widgets"`,
	)
	// The README's markup is rendered, never its script or handlers.
	wantNotContains(t, body, "<script", "onerror", "onclick", "__pwned = 1</script>", "alice@example.com", "argon2")
	if m := liveURL.FindString(body); m != "" {
		t.Errorf("page has a live dangerous URL: %s", m)
	}
	wantContains(t, body, "<p>javascript:alert(2)</p>") // the refused autolink, as inert text
	if !strings.Contains(body, "<!-- raw HTML omitted -->") {
		t.Error("raw HTML was not omitted")
	}
}

func TestPackageNotFound(t *testing.T) {
	e := newEnv(t, "")
	w := e.browserGet("/package/nope")
	wantStatus(t, w, http.StatusNotFound)
	wantContains(t, w.Body.String(), "package nope was not found")

	w = e.browserGet("/package/" + url.PathEscape("<script>x</script>"))
	wantStatus(t, w, http.StatusNotFound)
	wantNotContains(t, w.Body.String(), "<script>x")
}

func TestRestrictedPackageIsHidden(t *testing.T) {
	e := newEnv(t, "")
	alice, _ := e.user("alice"), e.user("bob")
	e.publish(alice, pkgSpec{name: "@alice/secret", version: "1.0.0", description: "top secret thing", access: "restricted"})
	e.publish(alice, pkgSpec{name: "@alice/open", version: "1.0.0", description: "open thing"})

	for _, who := range []struct {
		name    string
		cookies []*http.Cookie
		sees    bool
	}{
		{"anonymous", nil, false},
		{"bob", []*http.Cookie{e.signIn("bob")}, false},
		{"alice", []*http.Cookie{e.signIn("alice")}, true},
	} {
		t.Run(who.name, func(t *testing.T) {
			pages := []string{"/", "/search?q=thing", "/~alice"}
			for _, p := range pages {
				w := e.browserGet(p, who.cookies...)
				wantStatus(t, w, http.StatusOK)
				wantContains(t, w.Body.String(), "@alice/open")
				if got := strings.Contains(w.Body.String(), "@alice/secret"); got != who.sees {
					t.Errorf("%s: shows @alice/secret = %v, want %v", p, got, who.sees)
				}
			}
			w := e.browserGet("/package/@alice/secret", who.cookies...)
			if who.sees {
				wantStatus(t, w, http.StatusOK)
				wantContains(t, w.Body.String(), "restricted", "top secret thing")
			} else {
				wantStatus(t, w, http.StatusNotFound)
				wantNotContains(t, w.Body.String(), "top secret thing")
			}
		})
	}
}

func TestUserPage(t *testing.T) {
	e := newEnv(t, "")
	alice := e.user("alice")
	e.user("bob")
	e.publish(alice, pkgSpec{name: "left-pad", version: "1.0.0", description: "pads strings"})

	w := e.browserGet("/~alice")
	wantStatus(t, w, http.StatusOK)
	wantContains(t, w.Body.String(), "<h1>~alice</h1>", `href="/package/left-pad"`, "pads strings")
	wantNotContains(t, w.Body.String(), "alice@example.com")

	wantContains(t, e.browserGet("/~bob").Body.String(), "maintains no packages")

	w = e.browserGet("/~nobody")
	wantStatus(t, w, http.StatusNotFound)
	wantContains(t, w.Body.String(), `there is no user named &#34;nobody&#34;`)
}

func TestLoginAndLogout(t *testing.T) {
	e := newEnv(t, "")
	e.user("alice")

	w := e.browserGet("/login?next=/package/left-pad")
	wantStatus(t, w, http.StatusOK)
	wantContains(t, w.Body.String(), `<form class="login" action="/login" method="post">`, `name="next" value="/package/left-pad"`)

	w = e.postForm("/login", url.Values{"name": {"alice"}, "password": {"wrong password!"}, "next": {"/package/left-pad"}})
	wantStatus(t, w, http.StatusUnauthorized)
	wantContains(t, w.Body.String(), "incorrect user name or password", `value="alice"`)
	if sessionCookie(w) != nil {
		t.Fatal("a failed sign-in set a session cookie")
	}

	w = e.postForm("/login", url.Values{"name": {"alice"}, "password": {testPassword}, "next": {"/package/left-pad"}})
	wantStatus(t, w, http.StatusSeeOther)
	if loc := w.Header().Get("Location"); loc != "/package/left-pad" {
		t.Errorf("Location %q, want /package/left-pad", loc)
	}
	c := sessionCookie(w)
	if c == nil {
		t.Fatal("no session cookie")
	}
	if !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.MaxAge <= 0 {
		t.Errorf("session cookie %+v: want HttpOnly, Secure (localhost), SameSite=Lax, Path=/, a max age", c)
	}

	w = e.browserGet("/", c)
	wantContains(t, w.Body.String(), `signed in as <a href="/~alice">alice</a>`, `action="/logout"`)
	wantNotContains(t, w.Body.String(), ">Sign in<")

	w = e.postForm("/logout", url.Values{}, c)
	wantStatus(t, w, http.StatusSeeOther)
	if loc := w.Header().Get("Location"); loc != "/" {
		t.Errorf("Location %q after sign-out, want /", loc)
	}
	if cleared := sessionCookie(w); cleared == nil || cleared.MaxAge >= 0 {
		t.Errorf("sign-out did not clear the cookie: %+v", cleared)
	}
	// The old cookie no longer signs anyone in: the session ended server-side.
	w = e.browserGet("/", c)
	wantNotContains(t, w.Body.String(), "signed in as")
}

func TestSessionCookieNotSecureOnPlainHTTP(t *testing.T) {
	e := newEnv(t, "http://registry.internal:4873/")
	e.user("alice")
	if c := e.signIn("alice"); c.Secure {
		t.Error("cookie is Secure on a plain-http public URL that is not localhost: browsers would drop it")
	}
	e = newEnv(t, "https://registry.example/")
	e.user("alice")
	if c := e.signIn("alice"); !c.Secure {
		t.Error("cookie is not Secure on an https public URL")
	}
}

func TestLoginRefusesOpenRedirects(t *testing.T) {
	e := newEnv(t, "")
	e.user("alice")
	for _, next := range []string{
		"", "//evil.example", "//evil.example/path", "https://evil.example/", "http:evil.example",
		`/\evil.example`, "/\t/evil.example", "/\n/evil.example", "javascript:alert(1)", "evil.example", "///evil.example",
	} {
		w := e.postForm("/login", url.Values{"name": {"alice"}, "password": {testPassword}, "next": {next}})
		wantStatus(t, w, http.StatusSeeOther)
		if loc := w.Header().Get("Location"); loc != "/" {
			t.Errorf("next=%q: Location %q, want /", next, loc)
		}
	}
	w := e.postForm("/login", url.Values{"name": {"alice"}, "password": {testPassword}, "next": {"/search?q=a+b"}})
	if loc := w.Header().Get("Location"); loc != "/search?q=a+b" {
		t.Errorf("a local next was not kept: Location %q", loc)
	}
	// The form's hidden field is sanitized too.
	wantContains(t, e.browserGet("/login?next=//evil.example").Body.String(), `name="next" value="/"`)
}

func TestCrossOriginPostsAreRefused(t *testing.T) {
	e := newEnv(t, "")
	e.user("alice")
	form := url.Values{"name": {"alice"}, "password": {testPassword}}
	for _, tc := range []struct{ name, site, origin string }{
		{"fetch metadata", "cross-site", "https://evil.example"},
		{"origin only", "", "https://evil.example"},
		{"same site, other origin", "same-site", "https://sub.localhost:4873"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := e.postFormFrom(tc.site, tc.origin, "/login", form)
			wantStatus(t, w, http.StatusForbidden)
			wantContains(t, w.Body.String(), "sent from another site")
			if sessionCookie(w) != nil {
				t.Error("a cross-origin sign-in set a session cookie")
			}
			if csp := w.Header().Get("Content-Security-Policy"); csp == "" {
				t.Error("refusal page has no CSP")
			}
		})
	}
	c := e.signIn("alice")
	w := e.postFormFrom("cross-site", "https://evil.example", "/logout", url.Values{}, c)
	wantStatus(t, w, http.StatusForbidden)
	wantContains(t, e.browserGet("/", c).Body.String(), "signed in as")

	// The public origin is trusted even when a proxy rewrites Host.
	w = e.postFormFrom("", "http://localhost:4873", "/login", form)
	wantStatus(t, w, http.StatusSeeOther)
}

func TestLoginRateLimited(t *testing.T) {
	e := newEnv(t, "", func(c *config.Config) { c.Login.FreeFailures = 2 })
	e.user("alice")
	bad := url.Values{"name": {"alice"}, "password": {"not the password"}}
	var w *httptest.ResponseRecorder
	for range 4 {
		w = e.postForm("/login", bad)
	}
	wantStatus(t, w, http.StatusTooManyRequests)
	wantContains(t, w.Body.String(), "too many failed sign-in attempts")
	if w.Header().Get("Retry-After") == "" {
		t.Error("no Retry-After")
	}
}

func TestLoginNeedsBothFields(t *testing.T) {
	e := newEnv(t, "")
	w := e.postForm("/login", url.Values{"name": {"alice"}})
	wantStatus(t, w, http.StatusBadRequest)
	wantContains(t, w.Body.String(), "enter your user name and password")
}

func TestPolicies(t *testing.T) {
	e := newEnv(t, "")
	w := e.browserGet("/policies/unpublish")
	wantStatus(t, w, http.StatusOK)
	wantContains(t, w.Body.String(), "<h1>", "</h1>")

	// Any client (curl, a terminal link) gets the same page under /-/.
	r := httptest.NewRequest(http.MethodGet, "/-/policies/unpublish", nil)
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, r)
	wantStatus(t, rec, http.StatusOK)
	if article(rec.Body.String()) != article(w.Body.String()) || article(w.Body.String()) == "" {
		t.Error("/-/policies/unpublish differs from /policies/unpublish")
	}
	if rec.Header().Get("Content-Security-Policy") == "" {
		t.Error("no CSP on /-/policies/")
	}

	wantStatus(t, e.browserGet("/policies/nope"), http.StatusNotFound)
}

// article returns the policy text of a page.
func article(page string) string {
	_, s, _ := strings.Cut(page, `<article class="prose">`)
	s, _, _ = strings.Cut(s, "</article>")
	return s
}

func TestRouting(t *testing.T) {
	e := newEnv(t, "")
	alice := e.user("alice")
	e.publish(alice, pkgSpec{name: "left-pad", version: "1.0.0", description: "pads"})

	// A browser opening a packument or a tarball gets the npm protocol.
	w := e.browserGet("/left-pad")
	wantStatus(t, w, http.StatusOK)
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("browser GET /left-pad: Content-Type %q, want the packument", ct)
	}
	w = e.browserGet("/left-pad/-/left-pad-1.0.0.tgz")
	wantStatus(t, w, http.StatusOK)
	if ct := w.Header().Get("Content-Type"); strings.HasPrefix(ct, "text/html") {
		t.Error("browser tarball download got an HTML page")
	}

	// npm asking for a package named "search" is not the search page.
	r := httptest.NewRequest(http.MethodGet, "/search", nil)
	r.Header.Set("Accept", "application/json")
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, r)
	if strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
		t.Error("npm GET /search got the HTML search page")
	}

	// Static files are served to anyone, with nosniff and a real type.
	r = httptest.NewRequest(http.MethodGet, "/-/static/style.css", nil)
	rec = httptest.NewRecorder()
	e.h.ServeHTTP(rec, r)
	wantStatus(t, rec, http.StatusOK)
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/css") {
		t.Errorf("style.css Content-Type %q", ct)
	}
	if rec.Header().Get("X-Content-Type-Options") != "nosniff" {
		t.Error("no nosniff on static files")
	}
	r = httptest.NewRequest(http.MethodGet, "/-/static/", nil)
	rec = httptest.NewRecorder()
	e.h.ServeHTTP(rec, r)
	wantStatus(t, rec, http.StatusNotFound)
}

// TestPackageWithoutReadme: npm's placeholder for a missing README is not
// shown as if it were one; the page says there is none.
func TestPackageWithoutReadme(t *testing.T) {
	e := newEnv(t, "")
	alice := e.user("alice")
	e.publish(alice, pkgSpec{name: "bare", version: "1.0.0", readme: "ERROR: No README data found!"})
	body := e.browserGet("/package/bare").Body.String()
	wantContains(t, body, "This package has no README.")
	if strings.Contains(body, "No README data found") {
		t.Fatalf("the page shows npm's placeholder:\n%s", body)
	}
}
