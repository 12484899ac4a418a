package browser

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/rampart/rampart/internal/testserver"
)

// advRecord is an OSV record in the shape of GitHub's: adv-web-lib below
// 1.0.1 is vulnerable.
const advRecord = `{"schema_version":"1.6.0","id":"GHSA-web0-0001-aaaa","modified":"2026-01-02T03:04:05Z","published":"2026-01-01T00:00:00Z",
"aliases":["CVE-2026-0002"],"summary":"Path traversal in adv-web-lib","details":"open() follows ../ in names.",
"affected":[{"package":{"ecosystem":"npm","name":"adv-web-lib"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.0.1"}]}]}],
"references":[{"type":"WEB","url":"https://example.com/advisory"},{"type":"WEB","url":"javascript:alert(1)"}],
"database_specific":{"cwe_ids":["CWE-22"],"severity":"MODERATE"}}`

// TestBrowserAdvisories: an advisory imported with the admin command is
// shown in real Chromium: its page lists the versions of this registry it
// affects with the first fixed version (and no unsafe link), the package
// page names it for its versions, a dependent's page names it for the
// dependency its range resolves to here, and the list page has it.
func TestBrowserAdvisories(t *testing.T) {
	t.Parallel()
	s := testserver.Start(t, testserver.Options{})
	s.CreateUser(t, "alice", "alice@example.com", alicePW)
	npm := testserver.NewNPM(t, s.URL)
	npm.Login("alice", alicePW, "")
	for _, m := range []map[string]any{
		{"name": "adv-web-lib", "version": "1.0.0"},
		{"name": "adv-web-lib", "version": "1.0.1"},
		{"name": "adv-web-app", "version": "2.0.0", "dependencies": map[string]string{"adv-web-lib": "1.0.0"}},
	} {
		mustContain(t, npm.MustRun(writePkg(t, m, "# "+m["name"].(string)+"\n"), "publish").Output(), "+ "+m["name"].(string))
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.json"), []byte(advRecord), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := s.Admin(t, "", "advisories", "import", dir); err != nil || !strings.Contains(out, "1 new") {
		t.Fatalf("import: %v\n%s", err, out)
	}
	base := strings.TrimSuffix(s.URL, "/")
	b := newBrowser(t, 90*time.Second)

	b.run("open the advisory page",
		chromedp.Navigate(base+"/advisories/GHSA-web0-0001-aaaa"),
		chromedp.WaitVisible(chromedp.CSS(`h1.advisory-id`)),
	)
	if got := b.text(`table.affected-versions tbody`); !strings.Contains(got, "1.0.0") || !strings.Contains(got, "1.0.1") || strings.Count(got, "1.0.") != 2 {
		t.Errorf("affected versions table: %q, want 1.0.0 fixed in 1.0.1 only", got)
	}
	if got := b.text(`table.affected-versions code.version`); got != "1.0.0" {
		t.Errorf("affected version %q", got)
	}
	if got := b.text(`table.affected-versions code.fixed`); got != "1.0.1" {
		t.Errorf("fixed version %q", got)
	}
	if got := b.text(`.meta .severity`); !strings.EqualFold(got, "moderate") { // the style shows it in capitals
		t.Errorf("severity %q", got)
	}
	if n := evalAs[int](b, `document.querySelectorAll('a[href^="javascript:"]').length`); n != 0 {
		t.Errorf("%d javascript: links on the advisory page", n)
	}

	b.run("open the package page",
		chromedp.Navigate(base+"/package/adv-web-lib"),
		chromedp.WaitVisible(chromedp.CSS(`section.advisories`)),
	)
	if got := b.text(`section.advisories ul.own li`); !strings.Contains(got, "GHSA-web0-0001-aaaa") || !strings.Contains(got, "Affects 1.0.0; fixed in 1.0.1") {
		t.Errorf("package page advisories: %q", got)
	}

	b.run("open the dependent's page",
		chromedp.Navigate(base+"/package/adv-web-app"),
		chromedp.WaitVisible(chromedp.CSS(`section.advisories`)),
	)
	if got := b.text(`section.advisories ul.deps li`); !strings.Contains(got, "adv-web-lib 1.0.0 resolves to 1.0.0; fixed in 1.0.1") {
		t.Errorf("dependent's page: %q", got)
	}

	b.run("open the list and follow the advisory",
		chromedp.Navigate(base+"/advisories"),
		chromedp.WaitVisible(chromedp.CSS(`table.advisories`)),
		chromedp.Click(chromedp.CSS(`table.advisories a.advisory-id`)),
		chromedp.WaitVisible(chromedp.CSS(`h1.advisory-id`)),
	)
	if got := b.text(`h1.advisory-id`); got != "GHSA-web0-0001-aaaa" {
		t.Errorf("followed to %q", got)
	}
}
