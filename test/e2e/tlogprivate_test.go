package e2e

import (
	"context"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/transparency-dev/tessera/api/layout"

	"github.com/rampart/rampart/internal/testserver"
)

// rampartVerifyAs runs the real `rampart verify DIR` as the npm user n
// (its ~/.npmrc, where npm keeps its token), or with no npm
// configuration when n is nil.
func rampartVerifyAs(t *testing.T, s *testserver.Server, n *testserver.NPM, dir, cache string) verifyRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, testserver.Binary(t), "verify", dir, "--registry", s.URL, "--cache-dir", cache, "--verbose")
	home := t.TempDir()
	if n != nil {
		home = n.Home
	}
	cmd.Env = []string{"HOME=" + home, "NPM_CONFIG_USERCONFIG=" + home + "/.npmrc", "PATH=/usr/bin:/bin"}
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("rampart verify: %v\n%s", err, out)
	}
	return verifyRun{out: string(out), code: code}
}

// TestTransparencyLogPrivatePackage: a restricted package published
// with the real npm CLI is in the log as a sealed leaf: an anonymous
// reader of the checkpoint, every entry bundle, the feed and the lookup
// learns nothing of its name (the lookup answers as for a name never
// logged, byte for byte); its owner's `rampart verify`, which sends the
// token npm keeps, opens the leaf and proves its inclusion; without a
// token it fails saying the package is private and how to log in.
func TestTransparencyLogPrivatePackage(t *testing.T) {
	t.Parallel()
	s := testserver.Start(t, testserver.Options{SMTP: true})
	alice := signup(t, s, "alice", alicePW)
	publish(t, alice, pkg{Name: "tlp-open", Version: "1.0.0"})
	publish(t, alice, pkg{Name: "@alice/tlp-hush", Version: "1.0.0"}, "--access", "restricted")
	dir := project(t)
	alice.MustRun(dir, "install", "tlp-open@1.0.0", "@alice/tlp-hush@1.0.0")
	waitLogged(t, s, "tlp-open", "1.0.0")
	// The owner's lookup shows the entry, with its opening.
	deadline := time.Now().Add(60 * time.Second)
	for {
		r := do(t, "GET", s.URL+"-/log/lookup/@alice/tlp-hush@1.0.0", alice.Token(), nil)
		if r.Status == http.StatusOK && strings.Contains(string(r.Body), `"opening":{"salt":"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the owner's lookup never showed the restricted package: %d %s", r.Status, r.Body)
		}
		time.Sleep(100 * time.Millisecond)
	}

	// Anonymous: the checkpoint, every entry bundle, the feed.
	cp := do(t, "GET", s.URL+"-/log/checkpoint", "", nil)
	lines := strings.Split(string(cp.Body), "\n")
	size, err := strconv.ParseUint(lines[1], 10, 64)
	if cp.Status != http.StatusOK || err != nil || size == 0 {
		t.Fatalf("checkpoint: %d %s", cp.Status, cp.Body)
	}
	var seen strings.Builder
	seen.Write(cp.Body)
	for n := uint64(0); n*layout.EntryBundleWidth < size; n++ {
		r := do(t, "GET", s.URL+"-/log/"+layout.EntriesPath(n, layout.PartialTileSize(0, n, size)), "", nil)
		if r.Status != http.StatusOK {
			t.Fatalf("entry bundle %d: %d %s", n, r.Status, r.Body)
		}
		seen.Write(r.Body)
	}
	feed := do(t, "GET", s.URL+"-/log/feed?limit=1000", "", nil)
	if feed.Status != http.StatusOK || !strings.Contains(string(feed.Body), `"type":"log.sealed"`) || !strings.Contains(string(feed.Body), "tlp-open") {
		t.Fatalf("feed: %d %s", feed.Status, feed.Body)
	}
	seen.Write(feed.Body)
	if strings.Contains(seen.String(), "tlp-hush") {
		t.Fatalf("an anonymous reader of the log sees the restricted package's name:\n%s", seen.String())
	}
	if !strings.Contains(seen.String(), "tlp-open") {
		t.Fatal("the public package is not in what was read: the check above proves nothing")
	}
	hidden := do(t, "GET", s.URL+"-/log/lookup/@alice/tlp-hush@1.0.0", "", nil)
	never := do(t, "GET", s.URL+"-/log/lookup/@alice/tlp-never@1.0.0", "", nil)
	if hidden.Status != http.StatusNotFound || never.Status != http.StatusNotFound ||
		strings.ReplaceAll(string(never.Body), "tlp-never", "tlp-hush") != string(hidden.Body) {
		t.Fatalf("anonymous lookup of the restricted package: %d %s\nof a name never logged: %d %s", hidden.Status, hidden.Body, never.Status, never.Body)
	}

	// The owner's rampart verify passes; an anonymous one says what to do.
	r := rampartVerifyAs(t, s, alice, dir, t.TempDir())
	if r.code != 0 {
		t.Fatalf("the owner's rampart verify: exit %d\n%s", r.code, r.out)
	}
	mustContain(t, r.out, "ok   @alice/tlp-hush@1.0.0 (leaf ", "ok   tlp-open@1.0.0 (leaf ", "2 verified, 0 failed")
	r = rampartVerifyAs(t, s, nil, dir, t.TempDir())
	if r.code != 1 {
		t.Fatalf("an anonymous rampart verify: exit %d\n%s", r.code, r.out)
	}
	mustContain(t, r.out, "FAIL @alice/tlp-hush@1.0.0", "not visible without signing in", "private package", "npm login --registry="+s.URL, "1 verified, 1 failed")

	// A MAL- advisory about the restricted package: the OSV API and the
	// advisory pages answer it to its reader only; anyone else is told
	// what a package or id that does not exist gets.
	out, err := s.Admin(t, "", "advisories", "malicious", "@alice/tlp-hush@1.0.0", "--summary", "steals tokens on install")
	if err != nil || !strings.Contains(out, "published MAL-") {
		t.Fatalf("admin advisories malicious: %v\n%s", err, out)
	}
	malID := strings.TrimSuffix(strings.Fields(strings.TrimPrefix(out[strings.Index(out, "published "):], "published "))[0], ":")
	query := map[string]any{"package": map[string]string{"name": "@alice/tlp-hush", "ecosystem": "npm"}, "version": "1.0.0"}
	if q := do(t, "POST", s.URL+"-/osv/v1/query", alice.Token(), query); q.Status != http.StatusOK || !strings.Contains(string(q.Body), malID) {
		t.Fatalf("the owner's OSV query: %d %s", q.Status, q.Body)
	}
	if q := do(t, "POST", s.URL+"-/osv/v1/query", "", query); q.Status != http.StatusOK || strings.TrimSpace(string(q.Body)) != "{}" {
		t.Errorf("anonymous OSV query: %d %s", q.Status, q.Body)
	}
	hiddenVuln, noVuln := do(t, "GET", s.URL+"-/osv/v1/vulns/"+malID, "", nil), do(t, "GET", s.URL+"-/osv/v1/vulns/MAL-2000-0001", "", nil)
	if hiddenVuln.Status != http.StatusNotFound || string(hiddenVuln.Body) != string(noVuln.Body) {
		t.Errorf("anonymous OSV vulns/%s: %d %s; an id that does not exist: %s", malID, hiddenVuln.Status, hiddenVuln.Body, noVuln.Body)
	}
	if code, body := browser(t, "GET", s.URL+"advisories/"+malID, nil); code != http.StatusNotFound || strings.Contains(body, "tlp-hush") {
		t.Errorf("anonymous advisory page: %d %s", code, body)
	}
	if code, body := browser(t, "GET", s.URL+"advisories", nil); code != http.StatusOK || strings.Contains(body, "tlp-hush") || strings.Contains(body, malID) {
		t.Errorf("anonymous advisory list: %d %s", code, body)
	}
}

// TestTransparencyLogPrivateRegistry: on a registry that only signed-in
// users read, every leaf is sealed, so the checkpoint, keys, tiles and
// entry bundles stay readable without an account (a mirror or auditor
// can check consistency) and show no package or user; the lookup and the
// feed need a login, and a signed-in reader's lookup opens the leaf.
func TestTransparencyLogPrivateRegistry(t *testing.T) {
	t.Parallel()
	s := server(t, "[access]\nread = \"authenticated\"\n")
	s.CreateUser(t, "alice", "alice@example.com", alicePW)
	alice := login(t, s, "alice", alicePW)
	publish(t, alice, pkg{Name: "tlq-team", Version: "1.0.0"})
	deadline := time.Now().Add(60 * time.Second)
	for {
		r := do(t, "GET", s.URL+"-/log/lookup/tlq-team@1.0.0", alice.Token(), nil)
		if r.Status == http.StatusOK && strings.Contains(string(r.Body), `"opening":{"salt":"`) && strings.Contains(string(r.Body), `"type":"package.publish"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the signed-in lookup never opened the publish: %d %s", r.Status, r.Body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	cp := do(t, "GET", s.URL+"-/log/checkpoint", "", nil)
	if cp.Status != http.StatusOK {
		t.Fatalf("anonymous checkpoint on a private registry: %d %s", cp.Status, cp.Body)
	}
	size, err := strconv.ParseUint(strings.Split(string(cp.Body), "\n")[1], 10, 64)
	if err != nil || size == 0 {
		t.Fatalf("checkpoint: %s", cp.Body)
	}
	if r := do(t, "GET", s.URL+"-/log/key", "", nil); r.Status != http.StatusOK {
		t.Errorf("anonymous key: %d %s", r.Status, r.Body)
	}
	for n := uint64(0); n*layout.EntryBundleWidth < size; n++ {
		r := do(t, "GET", s.URL+"-/log/"+layout.EntriesPath(n, layout.PartialTileSize(0, n, size)), "", nil)
		if r.Status != http.StatusOK || strings.Contains(string(r.Body), "tlq-team") || strings.Contains(string(r.Body), "alice") ||
			!strings.Contains(string(r.Body), `"type":"log.sealed"`) {
			t.Fatalf("anonymous entry bundle %d: %d %q", n, r.Status, r.Body)
		}
	}
	for _, path := range []string{"feed", "lookup/tlq-team@1.0.0"} {
		if r := do(t, "GET", s.URL+"-/log/"+path, "", nil); r.Status != http.StatusUnauthorized {
			t.Errorf("anonymous %s on a private registry: %d %s", path, r.Status, r.Body)
		}
	}
}

// TestTransparencyLogOrgPrivatePackage: with org_packages = "members",
// an organisation's package published as public is still private, and
// so sealed in the log: anonymous readers of the feed and the bundles do
// not see its name, a member's lookup opens it, a non-member's is the
// not-found of a name never logged.
func TestTransparencyLogOrgPrivatePackage(t *testing.T) {
	t.Parallel()
	s := server(t, "[access]\norg_packages = \"members\"\n")
	for _, u := range []struct{ name, pw string }{{"alice", alicePW}, {"bob", bobPW}} {
		s.CreateUser(t, u.name, u.name+"@example.com", u.pw)
	}
	if out, err := s.Admin(t, "", "org", "create", "acme", "--owner", "alice"); err != nil {
		t.Fatalf("org create: %v\n%s", err, out)
	}
	alice, bob := login(t, s, "alice", alicePW), login(t, s, "bob", bobPW)
	publish(t, alice, pkg{Name: "@acme/tlo-secret", Version: "1.0.0"}, "--access", "public")
	publish(t, alice, pkg{Name: "tlo-open", Version: "1.0.0"})
	waitLogged(t, s, "tlo-open", "1.0.0")
	deadline := time.Now().Add(60 * time.Second)
	for {
		r := do(t, "GET", s.URL+"-/log/lookup/@acme/tlo-secret@1.0.0", alice.Token(), nil)
		if r.Status == http.StatusOK && strings.Contains(string(r.Body), `"opening":{"salt":"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the member's lookup never opened the org package: %d %s", r.Status, r.Body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	feed := do(t, "GET", s.URL+"-/log/feed?limit=1000", "", nil)
	if feed.Status != http.StatusOK || strings.Contains(string(feed.Body), "tlo-secret") || !strings.Contains(string(feed.Body), "tlo-open") {
		t.Fatalf("anonymous feed: %d %s", feed.Status, feed.Body)
	}
	never := do(t, "GET", s.URL+"-/log/lookup/@acme/tlo-never@1.0.0", bob.Token(), nil)
	for _, who := range []string{"", bob.Token()} {
		r := do(t, "GET", s.URL+"-/log/lookup/@acme/tlo-secret@1.0.0", who, nil)
		if r.Status != http.StatusNotFound || strings.ReplaceAll(string(never.Body), "tlo-never", "tlo-secret") != string(r.Body) {
			t.Errorf("a non-member's lookup: %d %s (a name never logged: %s)", r.Status, r.Body, never.Body)
		}
	}
}
