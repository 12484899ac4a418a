package e2e

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/testserver"
)

var stagedRE = regexp.MustCompile(`\(staged with id ([0-9a-f-]{36})\)`)

// stagePublish runs `npm stage publish` (no one-time password) and
// returns the stage id npm printed.
func stagePublish(t *testing.T, n *testserver.NPM, p pkg) string {
	t.Helper()
	r := n.MustRun(writePkg(t, p), "stage", "publish")
	m := stagedRE.FindStringSubmatch(r.Output())
	if m == nil {
		t.Fatalf("npm stage publish printed no stage id:\n%s", r.Output())
	}
	mustContain(t, r.Output(), "+ "+p.Name+"@"+p.Version)
	return m[1]
}

// TestStagedPublishing: `npm stage publish` needs no one-time password and
// lands the version pending: its maintainers list, view, download and
// install it; nobody else sees it (no version in the packument, no
// tarball, no stage); approving needs the one-time password, and only
// then is it installed by everyone and does latest move. A rejected
// version is gone for good, its number used. Every step mails every
// maintainer.
func TestStagedPublishing(t *testing.T) {
	t.Parallel()
	s := server(t, "")
	alice := signup(t, s, "alice", alicePW) // an npm login token: writes need a code
	auth, _ := enableTOTP(t, s, "alice", alicePW)
	bob := signup(t, s, "bob", bobPW)
	const name = "staged-pkg"
	publish(t, alice, pkg{Name: name, Version: "1.0.0"}, "--otp="+auth.Code(t))

	// Staging asks for no code: CI has no one at a keyboard.
	id := stagePublish(t, alice, pkg{Name: name, Version: "1.1.0"})
	m := waitForMail(t, s, "alice@example.com", name+"@1.1.0 was staged on")
	mustContain(t, m.Subject, "awaiting approval")
	mustContain(t, m.Text, "Stage id: "+id, "npm stage approve "+id+" --otp=<code>", "Staged by: alice", s.URL+"account/staged")

	// The maintainer reviews it.
	mustContain(t, alice.MustRun("", "stage", "list").Stdout, id, name, "1.1.0", "latest", "alice (user)")
	mustContain(t, alice.MustRun("", "stage", "list", name).Stdout, id)
	var item map[string]any
	if err := json.Unmarshal([]byte(alice.MustRun("", "stage", "view", id, "--json").Stdout), &item); err != nil {
		t.Fatal(err)
	}
	if item["id"] != id || item["packageName"] != name || item["version"] != "1.1.0" || item["tag"] != "latest" || item["status"] != "staged" {
		t.Fatalf("npm stage view --json: %v", item)
	}
	dl := t.TempDir()
	mustContain(t, alice.MustRun(dl, "stage", "download", id).Output(), name+"-1.1.0-"+id+".tgz")
	tgz, err := os.ReadFile(filepath.Join(dl, name+"-1.1.0-"+id+".tgz"))
	if err != nil {
		t.Fatal(err)
	}
	if sum := sha1.Sum(tgz); hex.EncodeToString(sum[:]) != item["shasum"] {
		t.Fatalf("the downloaded tarball's SHA-1 is %x, the stage says %v", sum, item["shasum"])
	}
	// ... and installs it with its exact version, with the maintainer's token.
	app := project(t)
	alice.MustRun(app, "install", name+"@1.1.0")
	if v := installedVersion(t, app, name); v != "1.1.0" {
		t.Fatalf("alice installed %s@%s, want the staged 1.1.0", name, v)
	}

	// Nobody else sees it: not in the packument, no tarball, no stage.
	d := getDoc(t, s, name)
	if _, ok := d.Versions["1.1.0"]; ok || d.DistTags["latest"] != "1.0.0" {
		t.Fatalf("anyone's packument shows the staged version: tags %v, versions %v", d.DistTags, d.Versions)
	}
	if h := do(t, "GET", s.URL+name+"/-/"+name+"-1.1.0.tgz", "", nil); h.Status != 404 {
		t.Fatalf("anonymous GET of the staged tarball: %d", h.Status)
	}
	if h := do(t, "GET", s.URL+name+"/-/"+name+"-1.1.0.tgz", bob.Token(), nil); h.Status != 404 {
		t.Fatalf("a stranger's GET of the staged tarball: %d", h.Status)
	}
	mustFail(t, bob.Run(project(t), "install", name+"@1.1.0"), "No matching version found for "+name+"@1.1.0")
	mustContain(t, bob.MustRun("", "stage", "list").Stdout, "No staged packages found.")
	mustFail(t, bob.Run("", "stage", "view", id), "404", "no staged version has the id") // npm masks the UUID
	mustFail(t, bob.Run(t.TempDir(), "stage", "download", id), "404")
	mustFail(t, bob.Run("", "stage", "approve", id, "--otp=123456"), "404")
	if search := anon(t, s).MustRun("", "search", name, "--json").Stdout; strings.Contains(search, "1.1.0") {
		t.Fatalf("search shows the staged version:\n%s", search)
	}

	// Approving needs the code; npm on no terminal fails with EOTP.
	mustFail(t, alice.Run("", "stage", "approve", id), "EOTP")
	mustContain(t, alice.MustRun("", "stage", "approve", id, "--otp="+auth.Code(t)).Output(),
		"Staged package "+id+" approved and published successfully.")
	waitForMail(t, s, "alice@example.com", name+"@1.1.0 was approved and published")
	// Now everyone installs it, and latest moved.
	if d := getDoc(t, s, name); d.DistTags["latest"] != "1.1.0" {
		t.Fatalf("latest after approval = %q", d.DistTags["latest"])
	}
	other := project(t)
	bob.MustRun(other, "install", name)
	if v := installedVersion(t, other, name); v != "1.1.0" {
		t.Fatalf("bob installed %s@%s after approval, want 1.1.0", name, v)
	}
	mustFail(t, alice.Run("", "stage", "approve", id, "--otp="+auth.Code(t)), "already approved")
	mustContain(t, alice.MustRun("", "stage", "list").Stdout, "No staged packages found.")

	// A rejected version is discarded for good.
	id2 := stagePublish(t, alice, pkg{Name: name, Version: "1.2.0"})
	mustFail(t, alice.Run("", "stage", "reject", id2), "EOTP")
	mustContain(t, alice.MustRun("", "stage", "reject", id2, "--otp="+auth.Code(t)).Output(), "Staged package "+id2+" has been rejected.")
	waitForMail(t, s, "alice@example.com", name+"@1.2.0 was rejected")
	if h := do(t, "GET", s.URL+name+"/-/"+name+"-1.2.0.tgz", alice.Token(), nil); h.Status != 404 {
		t.Fatalf("the maintainer's GET of a rejected tarball: %d", h.Status)
	}
	mustFail(t, alice.Run(t.TempDir(), "stage", "download", id2), "was rejected")
	mustFail(t, alice.Run(project(t), "install", name+"@1.2.0"), "No matching version found")
	// Its number stays used: neither a stage nor a publish can take it.
	mustFail(t, alice.Run(writePkg(t, pkg{Name: name, Version: "1.2.0"}), "stage", "publish"), "versions are immutable")
	mustFail(t, alice.Run(writePkg(t, pkg{Name: name, Version: "1.2.0"}), "publish", "--otp="+auth.Code(t)), "versions are immutable")

	// Staging needs an existing package, and a maintainer of it.
	mustFail(t, bob.Run(writePkg(t, pkg{Name: name, Version: "9.0.0"}), "stage", "publish"), "not a maintainer of "+name)
	mustFail(t, alice.Run(writePkg(t, pkg{Name: "brand-new-staged", Version: "1.0.0"}), "stage", "publish"), "publish its first version with `npm publish`")
}

