package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/testpeers/sigstore"
	"github.com/rampart/rampart/internal/testpeers/tufcdn"
)

// TestUpstreamProvenance (issue 13): with verify_provenance, Rampart
// verifies the build provenance proxied versions announce, itself,
// against its trusted root and the version's pinned bytes, and serves
// the verified bundle from its own attestations endpoint, so that `npm
// audit signatures` verifies a tree mixing local and proxied packages.
// An upstream whose bundle is about other bytes has the version refused
// for good; provenance continuity leaves out a version published without
// provenance after versions with it, and refuses one built from another
// repository.
func TestUpstreamProvenance(t *testing.T) {
	t.Parallel()
	ss, err := sigstore.New()
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(t.TempDir(), "trusted_root.json")
	write(t, root, ss.TrustedRoot())
	trust := "[provenance]\ntrusted_root = " + jsString(root) + "\n"

	// The upstream: a real Rampart trusting the same virtual Sigstore,
	// where alice publishes from her CI with provenance.
	up := server(t, trust)
	upAlice := signup(t, up, "alice", alicePW)
	withOfflineSigstore(t, upAlice, root)
	bundles := map[string]string{} // by name@version, the bundle published
	provPublish := func(name, version string) string {
		dir := writePkg(t, pkg{Name: name, Version: version})
		path, b := packAndBundle(t, upAlice, ss, dir, name, version, provRepo, sigstore.Options{})
		upAlice.MustRun(dir, "publish", "--provenance-file", path)
		bundles[name+"@"+version] = b
		return dir
	}
	for _, v := range []string{"1.0.0", "1.1.0", "1.2.0"} {
		provPublish("prov-dep", v)
	}
	movedDir := provPublish("prov-dep", "1.3.0")
	provPublish("forged-dep", "1.0.0")
	publish(t, upAlice, pkg{Name: "plain-dep", Version: "1.0.0"})

	// A mirror in front of it that misbehaves as a compromised upstream
	// would: 1.2.0 announced without provenance (a publish from a stolen
	// token), 1.3.0's provenance a valid one but from another repository,
	// forged-dep's a valid bundle about other bytes.
	_, moved := packAndBundle(t, upAlice, ss, movedDir, "prov-dep", "1.3.0", otherRepo, sigstore.Options{})
	forged, err := ss.Bundle("forged-dep", "1.0.0", []byte("other bytes"), sigstore.DefaultBuild(provRepo), sigstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	front, cnt := newCounting(t, up)
	cnt.mutate = func(doc map[string]any) {
		if doc["name"] == "prov-dep" {
			delete(doc["versions"].(map[string]any)["1.2.0"].(map[string]any)["dist"].(map[string]any), "attestations")
		}
	}
	attestations := func(bundle string) []byte {
		return []byte(`{"attestations":[{"predicateType":"https://slsa.dev/provenance/v1","bundle":` + bundle + `}]}`)
	}
	cnt.replace = func(path string) ([]byte, bool) {
		switch path {
		case "/-/npm/v1/attestations/prov-dep@1.3.0":
			return attestations(moved), true
		case "/-/npm/v1/attestations/forged-dep@1.0.0":
			return attestations(string(forged)), true
		}
		return nil, false
	}

	s := server(t, trust+fmt.Sprintf(`
[[upstream]]
name = "public"
url = %q
packages = ["*"]
exclude = ["local-*"]
verify_signatures = true
verify_provenance = true
`, front.URL+"/"))
	if out, err := s.Admin(t, alicePW+"\n", "user", "create", "--name", "ops", "--email", "ops@example.com", "--admin", "--verified", "--password-stdin"); err != nil {
		t.Fatalf("admin user create ops: %v\n%s", err, out)
	}
	alice := signup(t, s, "alice", alicePW)
	publish(t, alice, pkg{Name: "local-app", Version: "1.0.0", Deps: map[string]string{"prov-dep": "1.1.0", "plain-dep": "^1.0.0"}})

	// The packument: 1.2.0 left out (no provenance after versions with
	// it), the others announced with this registry's attestations link.
	d := packument(t, s, "prov-dep", "").JSON(t)
	versions := d["versions"].(map[string]any)
	if _, ok := versions["1.2.0"]; ok {
		t.Fatalf("prov-dep@1.2.0, published without provenance after versions with it, is served")
	}
	for _, v := range []string{"1.0.0", "1.1.0", "1.3.0"} {
		mv, _ := versions[v].(map[string]any)
		if mv == nil {
			t.Fatalf("prov-dep@%s is not served: %v", v, versions)
		}
		att, _ := mv["dist"].(map[string]any)["attestations"].(map[string]any)
		if want := s.URL + "-/npm/v1/attestations/prov-dep@" + v; att == nil || att["url"] != want {
			t.Fatalf("prov-dep@%s dist.attestations = %v, want url %s", v, att, want)
		}
	}
	tgz := do(t, "GET", s.URL+"prov-dep/-/prov-dep-1.2.0.tgz", "", nil)
	if tgz.Status != http.StatusForbidden || !strings.Contains(string(tgz.Body), "published without build provenance, after 1.1.0") {
		t.Fatalf("prov-dep@1.2.0's tarball: %d %s, want 403 naming the continuity break", tgz.Status, tgz.Body)
	}
	if res := do(t, "GET", s.URL+"-/npm/v1/attestations/prov-dep@1.2.0", "", nil); res.Status != http.StatusForbidden || !strings.Contains(string(res.Body), "published without build provenance") {
		t.Fatalf("prov-dep@1.2.0's attestations: %d %s, want its tarball's refusal", res.Status, res.Body)
	}

	// npm installs the mixed tree; the verified bundle is served here as
	// the upstream published it.
	dir := project(t)
	npm := anon(t, s)
	npm.MustRun(dir, "install", "local-app")
	if v := installedVersion(t, dir, "prov-dep"); v != "1.1.0" {
		t.Fatalf("installed prov-dep@%s, want 1.1.0", v)
	}
	res := do(t, "GET", s.URL+"-/npm/v1/attestations/prov-dep@1.1.0", "", nil)
	var as struct {
		Attestations []struct {
			PredicateType string          `json:"predicateType"`
			Bundle        json.RawMessage `json:"bundle"`
		} `json:"attestations"`
	}
	if err := json.Unmarshal(res.Body, &as); err != nil || res.Status != 200 || len(as.Attestations) != 1 {
		t.Fatalf("GET attestations of prov-dep@1.1.0 here: %d %s", res.Status, res.Body)
	}
	if !sameJSON(t, as.Attestations[0].Bundle, []byte(bundles["prov-dep@1.1.0"])) || as.Attestations[0].PredicateType != "https://slsa.dev/provenance/v1" {
		t.Fatalf("the served bundle is not the one published upstream:\n%s", as.Attestations[0].Bundle)
	}

	// rampart verify proves the mixed lockfile against the log (a local
	// version by its publish, a proxied one by the pin of its bytes on
	// first sight) and verifies the proxied version's provenance too.
	for _, nv := range [][2]string{{"local-app", "1.0.0"}, {"prov-dep", "1.1.0"}, {"plain-dep", "1.0.0"}} {
		waitLogged(t, s, nv[0], nv[1])
	}
	vr := rampartVerify(t, s, dir, t.TempDir(), "--trusted-root", root)
	if vr.code != 0 {
		t.Fatalf("rampart verify of a mixed tree: exit %d\n%s", vr.code, vr.out)
	}
	mustContain(t, vr.out, "ok   prov-dep@1.1.0 (leaf ", "provenance "+provRepo, "ok   plain-dep@1.0.0 (leaf ", "ok   local-app@1.0.0 (leaf ", "3 verified, 0 failed")

	// npm audit signatures verifies the proxied version's provenance from
	// this registry, beside every registry signature.
	cdn := tufcdn.Start(t)
	cdn.SeedCache(t, filepath.Join(npm.Home, ".npm"))
	npm.Env = []string{"HTTPS_PROXY=" + cdn.ProxyURL, "NO_PROXY=127.0.0.1,localhost", "NODE_EXTRA_CA_CERTS=" + cdn.CAFile}
	withOfflineSigstore(t, npm, root)
	r := npm.Run(dir, "audit", "signatures")
	if r.Err != nil {
		t.Fatalf("npm audit signatures: %v\n%s", r.Err, r.Output())
	}
	mustContain(t, r.Output(), "audited 3 packages", "3 packages have verified registry signatures", "1 package has a verified attestation")

	// Another repository: refused on first download, then left out.
	tgz = do(t, "GET", s.URL+"prov-dep/-/prov-dep-1.3.0.tgz", "", nil)
	if tgz.Status != http.StatusForbidden || !strings.Contains(string(tgz.Body), "built from "+otherRepo+", but 1.1.0 was built from "+provRepo) {
		t.Fatalf("prov-dep@1.3.0's tarball: %d %s, want 403 naming both repositories", tgz.Status, tgz.Body)
	}
	mustFail(t, anon(t, s).Run(project(t), "install", "prov-dep@1.3.0"), "prov-dep")
	if _, ok := packument(t, s, "prov-dep", "").JSON(t)["versions"].(map[string]any)["1.3.0"]; ok {
		t.Fatalf("prov-dep@1.3.0 is still served after its continuity break was found")
	}

	// The package's web page says what this registry checked: where the
	// verified version was built, and which versions it refuses and why.
	status, page := browser(t, "GET", s.URL+"package/prov-dep", nil)
	if status != http.StatusOK {
		t.Fatalf("prov-dep's page: %d\n%s", status, page)
	}
	mustContain(t, page, "proxied from public", "provenance verified", `href="`+provRepo+`"`, "pinned here",
		`data-version="1.2.0"`, "published without build provenance, after 1.1.0", `data-version="1.3.0"`, "built from "+otherRepo)

	// A bundle about other bytes: refused for good, told once, and the
	// upstream is not asked again.
	for i := 0; i < 2; i++ {
		tgz = do(t, "GET", s.URL+"forged-dep/-/forged-dep-1.0.0.tgz", "", nil)
		if tgz.Status != http.StatusForbidden || !strings.Contains(string(tgz.Body), "build provenance does not verify") {
			t.Fatalf("forged-dep's tarball (request %d): %d %s, want 403 saying its provenance does not verify", i+1, tgz.Status, tgz.Body)
		}
	}
	if n := cnt.count("/-/npm/v1/attestations/forged-dep@"); n != 1 {
		t.Fatalf("forged-dep's attestations were fetched %d times upstream, want once", n)
	}
	if n := cnt.count("/forged-dep/-/"); n != 0 {
		t.Fatalf("forged-dep's tarball was fetched upstream %d times before its provenance verified", n)
	}
	if res := do(t, "GET", s.URL+"-/npm/v1/attestations/forged-dep@1.0.0", "", nil); res.Status == http.StatusOK {
		t.Fatalf("the refused bundle of forged-dep is served: %s", res.Body)
	}
	// The site's staff are mailed: a bundle that does not verify may
	// mean a tampered upstream.
	m := s.Mail.WaitForSubject(t, "ops@example.com", "forged-dep@1.0.0 from public: its build provenance does not verify", 30*time.Second)
	mustContain(t, m.Text, "Upstream:  public", "Integrity: sha512-", "SHA-512 is not this tarball's", s.URL+"package/forged-dep")
	if !logShows(s, "refused for its build provenance") {
		t.Fatalf("the refusal is not in the log:\n%s", s.Log())
	}
}
