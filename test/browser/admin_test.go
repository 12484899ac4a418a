package browser

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/rampart/rampart/internal/testserver"
)

// TestAdminEnrolsPasskeyOnFirstSignIn (review item 12): an administrator
// created from the console signs in with the password alone and lands on
// the security keys page, told why; every other page sends it back there.
// It registers a passkey with the browser's authenticator, and then the
// site opens; signing in again with the passkey alone works.
func TestAdminEnrolsPasskeyOnFirstSignIn(t *testing.T) {
	t.Parallel()
	s := testserver.Start(t, testserver.Options{SMTP: true})
	if out, err := s.Admin(t, alicePW+"\n", "user", "create", "--name", "chief", "--email", "chief@example.com", "--admin", "--verified", "--password-stdin"); err != nil {
		t.Fatalf("admin user create --admin: %v\n%s", err, out)
	}
	b := newBrowser(t, 3*time.Minute)
	b.addAuthenticator(platformPasskeys)

	b.run("open the sign-in page", chromedp.Navigate(s.URL+"login?next=/account"))
	b.enterPassword("chief", alicePW, `nav.account .who`)
	if loc := b.location(); !strings.HasSuffix(loc, "/account/security-keys") {
		t.Fatalf("after signing in the administrator is at %s, want the security keys page", loc)
	}
	mustContain(t, b.text(`main`), "administrators need a security key or passkey")
	b.run("open the account page", chromedp.Navigate(s.URL+"account"), chromedp.WaitVisible(chromedp.CSS(`nav.account .who`)))
	if loc := b.location(); !strings.HasSuffix(loc, "/account/security-keys") {
		t.Fatalf("the account page of an administrator without a key opened at %s, want the security keys page", loc)
	}

	b.registerKey(s.URL, "Admin laptop", "passkey")
	mustContain(t, waitForMail(t, s, "chief@example.com", "A passkey was added").Text, "Admin laptop")
	b.run("open the account page", chromedp.Navigate(s.URL+"account"), chromedp.WaitVisible(chromedp.CSS(`nav.account .who`)))
	if loc := b.location(); !strings.HasSuffix(loc, "/account") {
		t.Fatalf("with a passkey the account page opened at %s, want /account", loc)
	}
	b.signedInAs("chief")

	b.signOut()
	b.run("sign in with the passkey",
		chromedp.Navigate(s.URL+"login?next=/account"),
		chromedp.WaitVisible(chromedp.CSS(`#passkey-signin`)),
		chromedp.Click(chromedp.CSS(`#passkey-signin`)),
		chromedp.WaitVisible(chromedp.CSS(`nav.account .who`)),
	)
	b.signedInAs("chief")
}
