package browser

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/rampart/rampart/internal/testserver"
)

// vpRecord: vp-lib below 1.0.1 is vulnerable (high).
const vpRecord = `{"schema_version":"1.6.0","id":"GHSA-vpvp-0001-aaaa","modified":"2026-01-02T03:04:05Z","published":"2026-01-01T00:00:00Z",
"summary":"Prototype pollution in vp-lib","details":"merge() copies __proto__.",
"affected":[{"package":{"ecosystem":"npm","name":"vp-lib"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.0.1"}]}]}],
"database_specific":{"severity":"HIGH"}}`

// TestBrowserVersionPage: packages published with the real npm CLI, an
// advisory imported with the admin command; in real Chromium the package
// page links each version to its page, and the page of vp-app@2.0.0
// shows the advisory of the dependency its tree resolves to here (through
// vp-mid, with the path and the fixed version), its dependencies resolved
// with links, the tarball's files with their sizes, the unpacked size the
// publish recorded, the integrity, and the SBOM link. A restricted
// package's version page is the same 404 as a missing one for an
// anonymous visitor, and shown to its owner.
func TestBrowserVersionPage(t *testing.T) {
	t.Parallel()
	s := testserver.Start(t, testserver.Options{})
	s.CreateUser(t, "alice", "alice@example.com", alicePW)
	npm := testserver.NewNPM(t, s.URL)
	npm.Login("alice", alicePW, "")
	data := strings.Repeat("0123456789", 70) // 700 bytes: "700 B"
	for _, m := range []map[string]any{
		{"name": "vp-lib", "version": "1.0.0"},
		{"name": "vp-lib", "version": "1.0.1"},
		{"name": "vp-mid", "version": "1.0.0", "dependencies": map[string]string{"vp-lib": "1.0.0"}},
		{"name": "vp-app", "version": "2.0.0", "description": "The app", "license": "MIT",
			"dependencies": map[string]string{"vp-mid": "^1.0.0"}, "devDependencies": map[string]string{"vp-lib": "^1.0.0"}},
	} {
		dir := writePkg(t, m, "# "+m["name"].(string)+"\n")
		if m["name"] == "vp-app" {
			if err := os.MkdirAll(filepath.Join(dir, "lib"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "lib", "data.txt"), []byte(data), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		mustContain(t, npm.MustRun(dir, "publish").Output(), "+ "+m["name"].(string))
	}
	secret := writePkg(t, map[string]any{"name": "@alice/vp-secret", "version": "1.0.0"}, "# secret\n")
	mustContain(t, npm.MustRun(secret, "publish", "--access", "restricted").Output(), "+ @alice/vp-secret@1.0.0")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.json"), []byte(vpRecord), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := s.Admin(t, "", "advisories", "import", dir); err != nil || !strings.Contains(out, "1 new") {
		t.Fatalf("import: %v\n%s", err, out)
	}
	base := strings.TrimSuffix(s.URL, "/")

	// What the publish recorded, as npm reads it.
	var doc struct {
		Versions map[string]struct {
			Dist struct {
				Integrity    string `json:"integrity"`
				Shasum       string `json:"shasum"`
				UnpackedSize int64  `json:"unpackedSize"`
				FileCount    int    `json:"fileCount"`
			} `json:"dist"`
		} `json:"versions"`
	}
	resp, err := http.Get(s.URL + "vp-app")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("packument: %v\n%s", err, body)
	}
	dist := doc.Versions["2.0.0"].Dist
	if dist.UnpackedSize == 0 || dist.FileCount != 4 {
		t.Fatalf("packument dist = %+v, want an unpacked size and 4 files", dist)
	}

	b := newBrowser(t, 3*time.Minute)
	b.run("open the package page and follow the version",
		chromedp.Navigate(base+"/package/vp-app"),
		chromedp.WaitVisible(chromedp.CSS(`ul.versions a.version-link`)),
		chromedp.Click(chromedp.CSS(`ul.versions a.version-link`)),
		chromedp.WaitVisible(chromedp.CSS(`#files`)),
	)
	if loc := b.location(); !strings.HasSuffix(loc, "/package/vp-app/v/2.0.0") {
		t.Fatalf("followed the version link to %s", loc)
	}
	if got := b.text(`h1.pkgname`); got != "vp-app 2.0.0" {
		t.Errorf("heading %q", got)
	}
	mustContain(t, b.text(`p.meta`), "by alice", "latest", "MIT")

	// The dependency's advisory, with the path through vp-mid.
	deps := b.text(`#advisories ul.deps li`)
	mustContain(t, deps, "GHSA-vpvp-0001-aaaa", "Prototype pollution in vp-lib", "vp-app@2.0.0 › vp-mid@1.0.0 › vp-lib@1.0.0", "fixed in 1.0.1")
	if got := b.text(`#advisories ul.deps li .severity`); !strings.EqualFold(got, "high") {
		t.Errorf("severity %q", got)
	}

	// Dependencies resolved, each kind in its own list.
	mustContain(t, b.text(`#dependencies`), "vp-mid", "^1.0.0", "→ 1.0.0")
	mustContain(t, b.text(`#devDependencies`), "vp-lib", "^1.0.0", "→ 1.0.1")
	if href := b.eval(`document.querySelector('#dependencies a.resolved').getAttribute('href')`); href != "/package/vp-mid/v/1.0.0" {
		t.Errorf("resolved dependency links to %q", href)
	}

	// The files with their sizes, the sizes and digests.
	files := evalAs[map[string]string](b, `Object.fromEntries([...document.querySelectorAll('table.file-list tbody tr')].map(r => [r.querySelector('.file-path').textContent, r.querySelector('.file-size').textContent]))`)
	if files["lib/data.txt"] != "700 B" || files["index.js"] == "" || files["package.json"] == "" || files["README.md"] == "" || len(files) != 4 {
		t.Errorf("file list = %v, want lib/data.txt at 700 B, index.js, package.json, and README.md: 4 files", files)
	}
	sum := evalAs[int64](b, `[...document.querySelectorAll('table.file-list .file-size')].reduce((a, c) => a + Number(c.dataset.bytes), 0)`)
	unpacked := evalAs[string](b, `document.querySelector('#unpacked-size').dataset.bytes`)
	if unpacked != strconv.FormatInt(dist.UnpackedSize, 10) || sum != dist.UnpackedSize {
		t.Errorf("unpacked size shown %s bytes, files sum to %d; the publish recorded %d", unpacked, sum, dist.UnpackedSize)
	}
	if got := b.text(`#unpacked-size`); !strings.HasSuffix(got, " kB") && !strings.HasSuffix(got, " B") {
		t.Errorf("unpacked size reads %q", got)
	}
	if got := b.text(`#integrity`); got != dist.Integrity {
		t.Errorf("integrity %q, want %q", got, dist.Integrity)
	}
	if got := b.text(`#shasum`); got != dist.Shasum {
		t.Errorf("shasum %q, want %q", got, dist.Shasum)
	}
	if href := b.eval(`document.querySelector('#sbom-link').getAttribute('href')`); href != "/-/sbom/vp-app/2.0.0" {
		t.Errorf("SBOM link %q", href)
	}
	if href := b.eval(`document.querySelector('#log-entry-link').getAttribute('href')`); href != "/log/version/vp-app@2.0.0" {
		t.Errorf("log entry link %q", href)
	}

	// The library's page: its own advisory, and its dependents.
	b.run("open vp-lib@1.0.0",
		chromedp.Navigate(base+"/package/vp-lib/v/1.0.0"),
		chromedp.WaitVisible(chromedp.CSS(`#advisories ul.own`)),
	)
	mustContain(t, b.text(`#advisories ul.own li`), "GHSA-vpvp-0001-aaaa", "Fixed in 1.0.1")
	mustContain(t, b.text(`#not-latest`), "1.0.1")
	mustContain(t, b.text(`#dependents`), "vp-mid")

	// A restricted package: the same 404 as a missing one, anonymously.
	get := func(path string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", base+path, nil)
		req.Header.Set("Accept", "text/html")
		req.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Chrome/120")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	code, page := get("/package/@alice/vp-secret/v/1.0.0")
	missingCode, missing := get("/package/@alice/vp-nothing/v/1.0.0")
	if code != http.StatusNotFound || missingCode != http.StatusNotFound {
		t.Fatalf("anonymous restricted version page: %d, missing: %d; want 404 both", code, missingCode)
	}
	if strings.Contains(page, "vp-secret</") || strings.ReplaceAll(page, "vp-secret", "X") != strings.ReplaceAll(missing, "vp-nothing", "X") {
		t.Errorf("the restricted version's 404 differs from a missing package's:\n%s\n----\n%s", page, missing)
	}
	b.run("sign in and open the restricted version",
		chromedp.Navigate(base+"/login?next=/package/@alice/vp-secret/v/1.0.0"),
	)
	b.enterPassword("alice", alicePW, `#files`)
	if got := b.text(`h1.pkgname`); got != "@alice/vp-secret 1.0.0" {
		t.Errorf("owner sees heading %q", got)
	}
}
