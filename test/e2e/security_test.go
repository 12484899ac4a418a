package e2e

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/testpeers/hibp"
	"github.com/rampart/rampart/internal/testpeers/smtpd"
	"github.com/rampart/rampart/internal/testserver"
)

// Security features of accounts shown over the real binary: breached
// passwords at sign-in, new-device notices, changing the email address,
// step-up for sensitive actions and backoff on second-factor guesses.

// User agents of the tests' browsers; new-device notices quote them.
const (
	firefoxUA = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
	chromeUA  = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"
)

// newBrowser is a webClient that sends what a browser sends: a User-Agent
// on every request and, on form posts, the Origin, Sec-Fetch-Site and
// Referer of the registry page the form was on (the last page shown).
func newBrowser(t *testing.T, s *testserver.Server, userAgent string) *webClient {
	t.Helper()
	w := newWebClient(t)
	w.c.Transport = &browserTransport{ua: userAgent, origin: strings.TrimSuffix(s.URL, "/")}
	return w
}

type browserTransport struct {
	ua, origin string

	mu   sync.Mutex
	page string // the last page shown
}

func (b *browserTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.Header.Set("User-Agent", b.ua)
	if req.Method == http.MethodPost {
		req.Header.Set("Origin", b.origin)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		b.mu.Lock()
		if b.page != "" {
			req.Header.Set("Referer", b.page)
		}
		b.mu.Unlock()
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err == nil && req.Method == http.MethodGet && resp.StatusCode == http.StatusOK {
		b.mu.Lock()
		b.page = req.URL.String()
		b.mu.Unlock()
	}
	return resp, err
}

// mustRedirect sends a request and checks that it answers 303 See Other to
// location.
func (w *webClient) mustRedirect(method, target string, form url.Values, location string) {
	w.t.Helper()
	status, h, body := w.fetch(method, target, form)
	if status != http.StatusSeeOther || h.Get("Location") != location {
		w.t.Fatalf("%s %s: status %d to %q, want 303 to %q:\n%s", method, target, status, h.Get("Location"), location, body)
	}
}

// mustShow GETs a page and checks it is shown with every one of wants.
func (w *webClient) mustShow(target string, wants ...string) string {
	w.t.Helper()
	status, h, body := w.fetch(http.MethodGet, target, nil)
	if status != http.StatusOK {
		w.t.Fatalf("GET %s: status %d (Location %q), want 200:\n%s", target, status, h.Get("Location"), body)
	}
	mustContain(w.t, body, wants...)
	return body
}

// signInWithCode signs w in on the web with a password and the second
// step's code, and checks that it lands on /account.
func signInWithCode(t *testing.T, s *testserver.Server, w *webClient, user, pw, code string) {
	t.Helper()
	status, body := w.do("POST", s.URL+"login", url.Values{"name": {user}, "password": {pw}, "next": {"/account"}})
	if status != http.StatusOK || !strings.Contains(body, `action="/login/otp"`) {
		t.Fatalf("sign in: want the second-step page, got status %d:\n%s", status, body)
	}
	w.mustRedirect("POST", s.URL+"login/otp", url.Values{"code": {code}, "next": {"/account"}}, "/account")
}

// signedInAs is the page header's mark of a signed-in browser.
func signedInAs(user string) string {
	return `signed in as <a href="/~` + user + `">` + user + `</a>`
}

// mailsTo lists every mail to addr received so far whose subject contains
// subject, whether or not a test already waited for it.
func mailsTo(s *testserver.Server, addr, subject string) []smtpd.Received {
	var out []smtpd.Received
	for _, m := range s.Mail.Messages() {
		for _, to := range m.To {
			if strings.EqualFold(to, addr) && strings.Contains(m.Subject, subject) {
				out = append(out, m)
				break
			}
		}
	}
	return out
}

// linkIn returns the link in m to page (a path under the registry).
func linkIn(t *testing.T, s *testserver.Server, m smtpd.Received, page string) string {
	t.Helper()
	for _, l := range m.Links() {
		if strings.HasPrefix(l, s.URL+page+"?token=") {
			return l
		}
	}
	t.Fatalf("mail %q has no %s link:\n%s", m.Subject, page, m.Text)
	return ""
}

// TestBreachedPasswordSignInForcesChange (AUTHN-2d): an account's password
// shows up in a breach after it was set. Signing in on the web then lands
// on a forced password change, every other page sends the browser back
// there, and a notice is mailed once over SMTP. npm cannot change a
// password, so `npm login` is refused with a message pointing at the web
// page, the npm token the account already had cannot write, and
// `npm token create` with the breached password makes no token. After
// the change the account works again and the old npm session is gone.
func TestBreachedPasswordSignInForcesChange(t *testing.T) {
	t.Parallel()
	const leaked = "marble-otter-quietly-sings-42"
	pwned := hibp.Start(t) // knows nothing yet
	s := testserver.Start(t, testserver.Options{SMTP: true, HIBPURL: pwned.URL})
	carol := signup(t, s, "carol", leaked) // accepted: not breached yet
	oldToken := carol.Token()
	dave := signup(t, s, "dave", leaked)

	// The password appears in a breach.
	pwned.Add(leaked, 31337)

	// The first to sign in again does so to create a token with an npm
	// session from before the breach: the password is checked, found
	// breached, and no token is made.
	r := dave.Run("", "token", "create", "--password", leaked)
	mustFail(t, r, "403 Forbidden", "your password appears in a known data breach; change it at "+s.URL+"account/password")
	mustNotContain(t, r.Output(), "rmp_")
	waitForMail(t, s, "dave@example.com", "it appears in a data breach")

	w := newBrowser(t, s, firefoxUA)
	w.mustRedirect("POST", s.URL+"login", url.Values{"name": {"carol"}, "password": {leaked}, "next": {"/account"}}, "/account/password")
	w.mustShow(s.URL+"account/password", signedInAs("carol"), "Your password appears in a known data breach", `action="/account/password"`)
	for _, page := range []string{"account", "", "account/mfa", "account/security-keys", "~carol", "search?q=x"} {
		w.mustRedirect("GET", s.URL+page, nil, "/account/password")
	}
	w.mustShow(s.URL + "policies/unpublish") // the policies stay readable

	m := waitForMail(t, s, "carol@example.com", "it appears in a data breach")
	mustContain(t, m.Text, "can do nothing else until the password is changed", "Choose a new one here:", "IP address: 127.0.0.1")
	// "Choose a new one here:" must link to the change page itself.
	if !strings.Contains(m.Text, "Choose a new one here:\n\n"+s.URL+"account/password\n") {
		t.Errorf("the breached-password notice does not link to %saccount/password:\n%s", s.URL, m.Text)
	}

	// The npm token from before cannot write either.
	dir := writePkg(t, pkg{Name: "breach-pkg", Version: "1.0.0"})
	mustFail(t, carol.Run(dir, "publish"), "403 Forbidden", "your password appears in a known data breach; change it at "+s.URL+"account/password")

	// npm login with the breached password: refused, with where to go.
	fresh := anon(t, s)
	out, err := fresh.Interactive("", []string{"Username:", "Password:"}, []string{"carol", leaked}, "login", "--auth-type=legacy")
	if err == nil || fresh.Token() != "" {
		t.Fatalf("npm login with a breached password logged in:\n%s", out)
	}
	mustContain(t, out, "403 Forbidden - PUT "+s.URL+"-/user/org.couchdb.user:carol - your password appears in a known data breach; change it at "+s.URL+"account/password")
	mustNotContain(t, out, "Logged in")

	// The change: the same password is refused, another breached one too.
	const alsoLeaked = "velvet-badger-hums-at-dawn-7"
	pwned.Add(alsoLeaked, 12)
	status, body := w.do("POST", s.URL+"account/password", url.Values{"current": {leaked}, "password": {leaked}})
	if status != http.StatusBadRequest || !strings.Contains(body, "the new password must differ from the current one") {
		t.Fatalf("changing to the same password: status %d:\n%s", status, body)
	}
	status, body = w.do("POST", s.URL+"account/password", url.Values{"current": {leaked}, "password": {alsoLeaked}})
	if status != http.StatusBadRequest || !strings.Contains(body, "data breach") {
		t.Fatalf("changing to another breached password: status %d:\n%s", status, body)
	}
	w.mustRedirect("GET", s.URL+"account", nil, "/account/password") // still forced

	const fresher = "quiet lantern orbits the marsh"
	w.mustRedirect("POST", s.URL+"account/password", url.Values{"current": {leaked}, "password": {fresher}}, "/account?changed=1")
	w.mustShow(s.URL+"account?changed=1", signedInAs("carol"), "Your password was changed")
	w.mustShow(s.URL+"account/mfa", "Two-factor authentication")
	waitForMail(t, s, "carol@example.com", "password was changed")
	if n := len(mailsTo(s, "carol@example.com", "it appears in a data breach")); n != 1 {
		t.Fatalf("%d breached-password notices, want 1 (the refused npm login mails no second one)", n)
	}

	// The npm session from before the change ended; a new login works.
	carol.SetToken(oldToken)
	mustFail(t, carol.Run("", "whoami"), "E401", "was revoked on")
	n := login(t, s, "carol", fresher)
	mustContain(t, n.MustRun(dir, "publish").Output(), "+ breach-pkg@1.0.0")
}

// TestNewDeviceNotice (AUTHN-1d): the first sign-in from a device mails a
// notice naming the IP address and the browser or client. A browser is
// known by its device cookie: signing in again from it mails nothing,
// another browser mails again. An npm client is known by its kind and
// platform and its network (/24), not by its folder: the first
// `npm login` of an account mails, a second one from a fresh npm
// environment on the same machine does not.
func TestNewDeviceNotice(t *testing.T) {
	t.Parallel()
	s := server(t, "")
	s.CreateUser(t, "dave", "dave@example.com", bobPW) // never signed in anywhere
	const subject = "New sign-in to your Rampart account"

	login(t, s, "dave", bobPW)
	m := waitForMail(t, s, "dave@example.com", subject)
	mustContain(t, m.Text, "a device or browser\nthat we have not seen before", "IP address: 127.0.0.1", "Browser or client: npm/", " node/v")
	login(t, s, "dave", bobPW) // another fresh npm environment, same machine

	one := newBrowser(t, s, firefoxUA)
	form := url.Values{"name": {"dave"}, "password": {bobPW}, "next": {"/account"}}
	one.mustRedirect("POST", s.URL+"login", form, "/account")
	m = waitForMail(t, s, "dave@example.com", subject)
	mustContain(t, m.Text, "IP address: 127.0.0.1", "Browser or client: "+firefoxUA)

	// The same browser, signed out and in again: no notice.
	one.mustRedirect("POST", s.URL+"logout", url.Values{}, "/")
	one.mustRedirect("POST", s.URL+"login", form, "/account")
	one.mustShow(s.URL+"account", signedInAs("dave"))

	// Another browser is another device.
	two := newBrowser(t, s, chromeUA)
	two.mustRedirect("POST", s.URL+"login", form, "/account")
	m = waitForMail(t, s, "dave@example.com", subject)
	mustContain(t, m.Text, "Browser or client: "+chromeUA)

	// Mail is sent before a sign-in is answered, so by now every notice
	// is in: one for npm, one for each browser.
	var clients []string
	for _, m := range mailsTo(s, "dave@example.com", subject) {
		_, ua, _ := strings.Cut(m.Text, "Browser or client: ")
		ua, _, _ = strings.Cut(ua, "\n")
		clients = append(clients, ua)
	}
	if len(clients) != 3 || !strings.HasPrefix(clients[0], "npm/") || clients[1] != firefoxUA || clients[2] != chromeUA {
		t.Fatalf("new-device notices for %q; want one for npm, then %q, then %q", clients, firefoxUA, chromeUA)
	}
}

// TestEmailChange (AUTHN-1d): with a fresh second factor, a change of
// address asked for on the account page mails a confirmation link to the
// new address over SMTP. Until it is followed the old address stays in
// effect (the profile npm shows, password resets). Following it makes
// the new address the verified one, mails a notice to both addresses and
// withdraws the reset link sent to the old one; the link works once.
func TestEmailChange(t *testing.T) {
	t.Parallel()
	s := server(t, "")
	const oldAddr, newAddr = "alice@example.com", "alice@new.example.org"
	alice := signup(t, s, "alice", alicePW)
	auth, _ := enableTOTP(t, s, "alice", alicePW)
	w := newBrowser(t, s, firefoxUA)
	signInWithCode(t, s, w, "alice", alicePW, auth.Code(t))

	w.mustShow(s.URL+"account", oldAddr+" — verified", `action="/account/email"`)
	// A wrong password is refused, and nothing is mailed.
	status, body := w.do("POST", s.URL+"account/email", url.Values{"email": {newAddr}, "password": {"not-the-password-1"}})
	if status != http.StatusUnauthorized || !strings.Contains(body, "incorrect password; changing your email address needs your current password") {
		t.Fatalf("email change with a wrong password: status %d:\n%s", status, body)
	}
	w.mustRedirect("POST", s.URL+"account/email", url.Values{"email": {newAddr}, "password": {alicePW}}, "/account?email-sent=1")
	// The page shows the pending change (with a way to cancel it), and
	// the current address is told of it.
	w.mustShow(s.URL+"account?email-sent=1", "We have mailed a link to your new address", "Until then, "+oldAddr+" stays.", oldAddr+" — verified",
		"A change of your email address to "+newAddr+" is pending", `action="/account/email/cancel"`)
	mustContain(t, waitForMail(t, s, oldAddr, "A change of the email address").Text, newAddr)

	m := waitForMail(t, s, newAddr, "Verify your email address")
	confirm := linkIn(t, s, m, "confirm-email")
	if got := mailsTo(s, newAddr, ""); len(got) != 1 {
		t.Fatalf("%d mails to the new address before it is confirmed, want only the link", len(got))
	}

	// npm cannot change the address; it is told where to.
	mustFail(t, alice.Run("", "profile", "set", "email", "alice@npm.example.org"),
		"only two-factor authentication can be changed with `npm profile` here; change the rest of your profile at "+s.URL+"account")

	// Until the link is followed, the old address is the account's.
	r := alice.MustRun("", "profile", "get")
	mustContain(t, r.Stdout, "email: "+oldAddr+" (verified)")
	mustNotContain(t, r.Stdout, newAddr)
	status, body = browser(t, "POST", s.URL+"forgot-password", url.Values{"email": {oldAddr}})
	if status != http.StatusOK || !strings.Contains(body, "Check your mail") {
		t.Fatalf("forgot-password: %d\n%s", status, body)
	}
	reset := linkIn(t, s, waitForMail(t, s, oldAddr, "Reset"), "reset-password")

	// Following the link: a form first (mail scanners only GET), then
	// the change.
	status, body = browser(t, "GET", confirm, nil)
	token := tokenInput.FindStringSubmatch(body)
	if status != http.StatusOK || token == nil || !strings.Contains(body, "Use this address for my account") {
		t.Fatalf("GET %s: status %d, no form:\n%s", confirm, status, body)
	}
	status, body = browser(t, "POST", s.URL+"confirm-email", url.Values{"token": {token[1]}})
	if status != http.StatusOK {
		t.Fatalf("confirming the new address: status %d:\n%s", status, body)
	}
	mustContain(t, body, "Email address changed", newAddr+" is now your account")

	for _, addr := range []string{newAddr, oldAddr} {
		m := waitForMail(t, s, addr, "The email address of your Rampart account was changed")
		mustContain(t, m.Text, "from: "+oldAddr, "to:   "+newAddr, "This notice goes to both addresses", "IP address: 127.0.0.1")
	}
	r = alice.MustRun("", "profile", "get")
	mustContain(t, r.Stdout, "email: "+newAddr+" (verified)")
	w.mustShow(s.URL+"account", newAddr+" — verified")

	// The link works once.
	status, body = browser(t, "POST", s.URL+"confirm-email", url.Values{"token": {token[1]}})
	if status != http.StatusBadRequest {
		t.Fatalf("confirming twice: status %d, want 400:\n%s", status, body)
	}
	mustContain(t, body, "this link was already used or replaced by a newer one; ask again at "+s.URL+"account")
	status, body = browser(t, "GET", confirm, nil)
	if status != http.StatusBadRequest || tokenInput.MatchString(body) {
		t.Fatalf("opening the used link: status %d:\n%s", status, body)
	}
	mustContain(t, body, "this link was already used")
	// The reset link mailed to the old address was withdrawn.
	status, body = browser(t, "GET", reset, nil)
	if status != http.StatusBadRequest || tokenInput.MatchString(body) {
		t.Fatalf("the old address's reset link after the change: status %d:\n%s", status, body)
	}
	mustContain(t, body, "this link was already used or replaced by a newer one")
}

// TestStepUpForSensitiveActions: sensitive actions need a second factor
// passed within [mfa] step_up_window. The binary accepts no window
// shorter than one minute, so the test moves the server's clock on past
// it (Server.Advance) rather than waiting. On the web, a browser whose second factor is older is
// sent to /account/confirm when it asks to change its address; a wrong
// code there is refused, a right one sends it back and the change then
// goes through. Turning the authenticator off asks for a code in its own
// form, which serves as the step-up. The web UI has no token creation;
// npm's `npm token create` with an `npm login` token asks for a code
// every time, inside the window or not.
func TestStepUpForSensitiveActions(t *testing.T) {
	t.Parallel()
	s := server(t, "[mfa]\nstep_up_window = \"1m\"\n")
	const newAddr = "alice@elsewhere.example.org"
	alice := signup(t, s, "alice", alicePW)
	auth, recovery := enableTOTP(t, s, "alice", alicePW)
	w := newBrowser(t, s, firefoxUA)
	signInWithCode(t, s, w, "alice", alicePW, auth.Code(t))
	stale := newBrowser(t, s, chromeUA)
	signInWithCode(t, s, stale, "alice", alicePW, recovery[0])
	signedIn := s.Now(t) // the sessions passed their second factor before this

	// Inside the window the change needs nothing more.
	w.mustShow(s.URL + "account")
	change := url.Values{"email": {newAddr}, "password": {alicePW}}
	w.mustRedirect("POST", s.URL+"account/email", change, "/account?email-sent=1")
	waitForMail(t, s, newAddr, "Verify your email address")

	// npm: an `npm login` token needs a code to create a token.
	r := alice.Run("", "token", "create", "--password", alicePW)
	mustFail(t, r, "EOTP", "This operation requires a one-time password")
	mustContain(t, alice.MustRun("", "token", "create", "--password", alicePW, "--otp="+auth.Code(t)).Stdout, "Created token rmp_")
	waitForMail(t, s, "alice@example.com", "token")

	s.Advance(t, signedIn.Add(time.Minute+1500*time.Millisecond).Sub(s.Now(t)))

	// Past the window: the change sends the browser to confirm.
	w.mustShow(s.URL + "account")
	w.mustRedirect("POST", s.URL+"account/email", change, "/account/confirm?next=%2Faccount")
	w.mustShow(s.URL+"account/confirm?next=%2Faccount", "Confirm it", `action="/account/confirm"`, `name="next" value="/account"`, `name="code"`)
	status, body := w.do("POST", s.URL+"account/confirm", url.Values{"code": {"000000"}, "next": {"/account"}})
	if status != http.StatusUnauthorized || !strings.Contains(body, "that code is not valid") || !strings.Contains(body, `action="/account/confirm"`) {
		t.Fatalf("confirming with a wrong code: status %d:\n%s", status, body)
	}
	w.mustShow(s.URL + "account")
	w.mustRedirect("POST", s.URL+"account/email", change, "/account/confirm?next=%2Faccount") // still
	w.mustRedirect("POST", s.URL+"account/confirm", url.Values{"code": {auth.Code(t)}, "next": {"/account"}}, "/account")
	w.mustShow(s.URL + "account")
	w.mustRedirect("POST", s.URL+"account/email", change, "/account?email-sent=1")
	waitForMail(t, s, newAddr, "Verify your email address")

	// npm past the window: the same as inside it.
	mustFail(t, alice.Run("", "token", "create", "--password", alicePW), "EOTP")

	// Turning the authenticator off from the stale browser: the form's own
	// code is the step-up; a wrong one is refused and TOTP stays on.
	stale.mustShow(s.URL+"account/mfa", "Recovery codes left")
	status, body = stale.do("POST", s.URL+"account/mfa/disable", url.Values{"password": {alicePW}, "code": {"000000"}})
	if status != http.StatusUnauthorized || !strings.Contains(body, "that code is not valid") {
		t.Fatalf("turning TOTP off with a wrong code: status %d:\n%s", status, body)
	}
	stale.mustShow(s.URL+"account/mfa", "Recovery codes left")
	// (A recovery code: the app's next code could be half a minute away.)
	stale.mustRedirect("POST", s.URL+"account/mfa/disable", url.Values{"password": {alicePW}, "code": {recovery[1]}}, "/account/mfa?disabled=1")
	waitForMail(t, s, "alice@example.com", "second factor was removed")
	mustContain(t, alice.MustRun("", "profile", "get").Stdout, "two-factor auth: disabled")
}

// TestTOTPBruteForceBackoff (AUTHN-1e): wrong second-factor codes, at the
// web's second sign-in step and with npm's --otp alike, count against one
// budget per account (and per address). After [login] free_failures,
// each wrong code blocks further tries for 1s, 2s, 4s, ... up to
// max_backoff: the browser gets 429 with Retry-After and "too many failed
// authenticator codes; try again in N seconds", npm prints the same
// after E429, and while the block holds even the right code is refused.
// It is no lockout: once the wait is over the right code signs in and
// publishes. The server's clock is frozen while the blocks are counted
// and moved on past each (Server.Freeze, Advance), so the blocks are
// exactly 1s, 2s, 4s and 8s however slow the machine.
func TestTOTPBruteForceBackoff(t *testing.T) {
	t.Parallel()
	const maxBackoff = 8
	s := server(t, "[login]\nfree_failures = 2\nmax_backoff = \""+strconv.Itoa(maxBackoff)+"s\"\n")
	alice := signup(t, s, "alice", alicePW)
	auth, recovery := enableTOTP(t, s, "alice", alicePW)
	dir := writePkg(t, pkg{Name: "otp-guard", Version: "1.0.0"})

	// Free failure 1, from npm.
	r := alice.Run(dir, "publish", "--otp=000000")
	mustFail(t, r, "EOTP")
	mustNotContain(t, r.Output(), "E429")

	// Free failure 2, at the web's second step.
	w := newBrowser(t, s, firefoxUA)
	status, body := w.do("POST", s.URL+"login", url.Values{"name": {"alice"}, "password": {alicePW}, "next": {"/account"}})
	if status != http.StatusOK || !strings.Contains(body, `action="/login/otp"`) {
		t.Fatalf("sign in: want the second-step page, got status %d:\n%s", status, body)
	}
	wrong := url.Values{"code": {"000000"}, "next": {"/account"}}
	status, _, body = w.fetch("POST", s.URL+"login/otp", wrong)
	if status != http.StatusUnauthorized || !strings.Contains(body, "that code is not valid") {
		t.Fatalf("a wrong code: status %d:\n%s", status, body)
	}

	// Go on guessing: each wrong code that is tried doubles the block;
	// a guess during a block is refused untried. Wait out each block
	// until one is as long as max_backoff.
	s.Freeze(t, true)
	var blocks []int
	var blockedAt time.Time
	for tries := 0; len(blocks) == 0 || blocks[len(blocks)-1] < maxBackoff; tries++ {
		if tries > 12 {
			t.Fatalf("after %d more wrong codes the block never reached max_backoff: blocks %v", tries, blocks)
		}
		status, h, body := w.fetch("POST", s.URL+"login/otp", wrong)
		switch status {
		case http.StatusUnauthorized:
			mustContain(t, body, "that code is not valid")
			continue
		case http.StatusTooManyRequests:
		default:
			t.Fatalf("a wrong code: status %d, want 401 or 429:\n%s", status, body)
		}
		blockedAt = s.Now(t)
		secs, err := strconv.Atoi(h.Get("Retry-After"))
		if err != nil || secs < 1 || secs > maxBackoff {
			t.Fatalf("429 with Retry-After %q, want 1 to %d seconds", h.Get("Retry-After"), maxBackoff)
		}
		mustContain(t, body, "too many failed authenticator codes; try again in "+strconv.Itoa(secs)+" second", `action="/login/otp"`)
		blocks = append(blocks, secs)
		if secs < maxBackoff {
			s.Advance(t, time.Duration(secs)*time.Second+100*time.Millisecond)
		}
	}
	// On a frozen clock nothing comes late: the blocks double from 1s.
	if want := []int{1, 2, 4, 8}; !slices.Equal(blocks, want) {
		t.Fatalf("blocks %v, want %v: doubling from 1s after the free failures", blocks, want)
	}

	// While the block holds, the right code is refused too, on the web
	// and from npm, and nothing is signed in or published.
	code := auth.Code(t)
	status, h, body := w.fetch("POST", s.URL+"login/otp", url.Values{"code": {code}, "next": {"/account"}})
	if status != http.StatusTooManyRequests || h.Get("Retry-After") == "" {
		t.Fatalf("the right code during the block: status %d, Retry-After %q:\n%s", status, h.Get("Retry-After"), body)
	}
	mustContain(t, body, "too many failed authenticator codes; try again in ")
	w.mustRedirect("GET", s.URL+"account", nil, "/login?next=/account")
	r = alice.Run(dir, "publish", "--otp="+code)
	mustFail(t, r, "E429", "429 Too Many Requests - PUT "+s.URL+"otp-guard - too many failed authenticator codes; try again in ")
	if h := packument(t, s, "otp-guard", ""); h.Status != http.StatusNotFound {
		t.Fatalf("published during the block: %d", h.Status)
	}

	// Not a lockout: after the wait the same code signs in.
	s.Advance(t, blockedAt.Add(maxBackoff*time.Second+300*time.Millisecond).Sub(s.Now(t)))
	w.mustRedirect("POST", s.URL+"login/otp", url.Values{"code": {code}, "next": {"/account"}}, "/account")
	w.mustShow(s.URL+"account", signedInAs("alice"))
	// And npm publishes with a second factor (a recovery code: the app's
	// code was just spent).
	mustContain(t, alice.MustRun(dir, "publish", "--otp="+recovery[0]).Output(), "+ otp-guard@1.0.0")
}
