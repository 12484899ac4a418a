package browser

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/rampart/rampart/internal/testserver"
)

// TestBrowserTrustedPublishing: an owner with two-factor authentication
// on configures a trusted publisher on the package's trusted-publishing
// page; the change needs a fresh second factor, so once the sign-in's is
// older than the step-up window the browser is sent to confirm it and
// back. The publisher shows on the page, in `npm trust list`'s answer and
// in the owners' mail; the trusted-only policy is set and removed there.
func TestBrowserTrustedPublishing(t *testing.T) {
	t.Parallel()
	s := testserver.Start(t, testserver.Options{SMTP: true})
	s.CreateUser(t, "alice", "alice@example.com", alicePW)
	npm := testserver.NewNPM(t, s.URL)
	npm.Login("alice", alicePW, "")
	dir := writePkg(t, map[string]any{"name": "widget", "version": "1.0.0", "description": "A widget", "license": "MIT"}, "# widget\n")
	mustContain(t, npm.MustRun(dir, "publish").Output(), "+ widget@1.0.0")

	b := newBrowser(t, 120*time.Second, chromedp.WindowSize(1280, 900))
	b.run("sign in", chromedp.Navigate(s.URL+"login"))
	b.enterPassword("alice", alicePW, `nav.account .who`)
	app := b.enrolTOTP(s)

	// Long after the sign-in: adding a publisher asks for the factor again.
	s.Advance(t, 20*time.Minute)
	b.run("open the trusted-publishing page from the package's and add a publisher",
		chromedp.Navigate(s.URL+"package/widget"),
		chromedp.Click(chromedp.CSS(`#trust-settings`)),
		chromedp.WaitVisible(chromedp.CSS(`#trust-add`)),
		chromedp.SetValue(chromedp.CSS(`#trust-type`), "github"),
		chromedp.SendKeys(chromedp.CSS(`#trust-repository`), "acme/widget"),
		chromedp.SendKeys(chromedp.CSS(`#trust-file`), "publish.yml"),
		chromedp.SendKeys(chromedp.CSS(`#trust-environment`), "production"),
		chromedp.Submit(chromedp.CSS(`#trust-file`)),
		chromedp.WaitVisible(chromedp.CSS(`#code`)),
	)
	if loc := b.location(); !strings.Contains(loc, "/account/confirm") {
		t.Fatalf("a stale second factor went to %s, want the confirm page", loc)
	}
	b.run("confirm the code and come back",
		chromedp.SendKeys(chromedp.CSS(`#code`), app.Code(t)),
		chromedp.Submit(chromedp.CSS(`#code`)),
		chromedp.WaitVisible(chromedp.CSS(`#trust-add`)),
	)
	// Back on the page: the form is sent again, now within the window.
	if strings.Contains(b.eval(`document.body.innerText`), "acme/widget") == false {
		b.run("add the publisher again after confirming",
			chromedp.SendKeys(chromedp.CSS(`#trust-repository`), "acme/widget"),
			chromedp.SendKeys(chromedp.CSS(`#trust-file`), "publish.yml"),
			chromedp.SendKeys(chromedp.CSS(`#trust-environment`), "production"),
			chromedp.Submit(chromedp.CSS(`#trust-file`)),
			chromedp.WaitVisible(chromedp.CSS(`#trust-done`)),
		)
	}
	mustContain(t, b.text(`#trusted-publishers`), "github", "repository=acme/widget", "workflow_ref.file=publish.yml", "environment=production", "active")
	mail := waitForMail(t, s, "alice@example.com", "Trusted publishing changed for widget")
	mustContain(t, mail.Text, "added trusted publisher", "a signed-in browser")

	// What npm trust list reads.
	req, _ := http.NewRequest("GET", s.URL+"-/package/widget/trust", nil)
	req.Header.Set("Authorization", "Bearer "+npm.Token())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var list []struct {
		Type   string         `json:"type"`
		Claims map[string]any `json:"claims"`
	}
	if err := json.Unmarshal(body, &list); err != nil || len(list) != 1 || list[0].Type != "github" || list[0].Claims["repository"] != "acme/widget" {
		t.Fatalf("trust list: %d %s", resp.StatusCode, body)
	}

	// The policy, on and off.
	b.run("publish only through trusted publishing",
		chromedp.Click(chromedp.CSS(`#trust-policy input[name="trusted_only"]`)),
		chromedp.Submit(chromedp.CSS(`#trust-policy input[name="trusted_only"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#trust-done`)),
	)
	if !evalAs[bool](b, `document.querySelector('#trust-policy input[name="trusted_only"]').checked`) {
		t.Fatal("the policy is not shown as on after saving it")
	}
	mustContain(t, waitForMail(t, s, "alice@example.com", "Trusted publishing changed for widget").Text, "turned on")
	dir = writePkg(t, map[string]any{"name": "widget", "version": "1.0.1", "description": "A widget", "license": "MIT"}, "# widget\n")
	r := npm.Run(dir, "publish", "--otp", app.Code(t))
	if r.Err == nil || !strings.Contains(r.Output(), "publishes only through trusted publishing") {
		t.Fatalf("a classic publish under trusted-only: %v\n%s", r.Err, r.Output())
	}

	// Removing the publisher.
	b.run("remove the publisher",
		chromedp.Click(chromedp.CSS(`#trusted-publishers button`)),
		chromedp.WaitVisible(chromedp.CSS(`#no-publishers`)),
	)
	mustContain(t, waitForMail(t, s, "alice@example.com", "Trusted publishing changed for widget").Text, "removed trusted publisher")
}
