package browser

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/rampart/rampart/internal/testserver"
)

// TestSignupVerifyTOTPAndSecurityKey follows a new user from the sign-up
// form to every way of signing in, reading each mail over SMTP:
//
//   - dana signs up; the verification mail arrives and its link, opened in
//     the browser, verifies the address (AUTHN-1a);
//   - she turns on an authenticator app from the secret the page shows,
//     is shown ten recovery codes once, and is mailed a notice (AUTHN-1c,
//     AUTHN-1d);
//   - she registers a security key (a USB key that keeps no credentials)
//     and is mailed a notice (AUTHN-2b);
//   - signing in, the password's second step offers the key and the app,
//     and either one works; so does a recovery code, once, which is mailed
//     about;
//   - the first sign-in from her browser, and one from another browser
//     (the same key plugged in there), each mail a new-device notice; her
//     browser's later sign-ins do not (internal/authn/device.go knows a
//     browser by a long-lived cookie).
func TestSignupVerifyTOTPAndSecurityKey(t *testing.T) {
	t.Parallel()
	s := testserver.Start(t, testserver.Options{SMTP: true})
	const addr = "dana@example.com"
	b := newBrowser(t, 100*time.Second)
	key := b.addAuthenticator(securityKey)

	// Sign up.
	b.run("open the start page",
		chromedp.Navigate(s.URL),
		chromedp.Click(chromedp.CSS(`nav.account a[href="/signup"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form.login`)),
	)
	b.run("sign up",
		chromedp.SendKeys(chromedp.CSS(`#name`), "dana"),
		chromedp.SendKeys(chromedp.CSS(`#email`), addr),
		chromedp.SendKeys(chromedp.CSS(`#password`), danaPW),
		chromedp.Submit(chromedp.CSS(`#password`)),
		chromedp.WaitVisible(chromedp.CSS(`nav.account .who`)),
	)
	b.signedInAs("dana")
	mustContain(t, b.text(`main`), "We have mailed a link to "+addr, addr+" — not verified")

	// The verification mail, and its link opened in the browser.
	m := waitForMail(t, s, addr, "Verify your email address")
	var link string
	for _, l := range m.Links() {
		if strings.HasPrefix(l, s.URL+"verify-email?token=") {
			link = l
		}
	}
	if link == "" {
		t.Fatalf("the verification mail has no link to %sverify-email:\n%s", s.URL, m.Text)
	}
	b.run("open the mailed link",
		chromedp.Navigate(link),
		chromedp.WaitVisible(chromedp.CSS(`form.login button[type="submit"]`)),
	)
	if got := b.text(`main h1`); got != "Verify your email address" {
		t.Fatalf("the mailed link shows %q", got)
	}
	b.run("confirm the address",
		chromedp.Click(chromedp.CSS(`form.login button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`p[role="status"]`)),
	)
	mustContain(t, b.text(`p[role="status"]`), addr+" is verified")
	b.run("open the account page",
		chromedp.Navigate(s.URL+"account"),
		chromedp.WaitVisible(chromedp.CSS(`main h1`)),
	)
	mustContain(t, b.text(`main`), addr+" — verified")

	// Turn on the authenticator app.
	app := b.enrolTOTP(s)
	recovery := evalAs[[]string](b, `Array.from(document.querySelectorAll("ul.recovery-codes code"), e => e.textContent)`)
	if len(recovery) != 10 {
		t.Fatalf("%d recovery codes shown, want 10: %q", len(recovery), recovery)
	}
	mustContain(t, waitForMail(t, s, addr, "A second factor was added").Text, "authenticator app")
	b.run("leave the codes page",
		chromedp.Click(chromedp.CSS(`main a[href="/account/mfa"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#regen-code`)),
	)
	mustContain(t, b.text(`main`), "Recovery codes left: 10")
	if strings.Contains(b.text(`main`), recovery[0]) {
		t.Fatal("the two-factor page shows the recovery codes again")
	}

	// Register a security key.
	b.registerKey(s.URL, "YubiKey", "security-key")
	mustContain(t, b.text(`p.notice`), "Added")
	if got := b.text(`table.keys tbody`); !strings.Contains(got, "YubiKey") || !strings.Contains(got, "Security key") {
		t.Fatalf("the security keys page lists %q", got)
	}
	if creds := b.credentials(key); len(creds) != 1 || creds[0].IsResidentCredential {
		t.Fatalf("the key holds %+v, want one non-resident credential", creds)
	}
	mustContain(t, waitForMail(t, s, addr, "A second factor was added").Text, "security key (YubiKey)")
	if n := countMail(s, addr, "New sign-in"); n != 0 {
		t.Fatalf("%d new-device mails before dana ever signed in with her password", n)
	}

	// Password, then the security key. The first sign-in from this
	// browser: a new-device mail.
	b.signOut()
	secondStep := func() {
		t.Helper()
		b.run("open the sign-in page", chromedp.Navigate(s.URL+"login"))
		b.enterPassword("dana", danaPW, `#security-key-signin`)
		if got := b.text(`main h1`); got != "Two-factor authentication" {
			t.Fatalf("after the password the page says %q", got)
		}
	}
	secondStep()
	mustContain(t, b.text(`label[for="code"]`), "Code from your authenticator app, or a recovery code")
	b.run("use the security key",
		chromedp.Click(chromedp.CSS(`#security-key-signin`)),
		chromedp.WaitVisible(chromedp.CSS(`nav.account .who`)),
	)
	b.signedInAs("dana")
	mustContain(t, waitForMail(t, s, addr, "New sign-in").Text, "IP address: 127.0.0.1", "HeadlessChrome")

	// Password, then a code from the app.
	b.signOut()
	secondStep()
	b.run("enter a code from the app",
		chromedp.SendKeys(chromedp.CSS(`#code`), app.Code(t)),
		chromedp.Submit(chromedp.CSS(`#code`)),
		chromedp.WaitVisible(chromedp.CSS(`nav.account .who`)),
	)
	b.signedInAs("dana")

	// Password, then a recovery code: it works once, and a mail says so.
	b.signOut()
	secondStep()
	b.run("enter a recovery code",
		chromedp.SendKeys(chromedp.CSS(`#code`), recovery[0]),
		chromedp.Submit(chromedp.CSS(`#code`)),
		chromedp.WaitVisible(chromedp.CSS(`nav.account .who`)),
	)
	b.signedInAs("dana")
	mustContain(t, waitForMail(t, s, addr, "A recovery code was used").Text, "You have 9 recovery codes left.")
	b.signOut()
	secondStep()
	b.run("enter the spent recovery code",
		chromedp.SendKeys(chromedp.CSS(`#code`), recovery[0]),
		chromedp.Submit(chromedp.CSS(`#code`)),
		chromedp.WaitVisible(chromedp.CSS(`p.error`)),
	)
	if got := b.eval(`document.body.innerText`); strings.Contains(got, "signed in as") {
		t.Fatalf("the spent recovery code signed in:\n%s", got)
	}
	// A sign-in's notices are sent before its page comes back, and the
	// recovery-code mail came after the second sign-in's: this browser's
	// second and third sign-ins mailed no new-device notice.
	if n := countMail(s, addr, "New sign-in"); n != 1 {
		t.Fatalf("%d new-device mails after three sign-ins from one browser, want 1", n)
	}

	// Another browser, with the same security key plugged in: a new device.
	other := b.freshProfile()
	otherKey := other.addAuthenticator(securityKey)
	other.plugIn(otherKey, b, key)
	other.run("open the sign-in page in another browser", chromedp.Navigate(s.URL+"login"))
	if got := other.eval(`document.body.innerText`); strings.Contains(got, "signed in as") {
		t.Fatalf("the other browser is signed in already:\n%s", got)
	}
	other.enterPassword("dana", danaPW, `#security-key-signin`)
	other.run("use the security key in the other browser",
		chromedp.Click(chromedp.CSS(`#security-key-signin`)),
		chromedp.WaitVisible(chromedp.CSS(`nav.account .who`)),
	)
	other.signedInAs("dana")
	waitForMail(t, s, addr, "New sign-in")
	if n := countMail(s, addr, "New sign-in"); n != 2 {
		t.Fatalf("%d new-device mails, want 2", n)
	}
}
