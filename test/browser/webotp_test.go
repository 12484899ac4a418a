package browser

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/rampart/rampart/internal/testserver"
)

var webOTPURL = regexp.MustCompile(`https?://\S+/login/cli/[A-Za-z0-9_-]+\?purpose=otp`)

// TestKeyOnlyAccountApprovesNPMPublishInBrowser: on a registry that
// requires a second factor of every maintainer (AUTHN-3b), erin's only
// one is a security key, which npm cannot prompt for. She logs npm in
// through the browser, then runs `npm publish` in a terminal: the
// registry answers with npm's web OTP challenge, npm prints a URL and
// waits; the browser opens it, erin signs in with her password and key
// and approves, and npm's publish goes through.
func TestKeyOnlyAccountApprovesNPMPublishInBrowser(t *testing.T) {
	t.Parallel()
	s := testserver.Start(t, testserver.Options{RequireMFA: true})
	s.CreateUser(t, "erin", "erin@example.com", erinPW)
	b := newBrowser(t, 100*time.Second)
	b.addAuthenticator(securityKey)

	b.run("open the sign-in page", chromedp.Navigate(s.URL+"login?next=/account/security-keys"))
	b.enterPassword("erin", erinPW, `#webauthn-register`)
	b.registerKey(s.URL, "YubiKey", "security-key")
	if got := b.text(`table.keys tbody`); !strings.Contains(got, "Security key") {
		t.Fatalf("the security keys page lists %q", got)
	}
	b.signOut()

	signIn := func() {
		t.Helper()
		b.enterPassword("erin", erinPW, `#security-key-signin`)
		if b.eval(`String(document.querySelector("#code") !== null)`) != "false" {
			t.Fatal("the second step asks for an app code, but erin has only a security key")
		}
		b.run("use the security key",
			chromedp.Click(chromedp.CSS(`#security-key-signin`)),
			chromedp.WaitVisible(chromedp.CSS(`#approve-cli-login`)),
		)
	}
	npm := npmWebLogin(t, s, b, "erin", signIn)
	b.signOut()

	// npm publish in a terminal: npm prints the registry's URL and polls.
	dir := writePkg(t, map[string]any{"name": "keyonly-widget", "version": "1.0.0", "description": "Published with a security key", "license": "MIT"}, "# keyonly-widget\n")
	publish := startNPM(t, npm, dir, true, "publish")
	target := publish.waitFor(t, webOTPURL, 60*time.Second)
	mustContain(t, publish.output(), "Authenticate your account at:")
	if !strings.HasPrefix(target, s.URL) {
		t.Fatalf("the web OTP URL %s is not under %s", target, s.URL)
	}

	b.run("open npm's URL", chromedp.Navigate(target))
	if loc := b.location(); !strings.HasPrefix(loc, s.URL+"login?next=") {
		t.Fatalf("signed out, the URL went to %s, want the sign-in page", loc)
	}
	signIn()
	b.signedInAs("erin")
	mustContain(t, b.text(`main`), "Approve npm command", "An npm command on 127.0.0.1 run as erin needs your second factor")
	b.run("approve the npm command",
		chromedp.Click(chromedp.CSS(`#approve-cli-login`)),
		chromedp.WaitVisible(chromedp.CSS(`p[role="status"]`)),
	)
	mustContain(t, b.text(`main`), "npm command approved")

	mustContain(t, publish.wait(t, 60*time.Second), "+ keyonly-widget@1.0.0")
	if got := strings.TrimSpace(npm.MustRun("", "view", "keyonly-widget", "version").Stdout); got != "1.0.0" {
		t.Fatalf("npm view keyonly-widget version = %q, want 1.0.0", got)
	}
	b.run("open the package page",
		chromedp.Navigate(s.URL+"package/keyonly-widget"),
		chromedp.WaitVisible(chromedp.CSS(`h1.pkgname`)),
	)
	mustContain(t, b.text(`main`), "Published with a security key", "1.0.0")
}
