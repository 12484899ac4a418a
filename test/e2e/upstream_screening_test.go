package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestUpstreamMalwareAndAdvisories (issue 13): proxied tarballs go
// through the malware scan of local publishes. An upstream package whose
// tarball carries the scanner's credential-stealer signature is held on
// its first download: npm install fails with a clear message, the version
// leaves the packument, the moderators see it in their queue and confirm
// it (a MAL- advisory) or release a false positive (npm then installs
// it). A proxied version named by a MAL- advisory of this registry is
// refused with the advisory's id.
func TestUpstreamMalwareAndAdvisories(t *testing.T) {
	t.Parallel()
	// The upstream does not scan: it serves what it is given.
	up := server(t, "[scan]\ndisabled = true\n")
	upAlice := signup(t, up, "alice", alicePW)
	for _, name := range []string{"up-stealer", "up-falsepos"} {
		dir := writePkg(t, stealerPkg(name, "1.0.0"))
		withScripts(t, dir, map[string]string{"postinstall": "node install.js"})
		upAlice.MustRun(dir, "publish")
	}
	if out, err := up.Admin(t, "", "name", "allow", "lodahs", "--reason", "the upstream allows it"); err != nil {
		t.Fatalf("name allow on the upstream: %v\n%s", err, out)
	}
	publish(t, upAlice, pkg{Name: "lodahs", Version: "1.0.0"})
	publish(t, upAlice, pkg{Name: "up-sneaky", Version: "1.0.0"})
	publish(t, upAlice, pkg{Name: "up-sneaky", Version: "1.1.0"})
	front, fetched := newCounting(t, up)

	s := server(t, fmt.Sprintf(`
[[upstream]]
name = "public"
url = %q
packages = ["*"]
`, front.URL+"/"))
	mod := newModerator(t, s, "carol", bobPW)

	// The first download is scanned before it is stored or served.
	app := project(t)
	r := anon(t, s).Run(app, "install", "up-stealer", "--ignore-scripts")
	mustFail(t, r, "up-stealer@1.0.0", "is quarantined", "RAMPART-CREDENTIAL-EXFILTRATION")
	if d := getDoc(t, s, "up-stealer"); len(d.Versions) != 0 {
		t.Fatalf("the held version is still in the packument: %v", d.Versions)
	}
	tb := do(t, "GET", s.URL+"up-stealer/-/up-stealer-1.0.0.tgz", "", nil)
	if tb.Status != http.StatusNotFound || !strings.Contains(string(tb.Body), "held for review by the registry's moderators") {
		t.Fatalf("the held tarball: %d %s", tb.Status, tb.Body)
	}
	if !logShows(s, "the malware scan held a proxied version") {
		t.Fatalf("the hold is not in the log:\n%s", s.Log())
	}
	r = anon(t, s).Run(project(t), "install", "up-falsepos", "--ignore-scripts")
	mustFail(t, r, "is quarantined")

	// The moderators' queue.
	held := mod.call(t, "GET", "upstream/held", nil)
	if held.Status != http.StatusOK || !strings.Contains(string(held.Body), `"package":"up-stealer"`) || !strings.Contains(string(held.Body), `"package":"up-falsepos"`) ||
		!strings.Contains(string(held.Body), "RAMPART-CREDENTIAL-EXFILTRATION") || !strings.Contains(string(held.Body), `"upstream":"public"`) {
		t.Fatalf("upstream/held: %d %s", held.Status, held.Body)
	}
	// The held bytes are kept as evidence: the files, and the finding in
	// its file's lines.
	ev := mod.call(t, "GET", "upstream/package/up-falsepos/v/1.0.0", nil)
	if ev.Status != http.StatusOK || !strings.Contains(string(ev.Body), `"path":"install.js"`) || !strings.Contains(string(ev.Body), `"path":"package.json"`) ||
		!strings.Contains(string(ev.Body), `"file":"install.js"`) || !strings.Contains(string(ev.Body), "collect.invalid") || !strings.Contains(string(ev.Body), `"state":"held"`) {
		t.Fatalf("upstream evidence: %d %s", ev.Status, ev.Body)
	}
	// Not without a moderator's code.
	if r := do(t, "POST", s.URL+"-/rampart/v1/moderation/upstream/package/up-stealer/v/1.0.0/confirm", mod.token, map[string]string{"reason": "x"}); r.Status != http.StatusUnauthorized && r.Status != http.StatusForbidden {
		t.Fatalf("confirm without a code: %d %s", r.Status, r.Body)
	}

	// Confirmed: a MAL- advisory, and the refusal names it.
	c := mod.call(t, "POST", "upstream/package/up-stealer/v/1.0.0/confirm", map[string]string{"reason": "steals npm tokens"})
	malID, _ := c.JSON(t)["advisory"].(string)
	if c.Status != http.StatusOK || !strings.HasPrefix(malID, "MAL-") {
		t.Fatalf("confirm: %d %s", c.Status, c.Body)
	}
	tb = do(t, "GET", s.URL+"up-stealer/-/up-stealer-1.0.0.tgz", "", nil)
	if tb.Status != http.StatusForbidden || !strings.Contains(string(tb.Body), malID) {
		t.Fatalf("the confirmed tarball: %d %s, want 403 naming %s", tb.Status, tb.Body, malID)
	}
	if v := do(t, "GET", s.URL+"-/osv/v1/vulns/"+malID, "", nil); v.Status != http.StatusOK || !strings.Contains(string(v.Body), `"up-stealer"`) {
		t.Fatalf("OSV vulns/%s: %d %s", malID, v.Status, v.Body)
	}

	// Released: a false positive is served, and npm installs it.
	if rel := mod.call(t, "POST", "upstream/package/up-falsepos/v/1.0.0/release", map[string]string{"reason": "the test's own fixture"}); rel.Status != http.StatusOK {
		t.Fatalf("release: %d %s", rel.Status, rel.Body)
	}
	app = project(t)
	anon(t, s).MustRun(app, "install", "up-falsepos", "--ignore-scripts")
	if v := installedVersion(t, app, "up-falsepos"); v != "1.0.0" {
		t.Fatalf("installed up-falsepos@%s after the release", v)
	}
	if again := mod.call(t, "POST", "upstream/package/up-falsepos/v/1.0.0/confirm", map[string]string{"reason": "x"}); again.Status != http.StatusNotFound {
		t.Fatalf("a second decision: %d %s", again.Status, again.Body)
	}
	// Served from the bytes kept at the hold, not fetched again.
	if n := fetched.count("/up-falsepos/-/"); n != 1 {
		t.Fatalf("the upstream was asked %d times for up-falsepos's tarball, want once (the release serves the kept bytes)", n)
	}
	// Both decisions are listed, the newest first, with who decided.
	dec := mod.call(t, "GET", "upstream/decided", nil)
	var decided struct {
		Total    int                 `json:"total"`
		Versions []map[string]string `json:"versions"`
	}
	if err := json.Unmarshal(dec.Body, &decided); err != nil || decided.Total != 2 || len(decided.Versions) != 2 ||
		decided.Versions[0]["package"] != "up-falsepos" || decided.Versions[0]["state"] != "released" || decided.Versions[0]["decided_by"] != "carol" ||
		decided.Versions[1]["package"] != "up-stealer" || decided.Versions[1]["advisory"] != malID {
		t.Fatalf("upstream/decided: %d %s", dec.Status, dec.Body)
	}
	if ev := mod.call(t, "GET", "upstream/package/up-stealer/v/1.0.0", nil); ev.Status != http.StatusOK || !strings.Contains(string(ev.Body), `"path":"install.js"`) || !strings.Contains(string(ev.Body), `"state":"confirmed"`) {
		t.Fatalf("a confirmed version's evidence: %d %s", ev.Status, ev.Body)
	}

	// A MAL- advisory of this registry's on a proxied version never held.
	anon(t, s).MustRun(project(t), "install", "up-sneaky@1.1.0")
	out, err := s.Admin(t, "", "advisories", "malicious", "up-sneaky@1.1.0", "--summary", "a maintainer account was taken over")
	if err != nil || !strings.Contains(out, "published MAL-") {
		t.Fatalf("admin advisories malicious: %v\n%s", err, out)
	}
	sneakyID := strings.TrimSuffix(strings.Fields(out[strings.Index(out, "published ")+len("published "):])[0], ":")
	tb = do(t, "GET", s.URL+"up-sneaky/-/up-sneaky-1.1.0.tgz", "", nil)
	if tb.Status != http.StatusForbidden || !strings.Contains(string(tb.Body), sneakyID) {
		t.Fatalf("a proxied version with %s: %d %s", sneakyID, tb.Status, tb.Body)
	}
	s.Advance(t, 10*time.Minute) // past the packument's revalidation
	d := getDoc(t, s, "up-sneaky")
	if _, ok := d.Versions["1.1.0"]; ok || d.DistTags["latest"] != "1.0.0" {
		t.Fatalf("up-sneaky@1.1.0 with a MAL- advisory is in the packument: latest %q", d.DistTags["latest"])
	}
	r = anon(t, s).Run(project(t), "install", "up-sneaky@1.1.0")
	mustFail(t, r, "up-sneaky")
	app = project(t)
	anon(t, s).MustRun(app, "install", "up-sneaky")
	if v := installedVersion(t, app, "up-sneaky"); v != "1.0.0" {
		t.Fatalf("npm install up-sneaky got %s, want 1.0.0 (1.1.0 is blocked)", v)
	}

	// A proxied name that imitates a popular one is served (it exists
	// upstream), flagged in its packument and response.
	app = project(t)
	anon(t, s).MustRun(app, "install", "lodahs")
	if v := installedVersion(t, app, "lodahs"); v != "1.0.0" {
		t.Fatalf("installed lodahs@%s", v)
	}
	flag, _ := packument(t, s, "lodahs", "").JSON(t)["_rampart"].(map[string]any)
	if ts, _ := flag["typosquat"].(map[string]any); ts["resembles"] != "lodash" || !strings.Contains(ts["why"].(string), "typo") {
		t.Fatalf("lodahs's packument flag: %v", flag)
	}
	req, _ := http.NewRequest("GET", s.URL+"lodahs", nil)
	req.Header.Set("Accept", "application/vnd.npm.install-v1+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if h := resp.Header.Get("Rampart-Typosquat"); !strings.Contains(h, "resembles the popular package lodash") {
		t.Fatalf("Rampart-Typosquat: %q", h)
	}
	if _, ok := packument(t, s, "up-sneaky", "").JSON(t)["_rampart"]; ok {
		t.Fatal("up-sneaky is flagged")
	}
}
