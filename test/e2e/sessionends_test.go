package e2e

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "modernc.org/sqlite" // the driver, to age a sign-in in the database

	"github.com/rampart/rampart/internal/testserver"
)

// What ends with every session of an account, and what a session keeps
// when it is reissued: an npm web login approved before a password reset
// gives npm no token; a session older than the step-up window stays old
// after "sign out everywhere else"; a change of address asked for from a
// stolen session is told to the current address, shown on the account
// page, and dies with a cancel or a password reset.

const (
	mallorysAddr = "mallory@evil.example.org"
	newAlicePW   = "stapled-lantern-orchard-7"
)

// bgNPM is an npm command running in the background whose output the
// test reads while it runs.
type bgNPM struct {
	pid  int
	mu   sync.Mutex
	out  bytes.Buffer
	done chan struct{}
	err  error
}

func (b *bgNPM) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.out.Write(p)
}

func (b *bgNPM) output() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.out.String()
}

var webLoginURL = regexp.MustCompile(`https?://\S+/login/cli/[A-Za-z0-9_-]+`)

// startWebLogin runs the real `npm login` (web) in n without a terminal
// and waits for the URL it prints for the browser.
func startWebLogin(t *testing.T, n *testserver.NPM) (*bgNPM, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	cmd := n.Command(ctx, t.TempDir(), "login")
	b := &bgNPM{done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = b, b
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	b.pid = cmd.Process.Pid
	go func() { b.err = cmd.Wait(); close(b.done) }()
	t.Cleanup(func() {
		_ = syscall.Kill(b.pid, syscall.SIGCONT)
		cancel()
		<-b.done
	})
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if m := webLoginURL.FindString(b.output()); m != "" {
			return b, m
		}
		select {
		case <-b.done:
			t.Fatalf("npm login exited (%v) before printing a URL:\n%s", b.err, b.output())
		case <-time.After(100 * time.Millisecond):
		}
	}
	t.Fatalf("npm login printed no URL in 60s:\n%s", b.output())
	return nil, ""
}

// signal sends sig to npm: SIGSTOP stands for a CLI that does not poll
// for a while (a laptop put to sleep), SIGCONT wakes it.
func (b *bgNPM) signal(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if err := syscall.Kill(b.pid, sig); err != nil {
		t.Fatalf("signalling npm: %v", err)
	}
}

// wait waits for npm to exit and returns its output and error.
func (b *bgNPM) wait(t *testing.T, timeout time.Duration) (string, error) {
	t.Helper()
	select {
	case <-b.done:
		return b.output(), b.err
	case <-time.After(timeout):
		t.Fatalf("npm did not finish in %s:\n%s", timeout, b.output())
		return "", nil
	}
}

// resetPassword asks for a reset link for addr and follows it, setting pw.
func resetPassword(t *testing.T, s *testserver.Server, addr, pw string) {
	t.Helper()
	status, body := browser(t, "POST", s.URL+"forgot-password", url.Values{"email": {addr}})
	if status != http.StatusOK || !strings.Contains(body, "Check your mail") {
		t.Fatalf("forgot-password: %d\n%s", status, body)
	}
	body = followMailedLink(t, s, addr, "reset-password", url.Values{"password": {pw}})
	mustContain(t, body, "Password changed")
}

// signInWithPassword signs w in on the web with a password alone (an
// account without a second factor) and checks it lands on /account.
func signInWithPassword(t *testing.T, s *testserver.Server, w *webClient, user, pw string) {
	t.Helper()
	w.mustRedirect("POST", s.URL+"login", url.Values{"name": {user}, "password": {pw}, "next": {"/account"}}, "/account")
}

// TestWebLoginApprovalEndsWithPasswordReset: `npm login` prints its URL
// and polls; the browser approves, but before npm polls again (the laptop
// slept) the account's password is reset, which signs everything out.
// npm's next poll must not yield a token: npm fails, stores nothing, and
// the account has no npm login token.
func TestWebLoginApprovalEndsWithPasswordReset(t *testing.T) {
	t.Parallel()
	s := server(t, "")
	signup(t, s, "alice", alicePW)
	w := newBrowser(t, s, firefoxUA)
	signInWithPassword(t, s, w, "alice", alicePW)

	n := testserver.NewNPM(t, s.URL)
	login, target := startWebLogin(t, n)
	login.signal(t, syscall.SIGSTOP)
	w.mustShow(target, "asks to log in as <strong>alice</strong>")
	status, body := w.do("POST", target, url.Values{})
	if status != http.StatusOK || !strings.Contains(body, "The npm CLI is now logged in as alice") {
		t.Fatalf("approving the npm login: status %d:\n%s", status, body)
	}

	resetPassword(t, s, "alice@example.com", newAlicePW)
	login.signal(t, syscall.SIGCONT)
	out, err := login.wait(t, 90*time.Second)
	if err == nil || strings.Contains(out, "Logged in on") {
		t.Fatalf("npm login after the password reset: err %v, want a failure:\n%s", err, out)
	}
	// npm answers a failed poll by falling back to the password prompts
	// (../shared/reference/npm-protocol.md §2.2), which fail without a
	// terminal.
	mustContain(t, out, "Username:")
	if tok := n.Token(); tok != "" {
		t.Fatalf("npm stored token %q after the password reset", tok)
	}

	// The account shows no npm login token: only the owner's new browser.
	owner := newBrowser(t, s, chromeUA)
	signInWithPassword(t, s, owner, "alice", newAlicePW)
	page := owner.mustShow(s.URL + "account")
	mustNotContain(t, page, "npm login (web)")
	// The old browser was signed out by the reset.
	if _, body := w.do("GET", s.URL+"account", nil); strings.Contains(body, signedInAs("alice")) {
		t.Fatalf("the approving browser is still signed in after the reset:\n%s", body)
	}
}

