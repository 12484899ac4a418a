package browser

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/rampart/rampart/internal/testserver"
)

// TestPasskeySignInAndNPMWebLogin shows passkeys (AUTHN-3a) and npm's web
// login: alice signs in with her password, registers a passkey on the
// computer's own authenticator (resident key, user verification), signs
// out and signs in with the passkey alone, no password. Then the real
// `npm login` prints a URL; the browser opens it, signs in with the
// passkey, approves, and npm is logged in as alice.
func TestPasskeySignInAndNPMWebLogin(t *testing.T) {
	t.Parallel()
	s := testserver.Start(t, testserver.Options{})
	s.CreateUser(t, "alice", "alice@example.com", alicePW)
	b := newBrowser(t, 100*time.Second)
	platform := b.addAuthenticator(platformPasskeys)

	b.run("open the sign-in page", chromedp.Navigate(s.URL+"login?next=/account/security-keys"))
	b.enterPassword("alice", alicePW, `#webauthn-register`)
	b.registerKey(s.URL, "Test laptop", "passkey")
	if got := b.text(`table.keys tbody`); !strings.Contains(got, "Test laptop") || !strings.Contains(got, "Passkey") {
		t.Fatalf("the security keys page lists %q", got)
	}
	if creds := b.credentials(platform); len(creds) != 1 || !creds[0].IsResidentCredential {
		t.Fatalf("the authenticator holds %+v, want one passkey (a resident credential)", creds)
	}

	passkeySignIn := func(what string) {
		t.Helper()
		b.run(what,
			chromedp.WaitVisible(chromedp.CSS(`#passkey-signin`)),
			chromedp.Click(chromedp.CSS(`#passkey-signin`)),
			chromedp.WaitVisible(chromedp.CSS(`nav.account .who`)),
		)
		b.signedInAs("alice")
	}

	// Sign out, and in again with the passkey alone: no name, no password.
	b.signOut()
	b.run("open the sign-in page", chromedp.Navigate(s.URL+"login"))
	passkeySignIn("sign in with the passkey")
	if loc := b.location(); loc != s.URL {
		t.Errorf("after the passkey sign-in the browser is at %s, want the start page", loc)
	}
	b.signOut()

	// npm's web login, approved by a browser that signs in with the passkey.
	npmWebLogin(t, s, b, "alice", func() { passkeySignIn("sign in with the passkey for npm") })
}
