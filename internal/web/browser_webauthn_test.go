package web_test

import (
	"bufio"
	"context"
	"io"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"

	"github.com/rampart/rampart/internal/testserver"
)

// TestBrowserPasskeyAndNPMWebLogin shows passkeys (AUTHN-3a), and npm's
// web login, in headless Chromium with the CDP virtual authenticator
// (CTAP2, internal transport, resident keys, user verification) on
// http://localhost:PORT: alice signs in with her password, registers a
// passkey, signs out and signs in with the passkey alone. Then the real
// `npm login` runs against the server; the browser opens the URL it
// prints, signs in with the passkey, approves, and npm logs in.
func TestBrowserPasskeyAndNPMWebLogin(t *testing.T) {
	base := startServer(t)
	ctx := newBrowser(t, 150*time.Second)

	// A platform authenticator that holds passkeys and verifies the user.
	no := false
	if _, err := chromedp.Call(ctx, webauthn.Enable, webauthn.EnableParams{EnableUI: &no}); err != nil {
		t.Fatalf("WebAuthn.enable: %v", err)
	}
	va, err := chromedp.Call(ctx, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{Options: &webauthn.VirtualAuthenticatorOptions{
		Protocol:                    webauthn.AuthenticatorProtocolCtap2,
		Ctap2version:                webauthn.Ctap2versionCtap21,
		Transport:                   webauthn.AuthenticatorTransportInternal,
		HasResidentKey:              true,
		HasUserVerification:         true,
		IsUserVerified:              true,
		AutomaticPresenceSimulation: true,
	}})
	if err != nil {
		t.Fatalf("adding a virtual authenticator: %v", err)
	}

	run := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return strings.TrimSpace(v)
	}
	location := func() string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Location())
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	signOut := func() {
		t.Helper()
		run("sign out",
			chromedp.Click(chromedp.CSS(`nav.account button`)),
			chromedp.WaitVisible(chromedp.CSS(`nav.account a[href^="/login"]`)),
		)
	}
	passkeySignIn := func(what string) {
		t.Helper()
		run(what,
			chromedp.WaitVisible(chromedp.CSS(`#passkey-signin`)),
			chromedp.Click(chromedp.CSS(`#passkey-signin`)),
			chromedp.WaitVisible(chromedp.CSS(`nav.account .who`)),
		)
		if got := text(`nav.account .who`); got != "signed in as alice" {
			t.Fatalf("%s: header says %q", what, got)
		}
	}

	// Sign in with the password, register a passkey.
	run("sign in with the password",
		chromedp.Navigate(base+"login?next=/account/security-keys"),
		chromedp.WaitVisible(chromedp.CSS(`form.login`)),
		chromedp.SendKeys(chromedp.CSS(`#name`), "alice"),
		chromedp.SendKeys(chromedp.CSS(`#password`), testPassword),
		chromedp.Submit(chromedp.CSS(`#password`)),
		chromedp.WaitVisible(chromedp.CSS(`#webauthn-register`)),
	)
	run("register a passkey",
		chromedp.SendKeys(chromedp.CSS(`#key-name`), "Test laptop"),
		chromedp.SetValue(chromedp.CSS(`#key-kind`), "passkey"),
		chromedp.Click(chromedp.CSS(`#webauthn-register-button`)),
		chromedp.WaitVisible(chromedp.CSS(`table.keys`)),
	)
	if got := text(`table.keys tbody`); !strings.Contains(got, "Test laptop") || !strings.Contains(got, "Passkey") {
		t.Fatalf("security keys page lists %q", got)
	}
	creds, err := chromedp.Call(ctx, webauthn.GetCredentials, webauthn.GetCredentialsParams(va))
	if err != nil || len(creds.Credentials) != 1 || !creds.Credentials[0].IsResidentCredential {
		t.Fatalf("the authenticator holds %+v (%v), want one resident credential", creds, err)
	}

	// Sign out, and in again with the passkey alone.
	signOut()
	run("open the sign-in page", chromedp.Navigate(base+"login"))
	passkeySignIn("sign in with the passkey")
	signOut()

	// npm web login: the real CLI, polling while the browser approves.
	npm := testserver.NewNPM(t, base)
	npmCtx, stopNPM := context.WithTimeout(t.Context(), 2*time.Minute)
	defer stopNPM()
	cmd := npm.Command(npmCtx, t.TempDir(), "login")
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var (
		mu     sync.Mutex
		output strings.Builder
	)
	urlCh := make(chan string, 1)
	loginURL := regexp.MustCompile(`https?://\S+/login/cli/\S+`)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			mu.Lock()
			output.WriteString(sc.Text() + "\n")
			mu.Unlock()
			if u := loginURL.FindString(sc.Text()); u != "" {
				select {
				case urlCh <- u:
				default:
				}
			}
		}
	}()
	waitErr := make(chan error, 1)
	go func() { waitErr <- cmd.Wait(); pw.Close() }()
	npmOutput := func() string { mu.Lock(); defer mu.Unlock(); return output.String() }

	var target string
	select {
	case target = <-urlCh:
	case err := <-waitErr:
		t.Fatalf("npm login exited before printing a login URL (%v):\n%s", err, npmOutput())
	case <-time.After(60 * time.Second):
		t.Fatalf("npm login printed no login URL:\n%s", npmOutput())
	}
	if !strings.HasPrefix(target, base+"login/cli/") {
		t.Fatalf("npm login URL %s is not under %s", target, base)
	}
	run("open npm's login URL", chromedp.Navigate(target))
	if loc := location(); !strings.HasPrefix(loc, base+"login?next=") {
		t.Fatalf("signed out, the login URL went to %s, want the sign-in page", loc)
	}
	passkeySignIn("sign in with the passkey for npm")
	if loc := location(); loc != target {
		t.Fatalf("after sign-in the browser is at %s, want back at %s", loc, target)
	}
	if got := text(`main`); !strings.Contains(got, "npm CLI on 127.0.0.1") {
		t.Errorf("the approval page does not name the CLI's address: %q", got)
	}
	run("approve the npm login",
		chromedp.Click(chromedp.CSS(`#approve-cli-login`)),
		chromedp.WaitVisible(chromedp.CSS(`p[role="status"]`)),
	)
	select {
	case err := <-waitErr:
		if err != nil {
			t.Fatalf("npm login failed: %v\n%s", err, npmOutput())
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("npm login did not finish after approval:\n%s", npmOutput())
	}
	if out := npmOutput(); !strings.Contains(out, "Logged in") {
		t.Fatalf("npm login output lacks \"Logged in\":\n%s", out)
	}
	if !strings.HasPrefix(npm.Token(), "rmp_") {
		t.Fatalf("npm stored token %q", npm.Token())
	}
	if who := strings.TrimSpace(npm.MustRun("", "whoami").Stdout); who != "alice" {
		t.Fatalf("npm whoami = %q, want alice", who)
	}
}
