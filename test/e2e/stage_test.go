package e2e

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
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
	signup(t, s, "carol", "tangerine-zeppelin-mosaic-3")
	const name = "staged-pkg"
	publish(t, alice, pkg{Name: name, Version: "1.0.0"}, "--otp="+auth.Code(t))
	alice.MustRun("", "owner", "add", "carol", name, "--otp="+auth.Code(t)) // a co-maintainer hears of it all too

	// Staging asks for no code: CI has no one at a keyboard.
	id := stagePublish(t, alice, pkg{Name: name, Version: "1.1.0"})
	m := waitForMail(t, s, "alice@example.com", name+"@1.1.0 was staged on")
	mustContain(t, m.Subject, "awaiting approval")
	mustContain(t, m.Text, "Stage id: "+id, "npm stage approve "+id+" --otp=<code>", "Staged by: alice", s.URL+"account/staged")
	mustContain(t, waitForMail(t, s, "carol@example.com", name+"@1.1.0 was staged on").Text, "Hello carol,", "Stage id: "+id)
	if len(m.To) != 1 {
		t.Fatalf("the staged notice went to %v, want one address per mail", m.To)
	}

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
	waitForMail(t, s, "carol@example.com", name+"@1.1.0 was approved and published")
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

	// Bad requests get a clear answer, and strangers nothing.
	for _, c := range []struct {
		method, path, bearer string
		status               int
		says                 string
	}{
		{"GET", "-/stage", "", 401, "needs you to be logged in"},
		{"GET", "-/stage/" + id, "", 401, "needs you to be logged in"},
		{"POST", "-/stage/package/" + name, "", 401, "needs you to be logged in"},
		{"GET", "-/stage?perPage=1000", alice.Token(), 400, "perPage must be a whole number from 1 to 100"},
		{"GET", "-/stage?page=-1", alice.Token(), 400, "page must be a whole number from 0 to 100"},
		{"GET", "-/stage/not-a-stage", alice.Token(), 404, "is not a stage id"},
		{"PUT", "-/stage/" + id, alice.Token(), 405, "takes only GET, DELETE"},
	} {
		h := do(t, c.method, s.URL+c.path, c.bearer, nil)
		if h.Status != c.status || !strings.Contains(strings.ToLower(string(h.Body)), strings.ToLower(c.says)) {
			t.Errorf("%s /%s: %d %s, want %d saying %q", c.method, c.path, h.Status, h.Body, c.status, c.says)
		}
	}
}