// TestStagedVersionExpires: a staged version nobody decides on is
// rejected once staging.expiry has passed (by the test clock): discarded,
// its maintainers mailed.
func TestStagedVersionExpires(t *testing.T) {
	t.Parallel()
	s := server(t, "[staging]\nexpiry = \"1h\"\n")
	alice := signup(t, s, "alice", alicePW)
	const name = "expiring-pkg"
	publish(t, alice, pkg{Name: name, Version: "1.0.0"})
	id := stagePublish(t, alice, pkg{Name: name, Version: "1.1.0"})
	mustContain(t, waitForMail(t, s, "alice@example.com", name+"@1.1.0 was staged").Text, "within 1 hour")

	s.Advance(t, 59*time.Minute)
	mustContain(t, alice.MustRun("", "stage", "list").Stdout, id)
	s.Advance(t, 2*time.Minute)
	mustContain(t, alice.MustRun("", "stage", "list").Stdout, "No staged packages found.")
	mustContain(t, alice.MustRun("", "stage", "view", id).Stdout, "expired")
	mustContain(t, waitForMail(t, s, "alice@example.com", name+"@1.1.0 expired unapproved").Text, "Stage id: "+id, "discarded")
	mustFail(t, alice.Run("", "stage", "approve", id, "--otp=123456"), "expired")
	mustFail(t, alice.Run(project(t), "install", name+"@1.1.0"), "No matching version found")
}
