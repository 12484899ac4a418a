package e2e

import (
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rampart/rampart/internal/testpeers/sigstore"
	"github.com/rampart/rampart/internal/testserver"
)

const (
	provRepo  = "https://github.com/alice/widget"
	otherRepo = "https://github.com/mallory/widget"
)

// provenanceServer starts a registry that trusts a virtual Sigstore, and
// returns it with the Sigstore and its trusted root's file.
func provenanceServer(t *testing.T) (*testserver.Server, *sigstore.Sigstore, string) {
	t.Helper()
	ss, err := sigstore.New()
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(t.TempDir(), "trusted_root.json")
	write(t, root, ss.TrustedRoot())
	s := server(t, "[provenance]\ntrusted_root = "+jsString(root)+"\n")
	return s, ss, root
}

// withOfflineSigstore makes n's npm check bundles against root instead
// of fetching Sigstore's public-good root over TUF (unreachable here):
// see testdata/sigstore-offline.cjs.
func withOfflineSigstore(t *testing.T, n *testserver.NPM, root string) {
	t.Helper()
	shim, err := filepath.Abs(filepath.Join("testdata", "sigstore-offline.cjs"))
	if err != nil {
		t.Fatal(err)
	}
	n.Env = append(n.Env, "NODE_OPTIONS=--require="+shim, "RAMPART_TEST_SIGSTORE_ROOT="+root)
}

// packAndBundle packs the package in dir with npm (npm's tarballs are
// reproducible, so publish sends the same bytes) and writes a bundle for
// it built from repo; it returns the bundle's path and text.
func packAndBundle(t *testing.T, n *testserver.NPM, ss *sigstore.Sigstore, dir, name, version, repo string, o sigstore.Options) (string, string) {
	t.Helper()
	dest := t.TempDir()
	out := n.MustRun(dir, "pack", "--json", "--pack-destination", dest)
	var packed []struct {
		Filename string `json:"filename"`
	}
	if err := json.Unmarshal([]byte(out.Stdout), &packed); err != nil || len(packed) != 1 {
		t.Fatalf("npm pack --json: %v\n%s", err, out.Output())
	}
	tgz := read(t, filepath.Join(dest, packed[0].Filename))
	b, err := ss.Bundle(name, version, tgz, sigstore.DefaultBuild(repo), o)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "provenance.sigstore.json")
	write(t, path, b)
	return path, string(b)
}

