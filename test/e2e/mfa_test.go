package e2e

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/testpeers/authapp"
	"github.com/rampart/rampart/internal/testpeers/smtpd"
	"github.com/rampart/rampart/internal/testserver"
)

// webClient is a browser without JavaScript: cookies, forms, no redirects.
type webClient struct {
	t *testing.T
	c *http.Client
}

func newWebClient(t *testing.T) *webClient {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &webClient{t: t, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (w *webClient) do(method, target string, form url.Values) (int, string) {
	w.t.Helper()
	status, _, body := w.fetch(method, target, form)
	return status, body
}

// fetch is do that also returns the response's headers.
func (w *webClient) fetch(method, target string, form url.Values) (int, http.Header, string) {
	w.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		w.t.Fatal(err)
	}
	req.Header.Set("Accept", "text/html")
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := w.c.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		w.t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(b)
}

var (
	secretRE   = regexp.MustCompile(`<code class="totp-secret">([A-Z2-7]+)</code>`)
	recoveryRE = regexp.MustCompile(`<li><code>([a-z0-9]{5}-[a-z0-9]{5})</code></li>`)
)

// enableTOTP signs in on the web, enrols an authenticator from the QR
// page's secret and returns it with the recovery codes shown once.
func enableTOTP(t *testing.T, s *testserver.Server, user, pw string) (*authapp.App, []string) {
	t.Helper()
	w := newWebClient(t)
	if status, body := w.do("POST", s.URL+"login", url.Values{"name": {user}, "password": {pw}, "next": {"/account"}}); status != http.StatusSeeOther {
		t.Fatalf("sign in: status %d:\n%s", status, body)
	}
	status, body := w.do("GET", s.URL+"account/mfa", nil)
	m := secretRE.FindStringSubmatch(body)
	if status != http.StatusOK || m == nil || !strings.Contains(body, `src="data:image/png;base64,`) {
		t.Fatalf("GET /account/mfa: status %d, no QR code or secret:\n%s", status, body)
	}
	a := &authapp.App{Secret: m[1], Clock: s}
	status, body = w.do("POST", s.URL+"account/mfa/confirm", url.Values{"code": {a.Code(t)}})
	var codes []string
	for _, c := range recoveryRE.FindAllStringSubmatch(body, -1) {
		codes = append(codes, c[1])
	}
	if status != http.StatusOK || len(codes) != 10 {
		t.Fatalf("confirm: status %d, %d recovery codes:\n%s", status, len(codes), body)
	}
	waitForMail(t, s, user+"@example.com", "second factor was added")
	// Shown once: the page no longer lists them.
	if _, body := w.do("GET", s.URL+"account/mfa", nil); recoveryRE.MatchString(body) || !strings.Contains(body, "Recovery codes left: <strong>10</strong>") {
		t.Fatalf("the MFA page after confirming:\n%s", body)
	}
	return a, codes
}

// waitForMail waits for a mail to addr whose subject contains subject,
// skipping others.
func waitForMail(t *testing.T, s *testserver.Server, addr, subject string) smtpd.Received {
	t.Helper()
	return s.Mail.WaitForSubject(t, addr, subject, 30*time.Second)
}

// TestTOTPWithNPM: TOTP turned on through the web flow makes npm writes
// ask for a one-time password: without one npm fails with EOTP, --otp
// works once per code, `npm login` answers the OTP prompt on a terminal,
// and a recovery code works once and is reported by mail over SMTP.
func TestTOTPWithNPM(t *testing.T) {
	t.Parallel()
	s := server(t, "")
	alice := signup(t, s, "alice", alicePW) // logged in before TOTP
	auth, recovery := enableTOTP(t, s, "alice", alicePW)

	dir := writePkg(t, pkg{Name: "otp-pkg", Version: "1.0.0"})
	r := alice.Run(dir, "publish")
	// npm prints its own text for EOTP; the server's message begins alike.
	mustFail(t, r, "EOTP", "This operation requires a one-time password from your authenticator.")

	code := auth.Code(t)
	r = alice.MustRun(dir, "publish", "--otp="+code)
	mustContain(t, r.Output(), "+ otp-pkg@1.0.0")

	// npm prints its own text for EOTP; the body's error, which other
	// clients show, says how to send a code and what a key's owner does.
	h := do(t, http.MethodPut, s.URL+"/-/package/otp-pkg/dist-tags/stable", alice.Token(), "1.0.0")
	msg, _ := h.JSON(t)["error"].(string)
	if h.Status != http.StatusUnauthorized {
		t.Fatalf("a dist-tag without a code: status %d, want 401", h.Status)
	}
	mustContain(t, msg, "requires a one-time password", "--otp=<code>", "authenticator app", "security key or passkey")

	// The same code again: spent.
	dir2 := writePkg(t, pkg{Name: "otp-pkg", Version: "1.0.1"})
	mustFail(t, alice.Run(dir2, "publish", "--otp="+code), "EOTP")
	mustFail(t, alice.Run("", "dist-tag", "add", "otp-pkg@1.0.0", "stable", "--otp="+code), "EOTP")

	// npm login on a terminal: the registry asks for the code, npm
	// prompts for it and sends it.
	fresh := testserver.NewNPM(t, s.URL)
	out, err := fresh.Interactive("", []string{"Username:", "Password:", "Enter OTP:"}, []string{"alice", alicePW, auth.Code(t)}, "login", "--auth-type=legacy")
	if err != nil || !strings.Contains(out, "Logged in") {
		t.Fatalf("npm login with OTP: %v\n%s", err, out)
	}
	// Its token is a login token: writes still need a code.
	mustFail(t, fresh.Run(dir2, "publish"), "EOTP")
	r = fresh.MustRun(dir2, "publish", "--otp="+auth.Code(t))
	mustContain(t, r.Output(), "+ otp-pkg@1.0.1")

	// A recovery code stands in for the app, once, and a mail says so.
	dir3 := writePkg(t, pkg{Name: "otp-pkg", Version: "1.0.2"})
	r = alice.MustRun(dir3, "publish", "--otp="+recovery[0])
	mustContain(t, r.Output(), "+ otp-pkg@1.0.2")
	waitForMail(t, s, "alice@example.com", "recovery code was used")
	dir4 := writePkg(t, pkg{Name: "otp-pkg", Version: "1.0.3"})
	mustFail(t, alice.Run(dir4, "publish", "--otp="+recovery[0]), "EOTP")

	// Reads never need a code.
	alice.MustRun("", "view", "otp-pkg", "version")
}
