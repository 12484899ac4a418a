package browser

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"

	"github.com/rampart/rampart/internal/testserver"
)

const (
	bobPW   = "granite-pelican-sunrise-4"
	carolPW = "saffron-lantern-harbor-3"
)

// TestCriticalPackageManagedWithKey: a critical package is managed from
// npm only with a login a security key or passkey approved.
//
//   - alice registers a passkey in the browser, then logs npm in through
//     the browser, signing in there with the passkey and approving;
//   - with that sign-in fresh she turns on an authenticator app too;
//   - she publishes with npm and a code, and the administrator marks the
//     package critical;
//   - with the key-approved login (and a code, as every write of an npm
//     login asks), `npm owner add bob` and `npm dist-tag add` go through,
//     and bob is mailed that he is an owner;
//   - npm logged in on another computer with her password and a code from
//     the app (`npm login --auth-type=legacy`) is refused the dist-tag: npm
//     shows that the package is critical and needs a security key or
//     passkey.
func TestCriticalPackageManagedWithKey(t *testing.T) {
	t.Parallel()
	s := testserver.Start(t, testserver.Options{SMTP: true, RequireMFA: true})
	const addr, pkg = "alice@example.com", "crown-jewel"
	s.CreateUser(t, "alice", addr, alicePW)
	s.CreateUser(t, "bob", "bob@example.com", bobPW)
	b := newBrowser(t, 3*time.Minute)
	b.addAuthenticator(platformPasskeys)

	// A passkey, registered from a password sign-in.
	b.run("open the sign-in page", chromedp.Navigate(s.URL+"login?next=/account/security-keys"))
	b.enterPassword("alice", alicePW, `#webauthn-register`)
	b.registerKey(s.URL, "Test laptop", "passkey")
	mustContain(t, b.text(`table.keys tbody`), "Test laptop", "Passkey")
	mustContain(t, waitForMail(t, s, addr, "A passkey was added").Text, "Test laptop")
	b.signOut()

	// npm's web login, approved by a browser signed in with the passkey.
	npm := npmWebLogin(t, s, b, "alice", func() {
		t.Helper()
		b.run("sign in with the passkey for npm",
			chromedp.WaitVisible(chromedp.CSS(`#passkey-signin`)),
			chromedp.Click(chromedp.CSS(`#passkey-signin`)),
			chromedp.WaitVisible(chromedp.CSS(`#approve-cli-login`)),
		)
	})

	// The authenticator app, while the passkey sign-in is recent.
	app := b.enrolTOTP(s)
	mustContain(t, waitForMail(t, s, addr, "A second factor was added").Text, "authenticator app")

	// Published, then made critical by the administrator.
	dir := writePkg(t, map[string]any{"name": pkg, "version": "1.0.0", "description": "Guarded by a passkey", "license": "MIT"}, "# crown-jewel\n")
	mustContain(t, npm.MustRun(dir, "publish", "--otp="+app.Code(t)).Output(), "+ "+pkg+"@1.0.0")
	out, err := s.Admin(t, "", "package", "critical", "add", pkg)
	if err != nil {
		t.Fatalf("designating %s critical: %v\n%s", pkg, err, out)
	}
	mustContain(t, out, "designated "+pkg+" critical")

	// The login the passkey approved manages it.
	mustContain(t, npm.MustRun("", "owner", "add", "bob", pkg, "--otp="+app.Code(t)).Output(), "+ bob ("+pkg+")")
	mustContain(t, npm.MustRun("", "owner", "ls", pkg).Output(), "alice", "bob")
	mustContain(t, waitForMail(t, s, "bob@example.com", "bob is now an owner of "+pkg).Text, "Added by: alice")
	mustContain(t, npm.MustRun("", "dist-tag", "add", pkg+"@1.0.0", "stable", "--otp="+app.Code(t)).Output(), "+stable: "+pkg+"@1.0.0")
	mustContain(t, npm.MustRun("", "dist-tag", "ls", pkg).Output(), "stable: 1.0.0")

	// A login with the password and a code from the app does not.
	legacy := testserver.NewNPM(t, s.URL)
	out, err = legacy.InteractiveFunc("", []string{"Username:", "Password:", "Enter OTP:"}, func(i int, _ string) string {
		if i == 2 {
			return app.Code(t)
		}
		return []string{"alice", alicePW}[i]
	}, "login", "--auth-type=legacy")
	if err != nil || !strings.Contains(out, "Logged in") {
		t.Fatalf("npm login --auth-type=legacy with a code from the app: %v\n%s", err, out)
	}
	r := legacy.Run("", "dist-tag", "add", pkg+"@1.0.0", "next", "--otp="+app.Code(t))
	if r.Err == nil {
		t.Fatalf("npm dist-tag add on a critical package succeeded with a password-and-app login:\n%s", r.Output())
	}
	mustContain(t, r.Output(), "403",
		pkg+" is a critical package: changing its dist-tags needs a security key or passkey",
		"a one-time code from an authenticator app (TOTP) alone is not enough",
		"Run `npm login` and approve it in the browser with your key")
	if got := npm.MustRun("", "dist-tag", "ls", pkg).Output(); strings.Contains(got, "next") {
		t.Fatalf("the refused dist-tag was set:\n%s", got)
	}
}