// The real npm CLI publishes with --provenance-file: the registry
// verifies the bundle, announces it in dist.attestations, serves it at
// the attestations endpoint and shows where the version was built; once
// the package has provenance, versions without it or from another
// repository are refused (continuity) until an owner changes the policy.
func TestProvenancePublishWithNPM(t *testing.T) {
	t.Parallel()
	s, ss, root := provenanceServer(t)
	alice := signup(t, s, "alice", alicePW)
	withOfflineSigstore(t, alice, root)

	name := "@alice/widget"
	dir := writePkg(t, pkg{Name: name, Version: "1.0.0"})
	bundlePath, bundle := packAndBundle(t, alice, ss, dir, name, "1.0.0", provRepo, sigstore.Options{})
	r := alice.MustRun(dir, "publish", "--access", "public", "--provenance-file", bundlePath)
	mustContain(t, r.Output(), "+ "+name+"@1.0.0")

	// npm view shows the attestation as npm audit signatures reads it.
	view := alice.MustRun("", "view", name+"@1.0.0", "dist.attestations", "--json")
	var att struct {
		URL        string `json:"url"`
		Provenance struct {
			PredicateType string `json:"predicateType"`
		} `json:"provenance"`
	}
	if err := json.Unmarshal([]byte(view.Stdout), &att); err != nil {
		t.Fatalf("npm view dist.attestations: %v\n%s", err, view.Output())
	}
	wantURL := s.URL + "-/npm/v1/attestations/@alice%2fwidget@1.0.0"
	if att.URL != wantURL || att.Provenance.PredicateType != "https://slsa.dev/provenance/v1" {
		t.Fatalf("dist.attestations = %+v, want url %s and SLSA v1", att, wantURL)
	}

	// The attestations endpoint, at the path npm takes from that URL.
	res := do(t, "GET", att.URL, "", nil)
	var as struct {
		Attestations []struct {
			PredicateType string          `json:"predicateType"`
			Bundle        json.RawMessage `json:"bundle"`
		} `json:"attestations"`
	}
	if err := json.Unmarshal(res.Body, &as); err != nil || res.Status != 200 || len(as.Attestations) != 1 {
		t.Fatalf("GET attestations: %d %s", res.Status, res.Body)
	}
	if !sameJSON(t, as.Attestations[0].Bundle, []byte(bundle)) {
		t.Fatalf("the served bundle is not the one published:\n%s", as.Attestations[0].Bundle)
	}
	// Its statement is about this version's tarball, as npm checks.
	var served struct {
		DSSE struct {
			Payload string `json:"payload"`
		} `json:"dsseEnvelope"`
	}
	if err := json.Unmarshal(as.Attestations[0].Bundle, &served); err != nil {
		t.Fatal(err)
	}
	stmt, _ := base64.StdEncoding.DecodeString(served.DSSE.Payload)
	mustContain(t, string(stmt), `"name":"pkg:npm/%40alice/widget@1.0.0"`)

	// The package page says where it was built, with links.
	status, page := browser(t, "GET", s.URL+"package/"+name, nil)
	if status != 200 {
		t.Fatalf("package page: %d", status)
	}
	commit := sigstore.DefaultBuild(provRepo).Commit
	mustContain(t, page, `href="`+provRepo+`"`, "github.com/alice/widget", `href="`+provRepo+`/commit/`+commit+`"`,
		commit[:12], ".github/workflows/release.yml", "github-hosted")

	// Continuity: without provenance, refused with what was expected.
	dir2 := writePkg(t, pkg{Name: name, Version: "1.0.1"})
	mustFail(t, alice.Run(dir2, "publish", "--access", "public"),
		"provenance continuity", provRepo, "has no provenance", "provenance-policy")
	// From another repository, refused with what came.
	other, _ := packAndBundle(t, alice, ss, dir2, name, "1.0.1", otherRepo, sigstore.Options{})
	mustFail(t, alice.Run(dir2, "publish", "--access", "public", "--provenance-file", other),
		"provenance continuity", provRepo, otherRepo)

	// npm's own check runs for real: a bundle from a Sigstore its
	// (shimmed) trusted root does not name is refused before it is sent.
	foreign, err := sigstore.New()
	if err != nil {
		t.Fatal(err)
	}
	untrusted, _ := packAndBundle(t, alice, foreign, dir2, name, "1.0.1", provRepo, sigstore.Options{})
	r = alice.Run(dir2, "publish", "--access", "public", "--provenance-file", untrusted)
	mustFail(t, r)
	mustNotContain(t, r.Output(), "provenance bundle was refused", "+ "+name)

	// The owner turns continuity off through the API (alice has no
	// second factor, so none is asked), and the publish goes through.
	res = do(t, "PUT", s.URL+"-/rampart/v1/package/@alice%2fwidget/provenance-policy", alice.Token(), map[string]any{"continuity": "off"})
	if res.Status != 200 || res.JSON(t)["continuity"] != "off" {
		t.Fatalf("PUT provenance-policy: %d %s", res.Status, res.Body)
	}
	publish(t, alice, pkg{Name: name, Version: "1.0.1"}, "--access", "public")
	_, page = browser(t, "GET", s.URL+"package/"+name, nil)
	mustContain(t, page, "no provenance")
	// 1.0.1 has no attestations.
	if res := do(t, "GET", s.URL+"-/npm/v1/attestations/@alice%2fwidget@1.0.1", "", nil); res.Status != 404 {
		t.Fatalf("attestations of 1.0.1: %d %s", res.Status, res.Body)
	}
}

