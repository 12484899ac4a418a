// Package browser walks users' journeys through the web UI in headless
// Chromium against a real `rampart serve` process (internal/testserver):
// signing up, mailed links read over SMTP, TOTP, security keys and
// passkeys through the CDP virtual authenticator, and the real npm CLI
// where a journey crosses into it (web login, web OTP). Every test starts
// its own server and its own browser.
package browser

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"
	"github.com/creack/pty"

	"github.com/rampart/rampart/internal/testpeers/authapp"
	"github.com/rampart/rampart/internal/testpeers/smtpd"
	"github.com/rampart/rampart/internal/testserver"
)

const chromiumPath = "/usr/bin/chromium"

// Passwords are at least 10 characters and contain none of the user names
// used below.
const (
	alicePW = "correct-horse-battery-1"
	danaPW  = "violet-tugboat-meadow-7"
	erinPW  = "copper-kettle-orchard-5"
)

// stepTimeout bounds one step of a journey (a page load, a click and what
// it leads to), so that a step that never happens fails with the page it
// stopped on rather than at the test's deadline.
const stepTimeout = 20 * time.Second

// browser is one tab of headless Chromium.
type browser struct {
	t   *testing.T
	ctx context.Context

	mu      sync.Mutex
	console []string
}

// newBrowser starts headless Chromium for one test (skipped without
// Chromium unless CI=true) and returns a running tab, closed after timeout
// or when the test ends. The browser's console is recorded, and a Content
// Security Policy violation it reports fails the test.
func newBrowser(t *testing.T, timeout time.Duration, extra ...chromedp.ExecAllocatorOption) *browser {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI needs Chromium at %s: %v", chromiumPath, err)
		}
		t.Skipf("no Chromium at %s", chromiumPath)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox, // tests run as root in CI
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-proxy-server", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(t.Context(), append(opts, extra...)...)
	t.Cleanup(cancelAlloc)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	t.Cleanup(cancelTab)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	t.Cleanup(cancel)
	return startTab(t, ctx)
}

// freshProfile opens a tab in a new browser context of the same Chromium:
// no cookies, as another computer's browser would be.
func (b *browser) freshProfile() *browser {
	b.t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	b.t.Cleanup(cancel)
	return startTab(b.t, ctx)
}

func startTab(t *testing.T, ctx context.Context) *browser {
	t.Helper()
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	b := &browser{t: t, ctx: ctx}
	consoleCtx, stop := context.WithCancel(ctx)
	messages := chromedp.Console(consoleCtx)
	var wg sync.WaitGroup
	wg.Go(func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.console = append(b.console, string(m.Type)+": "+m.Text)
			b.mu.Unlock()
		}
	})
	t.Cleanup(func() {
		stop()
		wg.Wait()
		b.mu.Lock()
		defer b.mu.Unlock()
		for _, m := range b.console {
			if t.Failed() {
				t.Logf("console: %s", m)
			}
			if strings.Contains(m, "Content Security Policy") || strings.Contains(m, "Content-Security-Policy") {
				t.Errorf("the browser reported a CSP violation: %s", m)
			}
		}
	})
	return b
}

// run runs steps within stepTimeout; on failure it reports where the
// browser is and what the page says.
func (b *browser) run(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v\n%s", what, err, b.describe())
	}
}

// describe is the location and visible text of the page, for failures.
func (b *browser) describe() string {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	body, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	return "the browser is at " + loc + ", showing:\n" + body
}

// eval evaluates a JavaScript expression with a string value.
func (b *browser) eval(expr string) string {
	b.t.Helper()
	return evalAs[string](b, expr)
}

// evalAs evaluates a JavaScript expression whose value decodes as T.
func evalAs[T any](b *browser, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.t.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}

// text is the visible text of the first element sel matches.
func (b *browser) text(sel string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("text of %s: %v\n%s", sel, err, b.describe())
	}
	return strings.TrimSpace(v)
}

func (b *browser) location() string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		b.t.Fatal(err)
	}
	return v
}

// signedInAs checks the header names user.
func (b *browser) signedInAs(user string) {
	b.t.Helper()
	if got := b.text(`nav.account .who`); got != "signed in as "+user {
		b.t.Fatalf("the header says %q, want signed in as %s", got, user)
	}
}

// signOut clicks the header's sign-out button.
func (b *browser) signOut() {
	b.t.Helper()
	b.run("sign out",
		chromedp.Click(chromedp.CSS(`nav.account button`)),
		chromedp.WaitVisible(chromedp.CSS(`nav.account a[href^="/login"]`)),
	)
}