// TestConfirmPageStepUpWithSecurityKey: on a registry whose step-up window
// is one minute, carol signs in with her password and a plain security key
// (no passkey: the key keeps no credential and must be offered by ID).
// Once the minute has passed (on the server's clock, moved on by the
// test), opening the security keys page sends her to
// the confirm page, which offers the key; a step-up answer posted without
// a ceremony is refused and confirms nothing; the key answers, the browser
// returns to the security keys page, and she adds a second key, of which
// she is mailed.
func TestConfirmPageStepUpWithSecurityKey(t *testing.T) {
	t.Parallel()
	const window = time.Minute
	s := testserver.Start(t, testserver.Options{SMTP: true, Config: "[mfa]\nstep_up_window = \"1m\"\n"})
	const addr = "carol@example.com"
	s.CreateUser(t, "carol", addr, carolPW)
	b := newBrowser(t, 3*time.Minute)
	yubikey := b.addAuthenticator(securityKey)

	b.run("open the sign-in page", chromedp.Navigate(s.URL+"login?next=/account/security-keys"))
	b.enterPassword("carol", carolPW, `#webauthn-register`)
	b.registerKey(s.URL, "YubiKey", "security-key")
	mustContain(t, b.text(`table.keys tbody`), "YubiKey", "Security key")
	if creds := b.credentials(yubikey); len(creds) != 1 || creds[0].IsResidentCredential {
		t.Fatalf("the key holds %+v, want one non-resident credential", creds)
	}
	mustContain(t, waitForMail(t, s, addr, "A second factor was added").Text, "security key (YubiKey)")
	// The browser that registered the key has used it: no complaint.
	if page := b.text("main"); strings.Contains(page, "sign in again") || strings.Contains(page, "second factor") {
		t.Fatalf("the page after registering the first key:\n%s", page)
	}

	// Signed in again with the password and the key, so that the
	// step-up window runs from a known moment.
	b.signOut()
	b.run("open the sign-in page", chromedp.Navigate(s.URL+"login?next=/account/security-keys"))
	b.enterPassword("carol", carolPW, `#security-key-signin`)
	b.run("use the security key",
		chromedp.Click(chromedp.CSS(`#security-key-signin`)),
		chromedp.WaitVisible(chromedp.CSS(`#webauthn-register`)),
	)
	passed := s.Now(t)
	b.signedInAs("carol")
	if loc := b.location(); loc != s.URL+"account/security-keys" {
		t.Fatalf("within the window the security keys page went to %s", loc)
	}

	// Move the server's clock past the window rather than wait it out.
	s.Advance(t, passed.Add(window+time.Second).Sub(s.Now(t)))
	toConfirm := func(what string) {
		t.Helper()
		b.run(what,
			chromedp.Navigate(s.URL+"account/security-keys"),
			chromedp.WaitVisible(chromedp.CSS(`#key-confirm`)),
		)
		loc, err := url.Parse(b.location())
		if err != nil {
			t.Fatal(err)
		}
		if loc.Path != "/account/confirm" || loc.Query().Get("next") != "/account/security-keys" {
			t.Fatalf("the stale session went to %s, want the confirm page returning to /account/security-keys", loc)
		}
	}
	toConfirm("open the security keys page after the window")
	if got := b.text(`main h1`); got != "Confirm it's you" {
		t.Fatalf("the confirm page says %q", got)
	}
	mustContain(t, b.text(`main`), "This action needs a recent second factor")
	if got := b.text(`#key-confirm`); got != "Use your security key or passkey" {
		t.Fatalf("the confirm button says %q", got)
	}
	if b.eval(`String(document.querySelector("#code") !== null)`) != "false" {
		t.Fatal("the confirm page asks for an app code, but carol has only a security key")
	}

	// An answer with no ceremony begun is refused and confirms nothing.
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch("/-/webauthn/stepup/finish", {
		method: "POST", credentials: "same-origin",
		headers: {"Content-Type": "application/json", "Accept": "application/json"},
		body: JSON.stringify({next: "/account/security-keys", credential: {}})
	}).then(r => r.json().then(d => r.status + " " + d.error))`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("posting a step-up answer from the page: %v", err)
	}
	if got != "400 this security key request expired or was already answered; try again" {
		t.Fatalf("a step-up answer without a ceremony: %q", got)
	}
	toConfirm("open the security keys page after the refused answer")

	// The key answers, and the browser is back.
	before := b.credentials(yubikey)[0].SignCount
	b.run("confirm with the security key",
		chromedp.Click(chromedp.CSS(`#key-confirm`)),
		chromedp.WaitVisible(chromedp.CSS(`#webauthn-register`)),
	)
	if loc := b.location(); loc != s.URL+"account/security-keys" {
		t.Fatalf("after the step-up the browser is at %s, want back at the security keys page", loc)
	}
	if after := b.credentials(yubikey)[0].SignCount; after <= before {
		t.Fatalf("the key's sign count went from %v to %v: it did not answer", before, after)
	}
	if n := evalAs[int](b, `document.querySelectorAll("p.error:not([hidden])").length`); n != 0 {
		t.Fatalf("the security keys page shows an error after the step-up:\n%s", b.describe())
	}

	// Another key, plugged in instead of the first: added, and mailed.
	if _, err := chromedp.Call(b.ctx, webauthn.RemoveVirtualAuthenticator, webauthn.RemoveVirtualAuthenticatorParams{AuthenticatorID: yubikey}); err != nil {
		t.Fatalf("unplugging the first key: %v", err)
	}
	backup := b.addAuthenticator(securityKey)
	b.run("register a second key",
		chromedp.SendKeys(chromedp.CSS(`#key-name`), "Backup key"),
		chromedp.SetValue(chromedp.CSS(`#key-kind`), "security-key"),
		chromedp.Click(chromedp.CSS(`#webauthn-register-button`)),
		chromedp.WaitVisible(chromedp.CSS(`p.notice`)),
	)
	mustContain(t, b.text(`p.notice`), "Added")
	mustContain(t, b.text(`table.keys tbody`), "YubiKey", "Backup key")
	if creds := b.credentials(backup); len(creds) != 1 {
		t.Fatalf("the second key holds %+v, want one credential", creds)
	}
	mustContain(t, waitForMail(t, s, addr, "A second factor was added").Text, "security key (Backup key)")
}
