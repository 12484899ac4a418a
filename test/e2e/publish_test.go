package e2e

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rampart/rampart/internal/testserver"
)

// TestPublishAndInstall: an unscoped package with a README, a dependency
// and a bin; a scoped package depending on it; a ~3 MB incompressible
// package. A fresh project installs them, runs the bin, requires them, and
// `npm view` shows what was published.
func TestPublishAndInstall(t *testing.T) {
	t.Parallel()
	s := server(t, "")
	alice := signup(t, s, "alice", alicePW)

	publish(t, alice, pkg{Name: "tiny-base", Version: "1.0.0"})
	publish(t, alice, pkg{Name: "greeter", Version: "1.0.0", Description: "Says hello from the command line",
		Deps: map[string]string{"tiny-base": "^1.0.0"}, Bin: "greet", Keywords: []string{"hello", "cli"}})
	publish(t, alice, pkg{Name: "@alice/widget", Version: "1.0.0", Deps: map[string]string{"greeter": "^1.0.0"}}, "--access", "public")
	blob := randomBytes(t, 3<<20)
	publish(t, alice, pkg{Name: "big-blob", Version: "1.0.0", Files: map[string][]byte{"data.bin": blob}})

	// The served document has the registry's own tarball URL and the
	// integrity of the bytes it serves.
	d := getDoc(t, s, "big-blob")
	v := d.Versions["1.0.0"]
	if want := s.URL + "big-blob/-/big-blob-1.0.0.tgz"; v.Dist.Tarball != want {
		t.Fatalf("big-blob tarball URL = %q, want %q", v.Dist.Tarball, want)
	}
	tgz := do(t, "GET", v.Dist.Tarball, "", nil)
	if tgz.Status != 200 || len(tgz.Body) < 3<<20 {
		t.Fatalf("tarball GET: %d, %d bytes (want > 3 MiB)", tgz.Status, len(tgz.Body))
	}
	if got := sri512(tgz.Body); got != v.Dist.Integrity {
		t.Fatalf("served tarball hashes to %s, document says %s", got, v.Dist.Integrity)
	}
	if w := getDoc(t, s, "@alice/widget").Versions["1.0.0"].Dist.Tarball; w != s.URL+"@alice/widget/-/widget-1.0.0.tgz" {
		t.Fatalf("scoped tarball URL = %q", w)
	}

	// A fresh project, with a fresh npm cache and no credentials.
	user := anon(t, s)
	app := project(t)
	r := user.MustRun(app, "install", "@alice/widget", "big-blob")
	mustContain(t, r.Output(), "added 4 packages")
	for name, ver := range map[string]string{"@alice/widget": "1.0.0", "greeter": "1.0.0", "tiny-base": "1.0.0", "big-blob": "1.0.0"} {
		if got := installedVersion(t, app, name); got != ver {
			t.Fatalf("installed %s@%s, want %s", name, got, ver)
		}
	}
	if got := read(t, filepath.Join(app, "node_modules", "big-blob", "data.bin")); !bytes.Equal(got, blob) {
		t.Fatalf("data.bin: installed %d bytes (sha256 %s), published %d (sha256 %s)", len(got), sha256hex(got)[:12], len(blob), sha256hex(blob)[:12])
	}
	mustContain(t, string(read(t, filepath.Join(app, "node_modules", "greeter", "README.md"))), "# greeter", "Says hello from the command line")
	var saved struct{ Dependencies map[string]string }
	json.Unmarshal(read(t, filepath.Join(app, "package.json")), &saved)
	if saved.Dependencies["@alice/widget"] != "^1.0.0" || saved.Dependencies["big-blob"] != "^1.0.0" {
		t.Fatalf("package.json dependencies = %v", saved.Dependencies)
	}

	// The bin of a dependency runs through npx (npm exec).
	r = user.MustRun(app, "exec", "--", "greet")
	if !strings.Contains(r.Stdout, "greeter bin 1.0.0") {
		t.Fatalf("npx greet printed:\n%s", r.Output())
	}
	// And node can require the whole chain.
	out := node(t, app, `const w = require('@alice/widget'); console.log(w.hello()); console.log(JSON.stringify(w.deps)); console.log(require('greeter').deps['tiny-base'])`)
	mustContain(t, out, "hello from @alice/widget@1.0.0", `{"greeter":"hello from greeter@1.0.0"}`, "hello from tiny-base@1.0.0")

	// npm view shows description, version, dependencies, bin, maintainers, dist-tags.
	r = user.MustRun("", "view", "greeter")
	mustContain(t, r.Stdout,
		"greeter@1.0.0 | MIT | deps: 1 | versions: 1",
		"Says hello from the command line",
		"keywords: hello, cli",
		"bin: greet",
		".tarball: "+s.URL+"greeter/-/greeter-1.0.0.tgz",
		"tiny-base: ^1.0.0",
		"maintainers:\n- alice <alice@example.com>",
		"dist-tags:\nlatest: 1.0.0",
		"by alice <alice@example.com>")
	if v := viewVersions(t, user, "@alice/widget"); strings.Join(v, ",") != "1.0.0" {
		t.Fatalf("npm view @alice/widget versions = %v", v)
	}
	mustFail(t, user.Run("", "view", "no-such-package"),
		"E404", "404 Not Found - GET "+s.URL+"no-such-package - package no-such-package was not found")
	r = user.MustRun("", "view", "@alice/widget", "description")
	if strings.TrimSpace(r.Stdout) != "The @alice/widget package, for end-to-end tests" {
		t.Fatalf("npm view @alice/widget description = %q", r.Stdout)
	}
}

