package browser

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/rampart/rampart/internal/testserver"
)

// TestAdminTakesVersionDownAndRestores (issue 13, admin tools): an
// administrator opens a live version from the moderation area and removes
// it with a reason. The real npm CLI can no longer install it, and says
// why; latest falls back to the previous version; the maintainer is
// mailed. Restore brings it back: npm installs it again, latest points at
// it again, and the maintainer is mailed again. The admin area's events list
// shows both actions.
func TestAdminTakesVersionDownAndRestores(t *testing.T) {
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
	n.MustRun(writePkg(t, map[string]any{"name": "lamp-kit", "version": "1.0.0"}, "# lamp-kit\n"), "publish")
	n.MustRun(writePkg(t, map[string]any{"name": "lamp-kit", "version": "1.1.0"}, "# lamp-kit\n"), "publish")

	b := newBrowser(t, 4*time.Minute)
	b.addAuthenticator(platformPasskeys)
	b.run("open the sign-in page", chromedp.Navigate(s.URL+"login?next=/account"))
	b.enterPassword("chief", alicePW, `nav.account .who`)
	b.registerKey(s.URL, "Admin laptop", "passkey")
	b.signOut()
	b.run("sign in with the passkey",
		chromedp.Navigate(s.URL+"login?next=/moderation"),
		chromedp.WaitVisible(chromedp.CSS(`#passkey-signin`)),
		chromedp.Click(chromedp.CSS(`#passkey-signin`)),
		chromedp.WaitVisible(chromedp.CSS(`table.held`)),
	)
	b.run("open the live version from the moderation area",
		chromedp.SetValue(chromedp.CSS(`form.find-version input[name="package"]`), "lamp-kit"),
		chromedp.SetValue(chromedp.CSS(`form.find-version input[name="version"]`), "1.1.0"),
		chromedp.Click(chromedp.CSS(`form.find-version button`)),
		chromedp.WaitVisible(chromedp.CSS(`form.remove`)),
	)
	if loc := b.location(); !strings.HasSuffix(loc, "/moderation/package/lamp-kit/v/1.1.0") {
		t.Fatalf("the version's page is at %s", loc)
	}
	mustContain(t, b.text(`p.state`), "live")

	b.run("remove it",
		chromedp.SetValue(chromedp.CSS(`form.remove input[name="reason"]`), "trademark complaint 4711"),
		chromedp.Click(chromedp.CSS(`form.remove button`)),
		chromedp.WaitVisible(chromedp.CSS(`form.restore`)), // the new page: a removed version offers Restore
		chromedp.WaitVisible(chromedp.CSS(`p[role="status"]`)),
	)
	mustContain(t, b.text(`p[role="status"]`), "removed: not served; restorable")
	mustContain(t, b.text(`p.state`), "quarantined", "removed", "chief", "trademark complaint 4711")

	res := n.Run("", "install", "--no-save", "lamp-kit@1.1.0")
	if res.Err == nil {
		t.Fatalf("npm installed the removed version:\n%s", res.Output())
	}
	mustContain(t, res.Output(), "lamp-kit@1.1.0")
	if out := res.Output(); !strings.Contains(out, "No matching version") && !strings.Contains(out, "removed") {
		t.Fatalf("npm's refusal does not say the version is not available:\n%s", out)
	}
	if got := strings.TrimSpace(n.MustRun("", "view", "lamp-kit", "dist-tags.latest").Stdout); got != "1.0.0" {
		t.Fatalf("with 1.1.0 removed, npm view says latest is %q, want 1.0.0", got)
	}
	// An install without a version takes what is still served.
	proj := t.TempDir()
	n.MustRun(proj, "install", "lamp-kit")
	if got := installedVersion(t, proj, "lamp-kit"); got != "1.0.0" {
		t.Fatalf("with 1.1.0 removed, npm install lamp-kit installed %s, want 1.0.0", got)
	}
	m := waitForMail(t, s, "alice@example.com", "lamp-kit@1.1.0 was taken down")
	mustContain(t, m.Text, "was taken down by the\nregistry's moderators", "Removed by: chief", "trademark complaint 4711")

	b.run("restore it",
		chromedp.SetValue(chromedp.CSS(`form.restore input[name="reason"]`), "complaint withdrawn"),
		chromedp.Click(chromedp.CSS(`form.restore button`)),
		// The new page (the old one's status line is still on screen
		// until it loads): a live version offers Hold.
		chromedp.WaitVisible(chromedp.CSS(`form.hold`)),
		chromedp.WaitVisible(chromedp.CSS(`p[role="status"]`)),
	)
	mustContain(t, b.text(`p[role="status"]`), "restored: served again", "dist-tag latest points at it")
	mustContain(t, b.text(`p.state`), "live")
	n.MustRun("", "install", "--no-save", "lamp-kit@1.1.0")
	proj = t.TempDir()
	n.MustRun(proj, "install", "lamp-kit")
	if got := installedVersion(t, proj, "lamp-kit"); got != "1.1.0" {
		t.Fatalf("with 1.1.0 restored, npm install lamp-kit installed %s, want 1.1.0", got)
	}
	m = waitForMail(t, s, "alice@example.com", "lamp-kit@1.1.0 was restored")
	mustContain(t, m.Text, "everyone can install it again", "Restored by: chief", "complaint withdrawn")

	b.run("open the admin area",
		chromedp.Navigate(s.URL+"admin"),
		chromedp.WaitVisible(chromedp.CSS(`table.events`)),
	)
	events := b.text(`table.events`)
	mustContain(t, events, "package.version_remove", "package.version_restore", "lamp-kit@1.1.0", "chief")
}

// installedVersion is the version of name that npm installed in dir.
func installedVersion(t *testing.T, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "node_modules", name, "package.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct{ Version string }
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m.Version
}
