package browser

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/rampart/rampart/internal/testserver"
)

// TestProxiedPackagePage (issue 13): a package proxied from an upstream
// registry has a page at the same address as a local one, in Chromium,
// with no sign-in: its README, what this registry checked (the pin of
// the version npm installed, the cooldown, the screening) and the
// versions it serves; a version in its cooldown is not listed.
func TestProxiedPackagePage(t *testing.T) {
	t.Parallel()
	up := testserver.Start(t, testserver.Options{})
	if out, err := up.Admin(t, alicePW+"\n", "user", "create", "--name", "alice", "--email", "alice@example.com", "--verified", "--password-stdin"); err != nil {
		t.Fatalf("admin user create alice on the upstream: %v\n%s", err, out)
	}
	upNPM := testserver.NewNPM(t, up.URL)
	upNPM.Login("alice", alicePW, "")
	upNPM.MustRun(writePkg(t, map[string]any{"name": "up-lib", "version": "1.0.0", "description": "A library from upstream",
		"repository": "github:alice/up-lib"}, "# Up lib\n\nUse it **well**.\n"), "publish")

	s := testserver.Start(t, testserver.Options{
		Config: fmt.Sprintf("[[upstream]]\nname = \"public\"\nurl = %q\npackages = [\"*\"]\ncooldown = \"1h\"\n", up.URL)})
	// Past the cooldown, npm installs it through this registry (its
	// bytes pinned); then a new version upstream is still too young.
	s.Advance(t, 2*time.Hour)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "package.json"), []byte(`{"name":"app","version":"1.0.0","private":true}`), 0o644); err != nil {
		t.Fatal(err)
	}
	testserver.NewNPM(t, s.URL).MustRun(dir, "install", "up-lib")
	upNPM.MustRun(writePkg(t, map[string]any{"name": "up-lib", "version": "1.1.0"}, "# Up lib\n"), "publish")

	b := newBrowser(t, 2*time.Minute)
	b.run("open the proxied package's page",
		chromedp.Navigate(s.URL+"package/up-lib"),
		chromedp.WaitVisible(chromedp.CSS(`#proxied-badge`)),
	)
	mustContain(t, b.text(`#proxied-badge`), "proxied from public")
	mustContain(t, b.text(`p.description`), "A library from upstream")
	mustContain(t, b.text(`section.readme h1`), "Up lib")
	mustContain(t, b.text(`section.readme strong`), "well")
	mustContain(t, b.text(`#proxy-checks`), "1 pinned so far", "younger than 1h0m0s are not served yet", "scanned for malware")
	mustContain(t, b.text(`#proxied-versions li[data-version="1.0.0"]`), "pinned here", "sha512-")
	if n := evalAs[int](b, `document.querySelectorAll('#proxied-versions li[data-version="1.1.0"]').length`); n != 0 {
		t.Fatalf("up-lib@1.1.0, in its cooldown, is listed")
	}
	if href := b.eval(`document.querySelector('ul.links a').href`); href != "https://github.com/alice/up-lib" {
		t.Fatalf("the repository link is %q", href)
	}
}
