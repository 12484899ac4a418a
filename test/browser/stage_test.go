package browser

import (
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/rampart/rampart/internal/testserver"
)

var stagedRE = regexp.MustCompile(`\(staged with id ([0-9a-f-]{36})\)`)

// TestApproveStagedCriticalReleaseWithKey: CI stages a version of a
// critical package (`npm stage publish`, no code); in the browser the
// maintainer finds it under staged releases and approves it. The step-up
// window having passed, the approval sends the browser to confirm, with
// the passkey (a critical package needs one); back on the list, the
// approval goes through, and only then does everyone's latest move.
func TestApproveStagedCriticalReleaseWithKey(t *testing.T) {
	t.Parallel()
	s := testserver.Start(t, testserver.Options{SMTP: true, Config: "[mfa]\nstep_up_window = \"1m\"\n"})
	const addr, pkg = "alice@example.com", "staged-jewel"
	s.CreateUser(t, "alice", addr, alicePW)
	b := newBrowser(t, 3*time.Minute)
	b.addAuthenticator(platformPasskeys)

	b.run("open the sign-in page", chromedp.Navigate(s.URL+"login?next=/account/security-keys"))
	b.enterPassword("alice", alicePW, `#webauthn-register`)
	b.registerKey(s.URL, "Test laptop", "passkey")
	b.signOut()
	npm := npmWebLogin(t, s, b, "alice", func() {
		t.Helper()
		b.run("sign in with the passkey for npm",
			chromedp.WaitVisible(chromedp.CSS(`#passkey-signin`)),
			chromedp.Click(chromedp.CSS(`#passkey-signin`)),
			chromedp.WaitVisible(chromedp.CSS(`#approve-cli-login`)),
		)
	})
	app := b.enrolTOTP(s)
	dir := writePkg(t, map[string]any{"name": pkg, "version": "1.0.0", "description": "Released by hand", "license": "MIT"}, "# staged-jewel\n")
	mustContain(t, npm.MustRun(dir, "publish", "--otp="+app.Code(t)).Output(), "+ "+pkg+"@1.0.0")
	if out, err := s.Admin(t, "", "package", "critical", "add", pkg); err != nil {
		t.Fatalf("designating %s critical: %v\n%s", pkg, err, out)
	}

	// CI stages the next version: no code.
	dir = writePkg(t, map[string]any{"name": pkg, "version": "1.1.0", "description": "Released by hand", "license": "MIT"}, "# staged-jewel\n")
	out := npm.MustRun(dir, "stage", "publish").Output()
	m := stagedRE.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("npm stage publish printed no stage id:\n%s", out)
	}
	id := m[1]
	waitForMail(t, s, addr, pkg+"@1.1.0 was staged")

	// Past the step-up window: approving asks to confirm, with the key.
	s.Advance(t, 2*time.Minute)
	approve := `#stage-` + id + ` button.approve`
	b.run("open the staged releases and approve",
		chromedp.Navigate(s.URL+"account/staged"),
		chromedp.WaitVisible(chromedp.CSS(approve)),
		chromedp.Click(chromedp.CSS(approve)),
		chromedp.WaitVisible(chromedp.CSS(`#key-confirm`)),
	)
	if latest := distTag(t, s, pkg, "latest"); latest != "1.0.0" {
		t.Fatalf("latest is %s before the step-up", latest)
	}
	b.run("confirm with the passkey",
		chromedp.Click(chromedp.CSS(`#key-confirm`)),
		chromedp.WaitVisible(chromedp.CSS(approve)),
	)
	if loc := b.location(); loc != s.URL+"account/staged" {
		t.Fatalf("after the step-up the browser is at %s, want back at the staged releases", loc)
	}
	b.run("approve, confirmed",
		chromedp.Click(chromedp.CSS(approve)),
		chromedp.WaitVisible(chromedp.CSS(`#staged-done`)),
	)
	mustContain(t, b.text(`#staged-done`), pkg+"@1.1.0 approved")
	mustContain(t, b.text(`main`), "Nothing is staged for your packages")
	if latest := distTag(t, s, pkg, "latest"); latest != "1.1.0" {
		t.Fatalf("latest is %s after the approval", latest)
	}
	mustContain(t, waitForMail(t, s, addr, pkg+"@1.1.0 was approved").Text, "Stage id: "+id, "By:       alice", "a signed-in browser")
}

// distTag reads tag from the package's public document.
func distTag(t *testing.T, s *testserver.Server, name, tag string) string {
	t.Helper()
	resp, err := http.Get(s.URL + name)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v\n%s", name, resp.StatusCode, err, body)
	}
	var doc struct {
		DistTags map[string]string `json:"dist-tags"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(doc.DistTags[tag])
}