// enterPassword fills the sign-in form at the current page (the sign-in
// page) and submits it; ready is what the next page shows.
func (b *browser) enterPassword(user, pw, ready string) {
	b.t.Helper()
	b.run("sign in as "+user+" with the password",
		chromedp.WaitVisible(chromedp.CSS(`form.login`)),
		chromedp.SendKeys(chromedp.CSS(`#name`), user),
		chromedp.SendKeys(chromedp.CSS(`#password`), pw),
		chromedp.Submit(chromedp.CSS(`#password`)),
		chromedp.WaitVisible(chromedp.CSS(ready)),
	)
}

// ---- WebAuthn ----

// Authenticators the CDP virtual authenticator plays.
var (
	// securityKey is a roaming key (USB) that keeps no credentials
	// itself and does not verify the user: a second step after the
	// password.
	securityKey = webauthn.VirtualAuthenticatorOptions{
		Protocol:                    webauthn.AuthenticatorProtocolCtap2,
		Ctap2version:                webauthn.Ctap2versionCtap21,
		Transport:                   webauthn.AuthenticatorTransportUsb,
		AutomaticPresenceSimulation: true,
	}
	// platformPasskeys is the computer's own authenticator: it holds
	// passkeys and verifies the user.
	platformPasskeys = webauthn.VirtualAuthenticatorOptions{
		Protocol:                    webauthn.AuthenticatorProtocolCtap2,
		Ctap2version:                webauthn.Ctap2versionCtap21,
		Transport:                   webauthn.AuthenticatorTransportInternal,
		HasResidentKey:              true,
		HasUserVerification:         true,
		IsUserVerified:              true,
		AutomaticPresenceSimulation: true,
	}
)

// addAuthenticator attaches a virtual authenticator to the tab, with no
// browser dialogs.
func (b *browser) addAuthenticator(o webauthn.VirtualAuthenticatorOptions) webauthn.AuthenticatorID {
	b.t.Helper()
	no := false
	if _, err := chromedp.Call(b.ctx, webauthn.Enable, webauthn.EnableParams{EnableUI: &no}); err != nil {
		b.t.Fatalf("WebAuthn.enable: %v", err)
	}
	va, err := chromedp.Call(b.ctx, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{Options: &o})
	if err != nil {
		b.t.Fatalf("adding a virtual authenticator: %v", err)
	}
	return va.AuthenticatorID
}

// credentials lists what the authenticator holds.
func (b *browser) credentials(id webauthn.AuthenticatorID) []*webauthn.Credential {
	b.t.Helper()
	res, err := chromedp.Call(b.ctx, webauthn.GetCredentials, webauthn.GetCredentialsParams{AuthenticatorID: id})
	if err != nil {
		b.t.Fatalf("reading the authenticator's credentials: %v", err)
	}
	return res.Credentials
}

// plugIn copies the credentials of authenticator from, in browser from,
// to authenticator to in b: the same security key, plugged into another
// computer.
func (b *browser) plugIn(to webauthn.AuthenticatorID, from *browser, id webauthn.AuthenticatorID) {
	b.t.Helper()
	creds := from.credentials(id)
	if len(creds) == 0 {
		// Plugging in an empty key would leave the test checking what a
		// computer without the key does, and a refusal would pass.
		b.t.Fatal("plugIn: the authenticator holds no credentials to copy")
	}
	for _, c := range creds {
		p := addCredentialParams{AuthenticatorID: to}
		p.Credential.CredentialID, p.Credential.RpID, p.Credential.PrivateKey, p.Credential.SignCount = c.CredentialID, c.RpID, c.PrivateKey, c.SignCount
		if _, err := chromedp.Call(b.ctx, addCredential, p); err != nil {
			b.t.Fatalf("adding a credential to the authenticator: %v", err)
		}
	}
}

// addCredential is WebAuthn.addCredential with only the fields a plain
// security key has: cdproto's webauthn.Credential always sends
// generateCmtgKeyOnNextOperation, which Chromium refuses for an
// authenticator without that extension.
var addCredential = cdp.Command[addCredentialParams, cdp.Empty]{Method: webauthn.CommandAddCredential}