// TestPublishTooLarge: a tarball over [limits] tarball_bytes is refused
// while it streams, with a message that says the limit and what to do.
func TestPublishTooLarge(t *testing.T) {
	t.Parallel()
	s := server(t, "[limits]\ntarball_bytes = 1048576")
	alice := signup(t, s, "alice", alicePW)
	dir := writePkg(t, pkg{Name: "too-big", Version: "1.0.0", Files: map[string][]byte{"data.bin": randomBytes(t, 3<<20)}})
	mustFail(t, alice.Run(dir, "publish"),
		"E413", "413 Request Entity Too Large - PUT "+s.URL+"too-big - the tarball is over this registry's limit of 1 MiB (limits.tarball_bytes); publish fewer files")
	if h := packument(t, s, "too-big", ""); h.Status != 404 {
		t.Fatalf("too-big exists after a refused publish: %d %s", h.Status, h.Body)
	}
	// A package under the limit still publishes.
	publish(t, alice, pkg{Name: "small-enough", Version: "1.0.0", Files: map[string][]byte{"data.bin": randomBytes(t, 512<<10)}})
}

// TestLockfileAndCI: package-lock.json pins the registry's tarball URLs
// and integrities; `npm ci` in a fresh environment installs exactly that;
// a corrupted integrity fails with EINTEGRITY.
func TestLockfileAndCI(t *testing.T) {
	t.Parallel()
	s := server(t, "")
	alice := signup(t, s, "alice", alicePW)
	publish(t, alice, pkg{Name: "tiny-base", Version: "1.0.0"})
	src := publish(t, alice, pkg{Name: "greeter", Version: "1.0.0", Deps: map[string]string{"tiny-base": "^1.0.0"}, Bin: "greet"})

	app := project(t)
	anon(t, s).MustRun(app, "install", "greeter")
	lock := readLock(t, app)
	if lock.LockfileVersion != 3 {
		t.Fatalf("lockfileVersion = %d", lock.LockfileVersion)
	}
	for _, name := range []string{"greeter", "tiny-base"} {
		e, ok := lock.Packages["node_modules/"+name]
		if !ok {
			t.Fatalf("lockfile has no entry for %s: %s", name, read(t, filepath.Join(app, "package-lock.json")))
		}
		if want := s.URL + name + "/-/" + name + "-1.0.0.tgz"; e.Resolved != want {
			t.Fatalf("%s resolved = %q, want %q", name, e.Resolved, want)
		}
		tgz := do(t, "GET", e.Resolved, "", nil)
		if tgz.Status != 200 {
			t.Fatalf("GET %s: %d", e.Resolved, tgz.Status)
		}
		if got := sri512(tgz.Body); e.Integrity != got {
			t.Fatalf("%s lockfile integrity %s, tarball hashes to %s", name, e.Integrity, got)
		}
		if d := getDoc(t, s, name); d.Versions["1.0.0"].Dist.Integrity != e.Integrity {
			t.Fatalf("%s: packument integrity %s, lockfile %s", name, d.Versions["1.0.0"].Dist.Integrity, e.Integrity)
		}
	}

	// npm ci from the lockfile, in a fresh npm environment (empty cache).
	ciDir := t.TempDir()
	for _, f := range []string{"package.json", "package-lock.json"} {
		write(t, filepath.Join(ciDir, f), read(t, filepath.Join(app, f)))
	}
	r := anon(t, s).MustRun(ciDir, "ci")
	mustContain(t, r.Output(), "added 2 packages")
	for _, f := range []string{"index.js", "README.md", "bin/cli.js", "package.json"} {
		if got, want := read(t, filepath.Join(ciDir, "node_modules", "greeter", f)), read(t, filepath.Join(src, f)); !bytes.Equal(got, want) {
			t.Fatalf("npm ci installed greeter/%s =\n%s\nwant\n%s", f, got, want)
		}
	}
	mustContain(t, node(t, ciDir, `console.log(require('greeter').deps['tiny-base'])`), "hello from tiny-base@1.0.0")

	// Corrupt greeter's integrity: npm ci (fresh cache) refuses.
	badDir := t.TempDir()
	write(t, filepath.Join(badDir, "package.json"), read(t, filepath.Join(app, "package.json")))
	good := lock.Packages["node_modules/greeter"].Integrity
	bad := sri512([]byte("not the tarball"))
	lockText := strings.Replace(string(read(t, filepath.Join(app, "package-lock.json"))), good, bad, 1)
	if !strings.Contains(lockText, bad) {
		t.Fatal("could not corrupt the lockfile")
	}
	write(t, filepath.Join(badDir, "package-lock.json"), []byte(lockText))
	r = anon(t, s).Run(badDir, "ci")
	mustFail(t, r, "EINTEGRITY", "integrity checksum failed when using sha512", bad)
	if _, err := os.Stat(filepath.Join(badDir, "node_modules", "greeter", "index.js")); err == nil {
		t.Fatal("greeter was installed despite the integrity failure")
	}
}