// TestStagedPolicyAllOnTheWeb: a maintainer sets a package's policy to
// "all" on the web (a fresh second factor; every maintainer mailed), and
// a plain `npm publish` then lands staged, npm telling so; the web page
// lists it and approves it once the second factor is confirmed again
// (step-up), and only then does latest move. A stranger's approval from
// the web is refused.
func TestStagedPolicyAllOnTheWeb(t *testing.T) {
	t.Parallel()
	s := server(t, "[mfa]\nstep_up_window = \"1m\"\n")
	alice := signup(t, s, "alice", alicePW)
	auth, recovery := enableTOTP(t, s, "alice", alicePW)
	signup(t, s, "bob", bobPW)
	const name = "policy-staged-pkg"
	publish(t, alice, pkg{Name: name, Version: "1.0.0"}, "--otp="+auth.Code(t))

	w := newBrowser(t, s, firefoxUA)
	signInWithCode(t, s, w, "alice", alicePW, recovery[0])
	w.mustShow(s.URL+"account/staged", "Nothing is staged", `name="package" value="`+name+`"`)
	seeOther := func(w *webClient, target string, form url.Values, prefix string) {
		t.Helper()
		status, h, body := w.fetch(http.MethodPost, target, form)
		if status != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), prefix) {
			t.Fatalf("POST %s: status %d to %q, want 303 to %s…:\n%s", target, status, h.Get("Location"), prefix, body)
		}
	}
	// Within the step-up window of the sign-in: the change goes through.
	seeOther(w, s.URL+"account/staged/policy", url.Values{"package": {name}, "policy": {"all"}}, "/account/staged?done=")
	mustContain(t, waitForMail(t, s, "alice@example.com", "staged-publishing policy of "+name+" changed").Text, "Policy:     all", "Changed by: alice")

	// A plain publish now lands staged, and npm says so.
	// (npm prints notices at its default loglevel; the harness sets warn.)
	r := alice.MustRun(writePkg(t, pkg{Name: name, Version: "1.1.0"}), "publish", "--otp="+auth.Code(t), "--loglevel=notice")
	mustContain(t, r.Output(), "+ "+name+"@1.1.0", "npm notice "+name+"@1.1.0 was staged, awaiting approval", "npm stage approve")
	mustContain(t, waitForMail(t, s, "alice@example.com", name+"@1.1.0 was staged").Text, "the package's policy stages every publish")
	if d := getDoc(t, s, name); d.DistTags["latest"] != "1.0.0" {
		t.Fatalf("latest moved before approval: %v", d.DistTags)
	}
	var items []map[string]any
	if err := json.Unmarshal([]byte(alice.MustRun("", "stage", "list", name, "--json").Stdout), &items); err != nil || len(items) != 1 {
		t.Fatalf("npm stage list --json: %v %v", items, err)
	}
	id, _ := items[0]["id"].(string)
	w.mustShow(s.URL+"account/staged", `id="stage-`+id+`"`, "1.1.0", "Approve", "Reject")
	// The package page shows it to its maintainer, marked, and to nobody else.
	w.mustShow(s.URL+"package/"+name, `<span class="version">1.1.0</span>`, "Staged, awaiting approval")
	if status, page := browser(t, http.MethodGet, s.URL+"package/"+name, nil); status != http.StatusOK || strings.Contains(page, "1.1.0") {
		t.Fatalf("anyone's package page (status %d) shows the staged version:\n%s", status, page)
	}

	// A stranger cannot approve it from the web.
	bw := newBrowser(t, s, firefoxUA)
	status, body := bw.do("POST", s.URL+"login", url.Values{"name": {"bob"}, "password": {bobPW}, "next": {"/account"}})
	if status != http.StatusSeeOther {
		t.Fatalf("bob signs in: %d\n%s", status, body)
	}
	if status, body := bw.do("POST", s.URL+"account/staged/approve", url.Values{"id": {id}}); status != http.StatusNotFound {
		t.Fatalf("bob's approval: status %d:\n%s", status, body)
	}
	bw.mustShow(s.URL+"account/staged", "Nothing is staged")

	// Past the window, approving sends the browser to confirm first.
	s.Advance(t, 2*time.Minute)
	seeOther(w, s.URL+"account/staged/approve", url.Values{"id": {id}}, "/account/confirm?next=")
	if d := getDoc(t, s, name); d.DistTags["latest"] != "1.0.0" {
		t.Fatalf("latest moved without the step-up: %v", d.DistTags)
	}
	seeOther(w, s.URL+"account/confirm", url.Values{"code": {auth.Code(t)}, "next": {"/account/staged"}}, "/account/staged")
	seeOther(w, s.URL+"account/staged/approve", url.Values{"id": {id}}, "/account/staged?done=")
	waitForMail(t, s, "alice@example.com", name+"@1.1.0 was approved")
	if d := getDoc(t, s, name); d.DistTags["latest"] != "1.1.0" {
		t.Fatalf("latest after approval on the web: %v", d.DistTags)
	}

	// Changing the policy back needs the step-up too.
	s.Advance(t, 2*time.Minute)
	seeOther(w, s.URL+"account/staged/policy", url.Values{"package": {name}, "policy": {"none"}}, "/account/confirm?next=")
	w.mustShow(s.URL+"account/staged", `<option value="all" selected>`)
}