type addCredentialParams struct {
	AuthenticatorID webauthn.AuthenticatorID `json:"authenticatorId"`
	Credential      struct {
		CredentialID         []byte  `json:"credentialId"`
		IsResidentCredential bool    `json:"isResidentCredential"`
		RpID                 string  `json:"rpId"`
		PrivateKey           []byte  `json:"privateKey"`
		SignCount            float64 `json:"signCount"`
	} `json:"credential"`
}

// registerKey adds a security key or passkey (kind as the page's select
// names it) on the security keys page, signed in.
func (b *browser) registerKey(base, name, kind string) {
	b.t.Helper()
	b.run("open the security keys page",
		chromedp.Navigate(base+"account/security-keys"),
		chromedp.WaitVisible(chromedp.CSS(`#webauthn-register`)),
	)
	b.run("register "+name,
		chromedp.SendKeys(chromedp.CSS(`#key-name`), name),
		chromedp.SetValue(chromedp.CSS(`#key-kind`), kind),
		chromedp.Click(chromedp.CSS(`#webauthn-register-button`)),
		chromedp.WaitVisible(chromedp.CSS(`table.keys`)),
	)
}

// enrolTOTP turns on an authenticator app at the two-factor page, as a
// user does: the secret shown goes into the app, whose code confirms it.
// It leaves the browser on the page that shows the recovery codes. The
// app reads s's clock, so that a fresh code never waits for the next step.
func (b *browser) enrolTOTP(s *testserver.Server) *authapp.App {
	b.t.Helper()
	b.run("open the two-factor page",
		chromedp.Navigate(s.URL+"account/mfa"),
		chromedp.WaitVisible(chromedp.CSS(`code.totp-secret`)),
	)
	app := &authapp.App{Secret: b.text(`code.totp-secret`), Clock: s}
	b.run("confirm a code from the app",
		chromedp.SendKeys(chromedp.CSS(`#code`), app.Code(b.t)),
		chromedp.Submit(chromedp.CSS(`#code`)),
		chromedp.WaitVisible(chromedp.CSS(`ul.recovery-codes`)),
	)
	mustContain(b.t, b.text(`p[role="status"]`), "Two-factor authentication is on")
	return app
}

// ---- mail ----

// waitForMail waits for a mail to addr whose subject contains subject,
// skipping others, and returns it.
func waitForMail(t *testing.T, s *testserver.Server, addr, subject string) smtpd.Received {
	t.Helper()
	return s.Mail.WaitForSubject(t, addr, subject, 30*time.Second)
}

// countMail counts the mails addr received so far whose subject contains
// subject.
func countMail(s *testserver.Server, addr, subject string) int {
	n := 0
	for _, m := range s.Mail.Messages() {
		for _, to := range m.To {
			if strings.EqualFold(to, addr) && strings.Contains(m.Subject, subject) {
				n++
				break
			}
		}
	}
	return n
}

func mustContain(t *testing.T, out string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(out, w) {
			t.Fatalf("lacks %q:\n%s", w, out)
		}
	}
}

// ---- npm in the background ----

// npmRun is the real npm CLI running while the test drives the browser:
// its output is read as it comes.
type npmRun struct {
	args string

	mu      sync.Mutex
	out     strings.Builder
	changed chan struct{} // closed and replaced when output comes or npm exits
	exited  bool
	err     error
}

func (r *npmRun) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.out.Write(p)
	close(r.changed)
	r.changed = make(chan struct{})
	return len(p), nil
}

func (r *npmRun) output() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.out.String()
}

// startNPM starts npm args in dir. With tty it runs under a pseudo-terminal,
// as in a user's shell: npm only offers its web OTP flow on a terminal.
func startNPM(t *testing.T, n *testserver.NPM, dir string, tty bool, args ...string) *npmRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	cmd := n.Command(ctx, dir, args...)
	r := &npmRun{args: strings.Join(args, " "), changed: make(chan struct{})}
	var wait func() error
	if tty {
		f, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 50, Cols: 250})
		if err != nil {
			cancel()
			t.Fatal(err)
		}
		copied := make(chan struct{})
		go func() { io.Copy(r, f); close(copied) }()
		wait = func() error {
			err := cmd.Wait()
			// Reading ends with EIO once nothing holds the terminal
			// open; a child npm left behind might, so stop reading
			// after a while regardless.
			select {
			case <-copied:
			case <-time.After(10 * time.Second):
			}
			f.Close()
			<-copied
			return err
		}
	} else {
		cmd.Stdout, cmd.Stderr = r, r
		if err := cmd.Start(); err != nil {
			cancel()
			t.Fatal(err)
		}
		wait = cmd.Wait
	}
	done := make(chan struct{})
	go func() {
		err := wait()
		r.mu.Lock()
		r.exited, r.err = true, err
		close(r.changed)
		r.changed = make(chan struct{})
		r.mu.Unlock()
		close(done)
	}()
	t.Cleanup(func() { cancel(); <-done })
	return r
}