// TestRestartKeepsEverything: after a restart on a new port, the packages
// are still there, tarball URLs use the new address, and installs work.
func TestRestartKeepsEverything(t *testing.T) {
	t.Parallel()
	s := server(t, "")
	alice := signup(t, s, "alice", alicePW)
	publish(t, alice, pkg{Name: "tiny-base", Version: "1.0.0"})
	publish(t, alice, pkg{Name: "greeter", Version: "1.0.0", Deps: map[string]string{"tiny-base": "^1.0.0"}})
	publish(t, alice, pkg{Name: "greeter", Version: "1.1.0", Deps: map[string]string{"tiny-base": "^1.0.0"}})
	alice.MustRun("", "dist-tag", "add", "greeter@1.0.0", "stable")
	alice.MustRun("", "deprecate", "tiny-base@1.0.0", "old base")
	oldURL := s.URL
	tok := alice.Token()

	s2 := s.Restart(t)
	if s2.URL == oldURL {
		t.Log("restart reused the port; the URL-change rebuild is not exercised")
	}
	d := getDoc(t, s2, "greeter")
	if len(d.Versions) != 2 || d.DistTags["latest"] != "1.1.0" || d.DistTags["stable"] != "1.0.0" {
		t.Fatalf("after restart: versions %v, dist-tags %v", keys(d.Versions), d.DistTags)
	}
	for v, m := range d.Versions {
		if want := s2.URL + "greeter/-/greeter-" + v + ".tgz"; m.Dist.Tarball != want {
			t.Fatalf("after restart greeter@%s tarball = %q, want %q", v, m.Dist.Tarball, want)
		}
	}

	// The session token survives the restart.
	n := testserver.NewNPM(t, s2.URL)
	n.SetToken(tok)
	if got := n.MustRun("", "whoami").Stdout; got != "alice\n" {
		t.Fatalf("whoami after restart = %q", got)
	}

	app := project(t)
	r := anon(t, s2).MustRun(app, "install", "greeter@stable")
	mustContain(t, r.Output(), "npm warn deprecated tiny-base@1.0.0: old base", "added 2 packages")
	if got := installedVersion(t, app, "greeter"); got != "1.0.0" {
		t.Fatalf("greeter@stable installed %s", got)
	}
	if e := readLock(t, app).Packages["node_modules/greeter"]; e.Resolved != s2.URL+"greeter/-/greeter-1.0.0.tgz" {
		t.Fatalf("lockfile resolved = %q after restart", e.Resolved)
	}
	mustContain(t, node(t, app, `console.log(require('greeter').hello())`), "hello from greeter@1.0.0")

	// Publishing continues after the restart.
	publish(t, n, pkg{Name: "greeter", Version: "1.2.0", Deps: map[string]string{"tiny-base": "^1.0.0"}})
	if v := anon(t, s2).MustRun("", "view", "greeter", "version").Stdout; strings.TrimSpace(v) != "1.2.0" {
		t.Fatalf("latest after publish post-restart = %q", v)
	}
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