// ageSignIn moves every time the registry keeps of the sign-ins of
// user's browsers back by d, as if they had signed in d earlier: the
// binary's clock is the machine's, and the step-up window is at least a
// minute. Expiry is left alone.
func ageSignIn(t *testing.T, s *testserver.Server, user string, d time.Duration) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(s.Data, "metadata.db")+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cols := []string{"created_at", "mfa_verified_at"}
	var has int
	if err := db.QueryRow(`SELECT count(*) FROM pragma_table_info('web_sessions') WHERE name = 'signed_in_at'`).Scan(&has); err != nil {
		t.Fatal(err)
	}
	if has == 1 {
		cols = append(cols, "signed_in_at")
	}
	for _, c := range cols {
		res, err := db.Exec(`UPDATE web_sessions SET `+c+` = `+c+` - ? WHERE `+c+` <> 0 AND user_id = (SELECT id FROM users WHERE name = ?)`, d.Milliseconds(), user)
		if err != nil {
			t.Fatalf("ageing %s: %v", c, err)
		}
		if n, _ := res.RowsAffected(); c == "created_at" && n == 0 {
			t.Fatalf("ageing the sign-in of %s: no session", user)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestSignOutOthersKeepsSignInTime: a browser signed in two hours ago (a
// stolen cookie, say) signs every other browser out. It stays signed in,
// but its new session is as old as the sign-in it replaces: it still
// cannot add its own authenticator app or passkey (without which the
// account cannot publish), nor approve an npm login, without signing in
// again with the password.
func TestSignOutOthersKeepsSignInTime(t *testing.T) {
	t.Parallel()
	s := server(t, "")
	signup(t, s, "alice", alicePW)
	stale := newBrowser(t, s, firefoxUA)
	signInWithPassword(t, s, stale, "alice", alicePW)
	ageSignIn(t, s, "alice", 2*time.Hour)

	stale.mustShow(s.URL+"account", signedInAs("alice"))
	stale.mustRedirect("POST", s.URL+"account/sessions/revoke-others", url.Values{}, "/account?others-signed-out=1")
	page := stale.mustShow(s.URL+"account?others-signed-out=1", "Every other browser and npm login was signed out", signedInAs("alice"))
	// The account page lists this browser as signed in two hours ago.
	m := regexp.MustCompile(`<tr><td>(\S+) <strong>\(this browser\)</strong>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("the account page does not list this browser:\n%s", page)
	}
	if at, err := time.Parse(time.RFC3339, m[1]); err != nil || time.Since(at) < 110*time.Minute {
		t.Fatalf("this browser is listed as signed in at %s (%v), want about two hours ago", m[1], err)
	}

	// An authenticator app: no enrolment is offered, none is accepted.
	const refusal = "for your security, a second factor is added only within 15m0s of signing in"
	page = stale.mustShow(s.URL+"account/mfa", refusal)
	if secretRE.MatchString(page) {
		t.Fatalf("the MFA page offers an enrolment to the stale session:\n%s", page)
	}
	status, body := stale.do("POST", s.URL+"account/mfa/confirm", url.Values{"code": {"123456"}})
	if status != http.StatusForbidden || !strings.Contains(body, refusal) {
		t.Fatalf("confirming an authenticator from the stale session: status %d:\n%s", status, body)
	}
	// A passkey: the ceremony does not even begin.
	req, _ := http.NewRequest("POST", s.URL+"-/webauthn/register/begin", strings.NewReader(`{"kind":"passkey"}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := stale.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var answer map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&answer)
	resp.Body.Close()
	if msg, _ := answer["error"].(string); resp.StatusCode != http.StatusForbidden || !strings.Contains(msg, refusal) {
		t.Fatalf("beginning a passkey from the stale session: status %d, %v", resp.StatusCode, answer)
	}

	// An npm login: refused, and npm gets nothing.
	start := do(t, "POST", s.URL+"-/v1/login", "", map[string]any{})
	loginURL, _ := start.JSON(t)["loginUrl"].(string)
	if start.Status != http.StatusOK || loginURL == "" {
		t.Fatalf("POST /-/v1/login: %d %s", start.Status, start.Body)
	}
	status, body = stale.do("POST", loginURL, url.Values{})
	if status != http.StatusForbidden || !strings.Contains(body, "an npm login is approved only within 15m0s of signing in") {
		t.Fatalf("approving an npm login from the stale session: status %d:\n%s", status, body)
	}

	// Signing in again with the password is what makes a session fresh.
	fresh := newBrowser(t, s, chromeUA)
	signInWithPassword(t, s, fresh, "alice", alicePW)
	if page := fresh.mustShow(s.URL + "account/mfa"); !secretRE.MatchString(page) {
		t.Fatalf("a fresh sign-in is offered no enrolment:\n%s", page)
	}
}

// TestEmailChangeFromStolenSessionIsVoided: someone with alice's password
// asks, from their own browser, to move the account to their address.
// The current address is told at once (with the new address and where
// the request came from) and alice's account page shows the pending
// change with a button that cancels it. Cancelled, the link is refused.
// Asked again, alice signs every other browser out, and the third time
// she resets her password: each voids the link, so the thief cannot take
// the account over through it.
func TestEmailChangeFromStolenSessionIsVoided(t *testing.T) {
	t.Parallel()
	s := server(t, "")
	const aliceAddr = "alice@example.com"
	signup(t, s, "alice", alicePW)
	thief := newBrowser(t, s, chromeUA)
	signInWithPassword(t, s, thief, "alice", alicePW)
	owner := newBrowser(t, s, firefoxUA)
	signInWithPassword(t, s, owner, "alice", alicePW)

	askChange := func() string {
		t.Helper()
		before := len(mailsTo(s, mallorysAddr, "Verify your email address"))
		thief.mustShow(s.URL + "account")
		thief.mustRedirect("POST", s.URL+"account/email", url.Values{"email": {mallorysAddr}, "password": {alicePW}}, "/account?email-sent=1")
		var m []string
		deadline := time.Now().Add(30 * time.Second)
		for time.Now().Before(deadline) {
			if got := mailsTo(s, mallorysAddr, "Verify your email address"); len(got) > before {
				m = append(m, linkIn(t, s, got[len(got)-1], "confirm-email"))
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if len(m) == 0 {
			t.Fatal("no change-of-address link reached the new address")
		}
		return m[0]
	}
	refused := func(link string) {
		t.Helper()
		status, body := browser(t, "GET", link, nil)
		if status != http.StatusBadRequest || tokenInput.MatchString(body) {
			t.Fatalf("GET %s: status %d, want the link refused:\n%s", link, status, body)
		}
		mustContain(t, body, "this link was already used or replaced by a newer one")
		token := strings.TrimPrefix(link, s.URL+"confirm-email?token=")
		status, body = browser(t, "POST", s.URL+"confirm-email", url.Values{"token": {token}})
		if status != http.StatusBadRequest || strings.Contains(body, "Email address changed") {
			t.Fatalf("POST confirm-email: status %d, want the link refused:\n%s", status, body)
		}
	}

	first := askChange()
	notice := waitForMail(t, s, aliceAddr, "A change of the email address of your Rampart account was asked for")
	mustContain(t, notice.Text, mallorysAddr, "IP address: 127.0.0.1", "Cancel the change on your account page", s.URL+"account")
	page := owner.mustShow(s.URL+"account", "A change of your email address to "+mallorysAddr+" is pending", `action="/account/email/cancel"`)
	mustContain(t, page, aliceAddr+" — verified")
	owner.mustRedirect("POST", s.URL+"account/email/cancel", url.Values{}, "/account?email-change-cancelled=1")
	page = owner.mustShow(s.URL+"account?email-change-cancelled=1", "The change of your email address was cancelled")
	mustNotContain(t, page, "is pending")
	refused(first)

	// Asked again: alice signs every other browser out.
	second := askChange()
	owner.mustShow(s.URL+"account", "A change of your email address to "+mallorysAddr+" is pending")
	owner.mustRedirect("POST", s.URL+"account/sessions/revoke-others", url.Values{}, "/account?others-signed-out=1")
	page = owner.mustShow(s.URL+"account?others-signed-out=1", aliceAddr+" — verified")
	mustNotContain(t, page, "is pending")
	refused(second)

	// The thief still has the password: signed in again and asked again,
	// alice resets her password.
	signInWithPassword(t, s, thief, "alice", alicePW)
	third := askChange()
	owner.mustShow(s.URL+"account", "A change of your email address to "+mallorysAddr+" is pending")
	resetPassword(t, s, aliceAddr, newAlicePW)
	refused(third)

	// The account is still alice's, at her address, nothing pending.
	again := newBrowser(t, s, firefoxUA)
	signInWithPassword(t, s, again, "alice", newAlicePW)
	page = again.mustShow(s.URL+"account", aliceAddr+" — verified")
	mustNotContain(t, page, mallorysAddr)
	if _, body := thief.do("GET", s.URL+"account", nil); strings.Contains(body, signedInAs("alice")) {
		t.Fatal("the thief's browser is still signed in after the reset")
	}
}