// Bundles that do not verify are refused with the reason, in the error
// npm prints. These requests carry npm's exact publish body: npm itself
// would refuse to send most of them (it checks the subject and the
// signature first), and the registry must not rely on that.
func TestProvenanceRefusals(t *testing.T) {
	t.Parallel()
	s, ss, _ := provenanceServer(t)
	alice := signup(t, s, "alice", alicePW)
	foreign, err := sigstore.New()
	if err != nil {
		t.Fatal(err)
	}
	name := "@alice/refused"
	pj := map[string]any{"name": name, "version": "1.0.0", "description": "refused"}
	dir := writePkg(t, pkg{Name: name, Version: "1.0.0"})
	dest := t.TempDir()
	alice.MustRun(dir, "pack", "--pack-destination", dest)
	tgz := read(t, filepath.Join(dest, "alice-refused-1.0.0.tgz"))
	for _, c := range []struct {
		name string
		ss   *sigstore.Sigstore
		o    sigstore.Options
		want string
	}{
		{"wrong subject digest", ss, sigstore.Options{SubjectSHA512: make([]byte, 64)}, "SHA-512 is not this tarball's"},
		{"wrong version", ss, sigstore.Options{SubjectName: "pkg:npm/%40alice/refused@2.0.0"}, `not "pkg:npm/%40alice/refused@1.0.0"`},
		{"wrong name", ss, sigstore.Options{SubjectName: "pkg:npm/%40alice/other@1.0.0"}, `is about "pkg:npm/%40alice/other@1.0.0"`},
		{"tampered signature", ss, sigstore.Options{TamperSignature: true}, "does not verify"},
		{"untrusted root", foreign, sigstore.Options{}, "this registry trusts"},
		{"expired certificate without timestamp", ss, sigstore.Options{ExpiredCertificate: true}, "validity"},
	} {
		t.Run(c.name, func(t *testing.T) {
			b, err := c.ss.Bundle(name, "1.0.0", tgz, sigstore.DefaultBuild(provRepo), c.o)
			if err != nil {
				t.Fatal(err)
			}
			res := do(t, "PUT", s.URL+"@alice%2frefused", alice.Token(), publishBody(pj, tgz, string(b)))
			if res.Status != 400 {
				t.Fatalf("status %d, want 400: %s", res.Status, res.Body)
			}
			msg, _ := res.JSON(t)["error"].(string)
			if !strings.Contains(msg, "provenance bundle was refused") || !strings.Contains(msg, c.want) {
				t.Fatalf("error %q, want it to say %q", msg, c.want)
			}
		})
	}
	if res := packument(t, s, name, ""); res.Status != 404 {
		t.Fatalf("a refused publish left a package: %d", res.Status)
	}
}

// publishBody is the body npm publish sends for pj with tgz and a
// provenance bundle (npm-protocol.md §3.2).
func publishBody(pj map[string]any, tgz []byte, bundle string) map[string]any {
	name, version := pj["name"].(string), pj["version"].(string)
	v := map[string]any{}
	for k, x := range pj {
		v[k] = x
	}
	v["_id"] = name + "@" + version
	v["dist"] = map[string]any{"integrity": sri512(tgz), "shasum": sha1hex(tgz), "tarball": "http://x/" + name + "/-/" + name + "-" + version + ".tgz"}
	return map[string]any{
		"_id": name, "name": name, "description": pj["description"],
		"dist-tags": map[string]any{"latest": version},
		"versions":  map[string]any{version: v},
		"access":    "public",
		"_attachments": map[string]any{
			name + "-" + version + ".tgz": map[string]any{"content_type": "application/octet-stream", "data": base64.StdEncoding.EncodeToString(tgz), "length": len(tgz)},
			name + "-" + version + ".sigstore": map[string]any{"content_type": "application/vnd.dev.sigstore.bundle.v0.3+json",
				"data": bundle, "length": sigstore.JSLength(bundle)},
		},
	}
}

func sameJSON(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatal(err)
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return string(xa) == string(ya)
}

func sha1hex(b []byte) string {
	sum := sha1.Sum(b)
	return hex.EncodeToString(sum[:])
}