// waitFor waits until npm's output matches re and returns the match. It
// fails the test if npm exits first or nothing matches within timeout.
func (r *npmRun) waitFor(t *testing.T, re *regexp.Regexp, timeout time.Duration) string {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		r.mu.Lock()
		m, exited, err, changed := re.FindString(r.out.String()), r.exited, r.err, r.changed
		r.mu.Unlock()
		switch {
		case m != "":
			return m
		case exited:
			t.Fatalf("npm %s exited (%v) before printing %s:\n%s", r.args, err, re, r.output())
		}
		select {
		case <-changed:
		case <-deadline.C:
			t.Fatalf("npm %s printed nothing matching %s in %s:\n%s", r.args, re, timeout, r.output())
		}
	}
}

// wait waits for npm to exit, fails the test unless it succeeded, and
// returns its output.
func (r *npmRun) wait(t *testing.T, timeout time.Duration) string {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		r.mu.Lock()
		exited, err, changed := r.exited, r.err, r.changed
		r.mu.Unlock()
		if exited {
			if err != nil {
				t.Fatalf("npm %s failed: %v\n%s", r.args, err, r.output())
			}
			return r.output()
		}
		select {
		case <-changed:
		case <-deadline.C:
			t.Fatalf("npm %s did not finish in %s:\n%s", r.args, timeout, r.output())
		}
	}
}

// ---- npm web login ----

var npmLoginURL = regexp.MustCompile(`https?://\S+/login/cli/[A-Za-z0-9_-]+`)

// npmWebLogin runs the real `npm login` (web) in a fresh npm environment
// and opens the URL it prints in b, signed out: the registry sends the
// browser to its sign-in page, where signIn signs user in and waits for
// the page it returns to. The browser must be back at npm's URL; it
// approves, and npm, polling meanwhile, logs in. It returns the logged-in
// npm.
func npmWebLogin(t *testing.T, s *testserver.Server, b *browser, user string, signIn func()) *testserver.NPM {
	t.Helper()
	n := testserver.NewNPM(t, s.URL)
	login := startNPM(t, n, t.TempDir(), false, "login")
	target := login.waitFor(t, npmLoginURL, 60*time.Second)
	if !strings.HasPrefix(target, s.URL+"login/cli/") {
		t.Fatalf("npm login URL %s is not under %s", target, s.URL)
	}
	b.run("open npm's login URL", chromedp.Navigate(target))
	if loc := b.location(); !strings.HasPrefix(loc, s.URL+"login?next=") {
		t.Fatalf("signed out, the login URL went to %s, want the sign-in page", loc)
	}
	signIn()
	if loc := b.location(); loc != target {
		t.Fatalf("after sign-in the browser is at %s, want back at %s", loc, target)
	}
	b.signedInAs(user)
	mustContain(t, b.text(`main`), "The npm CLI on 127.0.0.1 asks to log in as "+user)
	b.run("approve the npm login",
		chromedp.Click(chromedp.CSS(`#approve-cli-login`)),
		chromedp.WaitVisible(chromedp.CSS(`p[role="status"]`)),
	)
	mustContain(t, b.text(`p[role="status"]`), "The npm CLI is now logged in as "+user)
	mustContain(t, login.wait(t, 60*time.Second), "Logged in on "+s.URL)
	if !strings.HasPrefix(n.Token(), "rmp_") {
		t.Fatalf("npm stored token %q", n.Token())
	}
	if who := strings.TrimSpace(n.MustRun("", "whoami").Stdout); who != user {
		t.Fatalf("npm whoami = %q, want %s", who, user)
	}
	return n
}

// ---- packages ----

// writePkg writes a package folder: package.json from manifest (name and
// version at least), index.js and README.md.
func writePkg(t *testing.T, manifest map[string]any, readme string) string {
	t.Helper()
	dir := t.TempDir()
	manifest["main"] = "index.js"
	pj, err := json.MarshalIndent(manifest, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string][]byte{
		"package.json": pj,
		"index.js":     []byte("'use strict'\nexports.hello = () => 'hello'\n"),
		"README.md":    []byte(readme),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), body, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
