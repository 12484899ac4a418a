package e2e

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

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
