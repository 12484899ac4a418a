package browser

import (
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/rampart/rampart/internal/testserver"
)

// TestBrowserTransparencyLog: alice publishes with the real npm CLI; in
// the browser, the package page links to the package's log entries and
// each version to its publish's entry, the
// publish's entry shows its integrity and an inclusion proof, and /log
// shows the latest signed checkpoint, its size, the keys and how to
// verify.
//
// Set RAMPART_WEB_SCREENSHOT_LOG=/tmp/rampart-log.png to keep a picture
// of the entry page.
func TestBrowserTransparencyLog(t *testing.T) {
	t.Parallel()
	s := testserver.Start(t, testserver.Options{})
	s.CreateUser(t, "alice", "alice@example.com", alicePW)
	npm := testserver.NewNPM(t, s.URL)
	npm.Login("alice", alicePW, "")
	dir := writePkg(t, map[string]any{"name": "log-widget", "version": "1.0.0", "description": "Logged", "license": "MIT"}, "# log-widget\n")
	mustContain(t, npm.MustRun(dir, "publish").Output(), "+ log-widget@1.0.0")
	integrity := strings.TrimSpace(npm.MustRun(dir, "view", "log-widget@1.0.0", "dist.integrity").Stdout)

	// The sequencer appends within a second; wait for the checkpoint.
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(s.URL + "-/log/lookup/log-widget@1.0.0")
		if err == nil {
			b := make([]byte, 4096)
			n, _ := resp.Body.Read(b)
			resp.Body.Close()
			if strings.Contains(string(b[:n]), "package.publish") {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("log-widget@1.0.0 never appeared in the log")
		}
		time.Sleep(100 * time.Millisecond)
	}

	b := newBrowser(t, 90*time.Second, chromedp.WindowSize(1280, 900))
	b.run("open the package page and follow its log link",
		chromedp.Navigate(s.URL+"package/log-widget"),
		chromedp.WaitVisible(chromedp.CSS(`#log-entries-link`)),
		chromedp.Click(chromedp.CSS(`#log-entries-link`)),
		chromedp.WaitVisible(chromedp.CSS(`#log-package`)),
	)
	if loc := b.location(); loc != s.URL+"log/package/log-widget" {
		t.Fatalf("the log link went to %s", loc)
	}
	mustContain(t, b.text(`#log-package`), "1.0.0", "package.publish")
	b.run("open the publish's entry",
		chromedp.Click(chromedp.Search(`//tr[td[contains(., "package.publish")]]//a`)),
		chromedp.WaitVisible(chromedp.CSS(`#entry-proof`)),
	)
	mustContain(t, b.text(`#entry-type`), "package.publish")
	if got := b.text(`#entry-integrity`); got != integrity {
		t.Errorf("the entry shows integrity %q, npm %q", got, integrity)
	}
	mustContain(t, b.text(`#entry-leaf`), `"package":"log-widget"`, `"version":"1.0.0"`)
	if n := evalAs[int](b, `document.querySelectorAll('#entry-proof li').length`); n < 1 {
		t.Errorf("the inclusion proof lists %d hashes", n)
	}
	if path := os.Getenv("RAMPART_WEB_SCREENSHOT_LOG"); path != "" {
		png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(path, png, 0o644)
	}

	b.run("follow the version's log link on the package page",
		chromedp.Navigate(s.URL+"package/log-widget"),
		chromedp.WaitVisible(chromedp.CSS(`a.log-entry`)),
		chromedp.Click(chromedp.CSS(`a.log-entry`)),
		chromedp.WaitVisible(chromedp.CSS(`#entry-proof`)),
	)
	if got := b.text(`#entry-integrity`); got != integrity {
		t.Errorf("the version's log link shows integrity %q, npm %q", got, integrity)
	}

	b.run("open the log page", chromedp.Navigate(s.URL+"log"), chromedp.WaitVisible(chromedp.CSS(`#log-checkpoint`)))
	mustContain(t, b.text(`#log-checkpoint`), "/-/log\n")
	mustContain(t, b.text(`#log-size`), "entries")
	mustContain(t, b.text(`#log-keys`), "/-/log+")
}
