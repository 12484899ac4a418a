package e2e

import (
	"encoding/json"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rampart/rampart/internal/testpeers/oidc"
	"github.com/rampart/rampart/internal/testpeers/sigstore"
	"github.com/rampart/rampart/internal/testserver"
)

// setStagePolicy changes name's staged-publishing policy on the web, as
// w's signed-in maintainer (within the sign-in's step-up window).
func setStagePolicy(t *testing.T, s *testserver.Server, w *webClient, name, policy string) {
	t.Helper()
	status, h, body := w.fetch(http.MethodPost, s.URL+"account/staged/policy", url.Values{"package": {name}, "policy": {policy}})
	if status != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/account/staged?done=") {
		t.Fatalf("policy %s for %s: status %d to %q:\n%s", policy, name, status, h.Get("Location"), body)
	}
}

// stageIDOf returns the id of the one stage of name@version that
// `npm stage list name --json` shows n.
func stageIDOf(t *testing.T, n *testserver.NPM, name, version string) string {
	t.Helper()
	var items []map[string]any
	out := n.MustRun("", "stage", "list", name, "--json").Stdout
	if err := json.Unmarshal([]byte(out), &items); err != nil {
		t.Fatalf("npm stage list --json: %v\n%s", err, out)
	}
	for _, it := range items {
		if it["version"] == version {
			id, _ := it["id"].(string)
			return id
		}
	}
	t.Fatalf("npm stage list shows no stage of %s@%s:\n%s", name, version, out)
	return ""
}

// TestProvenanceContinuityStaged (BEY-b with staged publishing): a package
// that has published with provenance and whose staged-publishing policy
// is "ci" holds a continuity break for approval instead of refusing it:
// a publish without provenance, or from another repository, lands staged
// (npm prints the notice, `npm stage list` shows it, the maintainers are
// mailed why). While staged, it does not move what continuity expects;
// approved with the one-time password it is live. With the policy back
// at "none", a break is refused again.
func TestProvenanceContinuityStaged(t *testing.T) {
	t.Parallel()
	s, ss, root := provenanceServer(t)
	alice := signup(t, s, "alice", alicePW)
	auth, recovery := enableTOTP(t, s, "alice", alicePW)
	withOfflineSigstore(t, alice, root)
	signup(t, s, "carol", "tangerine-zeppelin-mosaic-3")

	const name = "@alice/gadget"
	dir := writePkg(t, pkg{Name: name, Version: "1.0.0"})
	bundle, _ := packAndBundle(t, alice, ss, dir, name, "1.0.0", provRepo, sigstore.Options{})
	mustContain(t, alice.MustRun(dir, "publish", "--access", "public", "--provenance-file", bundle, "--otp="+auth.Code(t)).Output(), "+ "+name+"@1.0.0")
	alice.MustRun("", "owner", "add", "carol", name, "--otp="+auth.Code(t))

	w := newBrowser(t, s, firefoxUA)
	signInWithCode(t, s, w, "alice", alicePW, recovery[0])
	setStagePolicy(t, s, w, name, "ci")

	// Without provenance: staged, not refused, and npm says so.
	r := alice.MustRun(writePkg(t, pkg{Name: name, Version: "1.0.1"}), "publish", "--access", "public", "--otp="+auth.Code(t), "--loglevel=notice")
	mustContain(t, r.Output(), "+ "+name+"@1.0.1", name+"@1.0.1 was staged, awaiting approval", "provenance continuity", provRepo, "npm stage approve")
	for _, to := range []string{"alice@example.com", "carol@example.com"} {
		mustContain(t, waitForMail(t, s, to, name+"@1.0.1 was staged").Text, "provenance continuity", provRepo, "no provenance")
	}
	id1 := stageIDOf(t, alice, name, "1.0.1")
	if d := getDoc(t, s, name); d.DistTags["latest"] != "1.0.0" {
		t.Fatalf("latest moved to a staged version: %v", d.DistTags)
	}

	// From another repository: staged too.
	dir2 := writePkg(t, pkg{Name: name, Version: "1.0.2"})
	other, _ := packAndBundle(t, alice, ss, dir2, name, "1.0.2", otherRepo, sigstore.Options{})
	r = alice.MustRun(dir2, "publish", "--access", "public", "--provenance-file", other, "--otp="+auth.Code(t), "--loglevel=notice")
	mustContain(t, r.Output(), name+"@1.0.2 was staged, awaiting approval", otherRepo)
	mustContain(t, waitForMail(t, s, "alice@example.com", name+"@1.0.2 was staged").Text, provRepo, otherRepo)
	id2 := stageIDOf(t, alice, name, "1.0.2")

	// The staged 1.0.2 did not move what continuity expects: a publish
	// from the first repository is live at once, and another one from
	// mallory's is staged again, against the first repository.
	dir3 := writePkg(t, pkg{Name: name, Version: "1.0.3"})
	same, _ := packAndBundle(t, alice, ss, dir3, name, "1.0.3", provRepo, sigstore.Options{})
	r = alice.MustRun(dir3, "publish", "--access", "public", "--provenance-file", same, "--otp="+auth.Code(t), "--loglevel=notice")
	mustContain(t, r.Output(), "+ "+name+"@1.0.3")
	mustNotContain(t, r.Output(), "staged")
	if d := getDoc(t, s, name); d.DistTags["latest"] != "1.0.3" {
		t.Fatalf("latest after a publish from the expected repository: %v", d.DistTags)
	}
	dir4 := writePkg(t, pkg{Name: name, Version: "1.0.4"})
	other4, _ := packAndBundle(t, alice, ss, dir4, name, "1.0.4", otherRepo, sigstore.Options{})
	r = alice.MustRun(dir4, "publish", "--access", "public", "--provenance-file", other4, "--otp="+auth.Code(t), "--loglevel=notice")
	mustContain(t, r.Output(), name+"@1.0.4 was staged", "expected "+provRepo)

	// Approving needs the code, and makes the version live.
	mustFail(t, alice.Run("", "stage", "approve", id1), "EOTP")
	mustContain(t, alice.MustRun("", "stage", "approve", id1, "--otp="+auth.Code(t)).Output(), "Staged package "+id1+" approved")
	if _, ok := getDoc(t, s, name).Versions["1.0.1"]; !ok {
		t.Fatal("the approved 1.0.1 is not served")
	}
	mustContain(t, alice.MustRun("", "stage", "reject", id2, "--otp="+auth.Code(t)).Output(), "has been rejected")

	// With the policy "none", a break is refused, as without staging.
	setStagePolicy(t, s, w, name, "none")
	mustFail(t, alice.Run(writePkg(t, pkg{Name: name, Version: "1.0.5"}), "publish", "--access", "public", "--otp="+auth.Code(t)),
		"provenance continuity", "has no provenance")
	if _, ok := getDoc(t, s, name).Versions["1.0.5"]; ok {
		t.Fatal("a refused break is served")
	}
}

