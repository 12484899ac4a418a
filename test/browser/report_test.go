package browser

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/rampart/rampart/internal/testserver"
)

var itemLinkRE = regexp.MustCompile(`/moderation/reports/([0-9]+)`)

// TestReportFromPackagePageAndModerate (GEN-2b): signed out, a package
// page says to sign in to report; signed in, alice reports a version
// from the page's form; the moderators are mailed the link to the queue
// item; a moderator (with the passkey moderation asks for) finds it in
// the queue, sees the report and the link to the version's evidence
// page, replies to the reporter and closes it as actioned; alice is
// mailed each time, with the moderator's words.
func TestReportFromPackagePageAndModerate(t *testing.T) {
	t.Parallel()
	s := testserver.Start(t, testserver.Options{SMTP: true})
	const pkg = "odd-widget"
	s.CreateUser(t, "pub", "pub@example.com", bobPW)
	s.CreateUser(t, "alice", "alice@example.com", alicePW)
	s.CreateUser(t, "mod", "mod@example.com", carolPW)
	if out, err := s.Admin(t, "", "user", "moderator", "add", "mod"); err != nil {
		t.Fatalf("moderator add: %v\n%s", err, out)
	}
	npm := testserver.NewNPM(t, s.URL)
	npm.Login("pub", bobPW, "")
	dir := writePkg(t, map[string]any{"name": pkg, "version": "1.0.0", "description": "A widget", "license": "MIT"}, "# odd-widget\n")
	mustContain(t, npm.MustRun(dir, "publish").Output(), "+ "+pkg+"@1.0.0")

	// Signed out: the page says to sign in.
	b := newBrowser(t, 3*time.Minute)
	b.run("open the package page signed out", chromedp.Navigate(s.URL+"package/"+pkg), chromedp.WaitVisible(chromedp.CSS(`#report-signin`)))
	mustContain(t, b.text(`#report-signin`), "Sign in to report")

	// Signed in: the form files a report on the version.
	b.run("sign in from the package page", chromedp.Click(chromedp.CSS(`#report-signin a`)))
	b.enterPassword("alice", alicePW, `#report-package`)
	b.run("report version 1.0.0 as malicious",
		chromedp.Click(chromedp.CSS(`#report-package summary`)),
		chromedp.WaitVisible(chromedp.CSS(`#report-reason`)),
		chromedp.SetValue(chromedp.CSS(`#report-version`), "1.0.0"),
		chromedp.SetValue(chromedp.CSS(`#report-reason`), "malicious"),
		chromedp.SendKeys(chromedp.CSS(`#report-description`), "The postinstall script uploads ~/.npmrc"),
		chromedp.Click(chromedp.CSS(`#report-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#report-filed`)),
	)
	mustContain(t, b.text(`#report-filed`), "odd-widget@1.0.0", "moderators were notified")

	m := waitForMail(t, s, "mod@example.com", pkg+"@1.0.0 was reported")
	mustContain(t, m.Text, "Reported by: alice", "The postinstall script uploads ~/.npmrc")
	var itemURL string
	for _, l := range m.Links() {
		if itemLinkRE.MatchString(l) {
			itemURL = l
		}
	}
	if !strings.HasPrefix(itemURL, s.URL+"moderation/reports/") {
		t.Fatalf("the moderators' mail has no link to the queue item: %q", m.Links())
	}

	// bob reports the same version through the API: the same item.
	bob := testserver.NewNPM(t, s.URL)
	s.CreateUser(t, "bob", "bob@example.com", "granite-walrus-ember-9")
	bob.Login("bob", "granite-walrus-ember-9", "")
	req, err := http.NewRequest(http.MethodPost, s.URL+"-/rampart/v1/reports", strings.NewReader(`{"package":"`+pkg+`","version":"1.0.0","reason":"spam","description":"and it is spam"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+bob.Token())
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("bob's API report: %s", resp.Status)
	}

	// The moderator: a passkey first, as moderation asks.
	mb := newBrowser(t, 3*time.Minute)
	mb.addAuthenticator(platformPasskeys)
	mb.run("open the sign-in page", chromedp.Navigate(s.URL+"login?next=/account/security-keys"))
	mb.enterPassword("mod", carolPW, `#webauthn-register`)
	mb.registerKey(s.URL, "Moderator laptop", "passkey")
	mb.signOut()
	mb.run("sign in with the passkey",
		chromedp.Navigate(s.URL+"login?next=/moderation/reports"),
		chromedp.WaitVisible(chromedp.CSS(`#passkey-signin`)),
		chromedp.Click(chromedp.CSS(`#passkey-signin`)),
		chromedp.WaitVisible(chromedp.CSS(`table.reports`)),
	)
	mustContain(t, mb.text(`table.reports`), pkg+"@1.0.0", "malicious, spam", "The postinstall script", "and it is spam")
	mb.run("open the link of the mail", chromedp.Navigate(itemURL), chromedp.WaitVisible(chromedp.CSS(`#report-item`)))
	mustContain(t, mb.text(`#report-item`), pkg+"@1.0.0", "2 reporters", "alice", "malicious code", "The postinstall script uploads ~/.npmrc",
		"bob", "spam", "and it is spam")
	if href := mb.eval(`document.querySelector('#evidence-link').getAttribute('href')`); href != "/moderation/package/"+pkg+"/v/1.0.0" {
		t.Errorf("the evidence link is %q", href)
	}

	mb.run("reply to the reporter",
		chromedp.SendKeys(chromedp.CSS(`#reply-text`), "Thanks, we are looking at the install script."),
		chromedp.Click(chromedp.CSS(`#reply-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#report-item .reply`)),
	)
	mustContain(t, mb.text(`#report-item .replies`), "mod", "we are looking at the install script")
	reply := waitForMail(t, s, "alice@example.com", "replied to your report on "+pkg)
	mustContain(t, reply.Text, "Moderator: mod", "Thanks, we are looking at the install script.")

	mb.run("close as actioned",
		chromedp.SetValue(chromedp.CSS(`#close-outcome`), "actioned"),
		chromedp.SendKeys(chromedp.CSS(`#close-text`), "Version 1.0.0 was removed."),
		chromedp.Click(chromedp.CSS(`#close-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#item-state.closed`)),
	)
	mustContain(t, mb.text(`#item-state`), "actioned", "mod")
	for _, to := range []string{"alice@example.com", "bob@example.com"} {
		closed := waitForMail(t, s, to, "Your report on "+pkg+" was acted on")
		mustContain(t, closed.Text, "Version 1.0.0 was removed.")
	}
	mb.run("open the queue", chromedp.Navigate(s.URL+"moderation/reports"), chromedp.WaitVisible(chromedp.CSS(`#no-reports`)))
}
