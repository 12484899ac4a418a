package browser

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/rampart/rampart/internal/testserver"
)

// hostileReadme tries every way we know for a README to run script.
const hostileReadme = "# Widget heading\n\n" +
	"Some **bold** text and [a safe link](https://example.com/docs).\n\n" +
	"<script>window.__pwned = 1</script>\n\n" +
	"<img src=x onerror=\"window.__pwned = 1\">\n\n" +
	"[click](javascript:alert(1)) [caps](JaVaScRiPt:alert(1)) [vb](vbscript:msgbox(1)) [data](data:text/html,<b>x</b>)\n\n" +
	"<javascript:alert(2)>\n\n" +
	"![img](javascript:alert(3))\n\n" +
	"Inline <span onclick=\"x()\">raw</span> HTML.\n" +
	"\n## Usage\n\n```js\nconst w = require('@alice/widget')\n```\n\n| option | default |\n|---|---|\n| size | 3 |\n"

// TestBrowserSearchPackageSignIn: alice publishes a package whose README
// tries to run script with the real npm CLI; in the browser, a visitor
// searches from the start page, opens the package page (the README renders,
// none of its script runs, the page has no script of its own), signs in
// through the form and comes back to the package, visits the user page
// and signs out. No Content Security Policy violation is reported.
//
// Set RAMPART_WEB_SCREENSHOT=/tmp/rampart-package.png to keep a picture of
// the package page.
func TestBrowserSearchPackageSignIn(t *testing.T) {
	t.Parallel()
	s := testserver.Start(t, testserver.Options{})
	s.CreateUser(t, "alice", "alice@example.com", alicePW)
	npm := testserver.NewNPM(t, s.URL)
	npm.Login("alice", alicePW, "")
	dir := writePkg(t, map[string]any{
		"name": "@alice/widget", "version": "1.0.0", "description": "A widget for tests",
		"license":    "MIT",
		"repository": map[string]any{"type": "git", "url": "git+https://github.com/acme/widget.git"},
		"keywords":   []string{"ui", "widget"},
	}, hostileReadme)
	mustContain(t, npm.MustRun(dir, "publish", "--access", "public").Output(), "+ @alice/widget@1.0.0")

	b := newBrowser(t, 90*time.Second, chromedp.WindowSize(1280, 900))

	// Search from the start page.
	b.run("search from the start page",
		chromedp.Navigate(s.URL),
		chromedp.WaitVisible(chromedp.CSS(`.hero input[name="q"]`)),
		chromedp.SendKeys(chromedp.CSS(`.hero input[name="q"]`), "widget"),
		chromedp.Submit(chromedp.CSS(`.hero input[name="q"]`)),
		// The start page lists packages too: wait for the results page.
		chromedp.WaitVisible(chromedp.CSS(`p.results`)),
	)
	if loc := b.location(); !strings.HasPrefix(loc, s.URL+"search?q=widget") {
		t.Fatalf("search went to %s", loc)
	}
	if got := b.text(`ul.hits a.name`); got != "@alice/widget" {
		t.Fatalf("first hit %q, want @alice/widget", got)
	}

	// Open the package page.
	b.run("open the package page",
		chromedp.Click(chromedp.CSS(`ul.hits a.name`)),
		chromedp.WaitVisible(chromedp.CSS(`h1.pkgname`)),
	)
	if got := b.text(`h1.pkgname`); got != "@alice/widget" {
		t.Fatalf("package page heading %q", got)
	}
	if got := b.text(`.readme h1`); got != "Widget heading" {
		t.Errorf("README heading renders as %q, want an <h1> Widget heading", got)
	}
	if got := b.text(`pre.install`); got != "npm install @alice/widget" {
		t.Errorf("install command %q", got)
	}
	// Our pages have no script at all, so any script element came from
	// the README; and none of the README's attempts may have run.
	if n := b.eval(`String(document.querySelectorAll("script").length)`); n != "0" {
		t.Errorf("%s script elements on the package page", n)
	}
	if got := b.eval(`typeof window.__pwned`); got != "undefined" {
		t.Errorf("window.__pwned is %s: README script ran", got)
	}
	if got := b.eval(`Array.from(document.querySelectorAll("[href],[src]")).map(e => e.getAttribute("href") || e.getAttribute("src") || "").filter(u => /^\s*(javascript|vbscript|data:text)/i.test(u)).join(" ")`); got != "" {
		t.Errorf("live script URLs on the page: %s", got)
	}
	if path := os.Getenv("RAMPART_WEB_SCREENSHOT"); path != "" {
		png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, png, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// Sign in through the form; it returns to the package page.
	b.run("open the sign-in page",
		chromedp.Click(chromedp.CSS(`nav.account a[href^="/login"]`)),
	)
	b.enterPassword("alice", alicePW, `nav.account .who`)
	b.signedInAs("alice")
	if loc := b.location(); loc != s.URL+"package/@alice/widget" {
		t.Errorf("after sign-in the browser is at %s, want the package page", loc)
	}
	// The session cookie is out of script's reach.
	if got := b.eval(`document.cookie`); strings.Contains(got, "rampart_session") {
		t.Errorf("document.cookie shows the session: %q", got)
	}

	// The user page lists the package.
	b.run("open the user page",
		chromedp.Click(chromedp.CSS(`nav.account .who a`)),
		chromedp.WaitVisible(chromedp.CSS(`ul.hits a.name`)),
	)
	if got := b.text(`main h1`); got != "~alice" {
		t.Errorf("user page heading %q", got)
	}
	if got := b.text(`ul.hits a.name`); got != "@alice/widget" {
		t.Errorf("user page lists %q", got)
	}

	// Sign out.
	b.signOut()
	if loc := b.location(); loc != s.URL {
		t.Errorf("after sign-out the browser is at %s", loc)
	}
	if got := b.eval(`document.body.innerText`); strings.Contains(got, "signed in as") {
		t.Error("still signed in after signing out")
	}
}