// TestTrustedPublishingProvenanceAndStaging: a trusted publish (the real
// npm CLI in GitHub Actions' environment, exchanging its ID token) whose
// provenance bundle names another repository or workflow than the
// trusted publisher's configuration is refused with the reason; one from
// the configured repository and workflow is accepted and npm view shows
// its attestation. With the staged-publishing policy "ci", a trusted
// publish lands staged and a maintainer's own publish does not; the
// trusted publisher may `npm stage publish` its one package, and nothing
// else.
func TestTrustedPublishingProvenanceAndStaging(t *testing.T) {
	t.Parallel()
	ss, err := sigstore.New()
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(t.TempDir(), "trusted_root.json")
	write(t, root, ss.TrustedRoot())
	s, peer := trustServer(t, "\n[provenance]\ntrusted_root = "+jsString(root)+"\n")
	alice := signup(t, s, "alice", alicePW)
	withOfflineSigstore(t, alice, root)
	const name = "tp-widget"
	publish(t, alice, pkg{Name: name, Version: "1.0.0"})
	publish(t, alice, pkg{Name: "tp-gadget", Version: "1.0.0"})
	alice.MustRun("", "trust", "github", name, "--file", "release.yml", "--repo", "alice/widget", "--allow-publish", "-y")
	auth, recovery := enableTOTP(t, s, "alice", alicePW)

	run := oidc.Run{Audience: audienceOf(t, s), Repository: "alice/widget", Workflow: "release.yml"}
	peer.OnActionsRequest(func(aud string) map[string]any {
		r := run
		r.Audience, r.Now = aud, s.Now(t)
		return oidc.GitHubClaims(r)
	})
	ci := anon(t, s)
	withOfflineSigstore(t, ci, root)
	bundleFor := func(version string, b sigstore.Build) (dir, bundle string) {
		dir = writePkg(t, pkg{Name: name, Version: version})
		tgz := packed(t, alice, dir)
		raw, err := ss.Bundle(name, version, tgz, b, sigstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		bundle = filepath.Join(t.TempDir(), "provenance.sigstore.json")
		write(t, bundle, raw)
		return dir, bundle
	}

	// Provenance from another repository, or another workflow of the
	// configured one: refused, saying why.
	dir, bundle := bundleFor("1.1.0", sigstore.DefaultBuild(otherRepo))
	mustFail(t, ciRun(t, ci, dir, githubEnv(peer), "publish", "--provenance-file", bundle),
		"the provenance says the build came from "+otherRepo, "trusted publisher is alice/widget")
	wrongFlow := sigstore.DefaultBuild(provRepo)
	wrongFlow.WorkflowPath = ".github/workflows/nightly.yml"
	dir, bundle = bundleFor("1.1.0", wrongFlow)
	mustFail(t, ciRun(t, ci, dir, githubEnv(peer), "publish", "--provenance-file", bundle),
		".github/workflows/nightly.yml", "names the workflow release.yml")
	if _, ok := getDoc(t, s, name).Versions["1.1.0"]; ok {
		t.Fatal("a refused trusted publish is served")
	}

	// From the configured repository and workflow: published, attested.
	dir, bundle = bundleFor("1.1.0", sigstore.DefaultBuild(provRepo))
	r := ciRun(t, ci, dir, githubEnv(peer), "publish", "--provenance-file", bundle)
	if r.Err != nil {
		t.Fatalf("trusted publish with provenance: %v\n%s", r.Err, r.Output())
	}
	mustContain(t, r.Output(), "+ "+name+"@1.1.0")
	var att struct {
		URL string `json:"url"`
	}
	view := anon(t, s).MustRun("", "view", name+"@1.1.0", "dist.attestations", "--json")
	if err := json.Unmarshal([]byte(view.Stdout), &att); err != nil || att.URL != s.URL+"-/npm/v1/attestations/"+name+"@1.1.0" {
		t.Fatalf("npm view dist.attestations: %v\n%s", err, view.Output())
	}

	// The "ci" policy: a trusted publish lands staged ...
	w := newBrowser(t, s, firefoxUA)
	signInWithCode(t, s, w, "alice", alicePW, recovery[0])
	setStagePolicy(t, s, w, name, "ci")
	dir, bundle = bundleFor("1.2.0", sigstore.DefaultBuild(provRepo))
	r = ciRun(t, ci, dir, githubEnv(peer), "publish", "--provenance-file", bundle, "--loglevel=notice")
	if r.Err != nil {
		t.Fatalf("trusted publish under the ci policy: %v\n%s", r.Err, r.Output())
	}
	mustContain(t, r.Output(), name+"@1.2.0 was staged, awaiting approval", "trusted publishing")
	mustContain(t, waitForMail(t, s, "alice@example.com", name+"@1.2.0 was staged").Text, "trusted publishing")
	id := stageIDOf(t, alice, name, "1.2.0")
	if d := getDoc(t, s, name); d.DistTags["latest"] != "1.1.0" {
		t.Fatalf("latest moved to a staged trusted publish: %v", d.DistTags)
	}
	// ... and the maintainer's own publish does not.
	dir, bundle = bundleFor("1.3.0", sigstore.DefaultBuild(provRepo))
	r = alice.MustRun(dir, "publish", "--provenance-file", bundle, "--otp="+auth.Code(t), "--loglevel=notice")
	mustContain(t, r.Output(), "+ "+name+"@1.3.0")
	mustNotContain(t, r.Output(), "staged")
	if d := getDoc(t, s, name); d.DistTags["latest"] != "1.3.0" {
		t.Fatalf("latest after the maintainer's publish under ci: %v", d.DistTags)
	}
	mustContain(t, alice.MustRun("", "stage", "approve", id, "--otp="+auth.Code(t)).Output(), "Staged package "+id+" approved")
	if _, ok := getDoc(t, s, name).Versions["1.2.0"]; !ok {
		t.Fatal("the approved trusted publish is not served")
	}

	// npm stage publish from CI: its one package, and nothing else.
	dir, bundle = bundleFor("1.4.0", sigstore.DefaultBuild(provRepo))
	r = ciRun(t, ci, dir, githubEnv(peer), "stage", "publish", "--provenance-file", bundle)
	if r.Err != nil {
		t.Fatalf("npm stage publish from CI: %v\n%s", r.Err, r.Output())
	}
	mustContain(t, r.Output(), "+ "+name+"@1.4.0")
	id4 := stageIDOf(t, alice, name, "1.4.0")
	ex := exchange(t, s, name, peer.Mint(oidc.Token{Claims: oidc.GitHubClaims(func() oidc.Run { r := run; r.Now = s.Now(t); return r }())}))
	if ex.Status != 201 {
		t.Fatalf("exchange: %d %s", ex.Status, ex.Body)
	}
	short := anon(t, s)
	short.SetToken(ex.JSON(t)["token"].(string))
	mustFail(t, short.Run(writePkg(t, pkg{Name: "tp-gadget", Version: "1.1.0"}), "stage", "publish"), "may only publish "+name)
	mustFail(t, short.Run("", "stage", "approve", id4, "--otp=123456"))
	mustFail(t, short.Run("", "stage", "reject", id4, "--otp=123456"))
	mustContain(t, alice.MustRun("", "stage", "list", name).Stdout, id4)
}

// packed is the tarball npm packs from dir.
func packed(t *testing.T, n *testserver.NPM, dir string) []byte {
	t.Helper()
	dest := t.TempDir()
	out := n.MustRun(dir, "pack", "--json", "--pack-destination", dest)
	var p []struct {
		Filename string `json:"filename"`
	}
	if err := json.Unmarshal([]byte(out.Stdout), &p); err != nil || len(p) != 1 {
		t.Fatalf("npm pack --json: %v\n%s", err, out.Output())
	}
	return read(t, filepath.Join(dest, p[0].Filename))
}
