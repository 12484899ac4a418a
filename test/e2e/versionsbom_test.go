package e2e

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rampart/rampart/internal/sbom/schemacheck"
	"github.com/rampart/rampart/internal/testpeers/sigstore"
)

// versionBOM is what the tests read of a version's CycloneDX SBOM.
type versionBOM struct {
	SpecVersion  string `json:"specVersion"`
	SerialNumber string `json:"serialNumber"`
	Metadata     struct {
		Component bomComponent `json:"component"`
	} `json:"metadata"`
	Components   []bomComponent `json:"components"`
	Dependencies []struct {
		Ref       string   `json:"ref"`
		DependsOn []string `json:"dependsOn"`
	} `json:"dependencies"`
}

type bomComponent struct {
	BOMRef   string `json:"bom-ref"`
	Type     string `json:"type"`
	Name     string `json:"name"`
	Version  string `json:"version"`
	Purl     string `json:"purl"`
	Hashes   []struct{ Alg, Content string }
	Licenses []struct{ Expression string }
	Supplier struct {
		Name    string
		Contact []struct{ Name string }
	}
	ExternalReferences []struct{ Type, URL string }
	Properties         []struct{ Name, Value string }
}

func (c bomComponent) hash(alg string) string {
	for _, h := range c.Hashes {
		if h.Alg == alg {
			return h.Content
		}
	}
	return ""
}

func (c bomComponent) property(name string) string {
	for _, p := range c.Properties {
		if p.Name == name {
			return p.Value
		}
	}
	return ""
}

// sriHex is the hex digest in an SRI string ("sha512-<base64>").
func sriHex(t *testing.T, sri string) string {
	t.Helper()
	_, b64, _ := strings.Cut(sri, "-")
	b, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatalf("integrity %q: %v", sri, err)
	}
	return hex.EncodeToString(b)
}

func getSBOM(t *testing.T, url, bearer, inm string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	if inm != "" {
		req.Header.Set("If-None-Match", inm)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return resp, []byte(b.String())
}

// TestVersionSBOM: two packages published with the real npm CLI, one
// depending on the other; the registry serves the dependent version's
// own SBOM in both formats (valid against the official schemas), with
// its purl, the packument's integrity as SHA-512 and SHA-1, licence,
// supplier, the declared range and the dependency resolved to the
// version npm would install now, and its attestation and log entry; the
// ETag changes when a new dependency version changes the resolution;
// `rampart sbom --package` fetches the same document; a restricted
// package is the same 404 as a missing one to those who may not read it.
func TestVersionSBOM(t *testing.T) {
	t.Parallel()
	s := server(t, "")
	s.CreateUser(t, "alice", "alice@example.com", alicePW)
	n := login(t, s, "alice", alicePW)
	publish(t, n, pkg{Name: "vsbom-leaf", Version: "1.0.0"})
	publish(t, n, pkg{Name: "vsbom-mid", Version: "2.1.0", Deps: map[string]string{"vsbom-leaf": "^1.0.0", "vsbom-elsewhere": "^3"}})
	waitLogged(t, s, "vsbom-mid", "2.1.0")
	d := getDoc(t, s, "vsbom-mid")
	leafDoc := getDoc(t, s, "vsbom-leaf")

	url := s.URL + "-/sbom/vsbom-mid/2.1.0"
	resp, body := getSBOM(t, url, "", "")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/vnd.cyclonedx+json" {
		t.Fatalf("GET %s: %d %s\n%s", url, resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	if err := schemacheck.Validate("cyclonedx", body); err != nil {
		t.Fatalf("CycloneDX invalid: %v\n%s", err, body)
	}
	var bom versionBOM
	if err := json.Unmarshal(body, &bom); err != nil {
		t.Fatal(err)
	}
	root := bom.Metadata.Component
	if bom.SpecVersion != "1.6" || root.Purl != "pkg:npm/vsbom-mid@2.1.0" || root.Type != "library" || root.Version != "2.1.0" {
		t.Fatalf("root component: %+v", root)
	}
	dist := d.Versions["2.1.0"].Dist
	if root.hash("SHA-512") != sriHex(t, dist.Integrity) || root.hash("SHA-1") != dist.Shasum {
		t.Fatalf("root hashes %+v, want the packument's %s and %s", root.Hashes, dist.Integrity, dist.Shasum)
	}
	if len(root.Licenses) != 1 || root.Licenses[0].Expression != "MIT" || root.Supplier.Name != "alice" || len(root.Supplier.Contact) != 1 || root.Supplier.Contact[0].Name != "alice" {
		t.Fatalf("root licence or supplier: %+v", root)
	}
	refs := map[string]string{}
	for _, r := range root.ExternalReferences {
		refs[r.URL] = r.Type
	}
	if refs[s.URL+"-/rampart/v1/attestations/vsbom-mid@2.1.0"] != "attestation" || refs[s.URL+"-/log/lookup/vsbom-mid@2.1.0"] != "log" || refs[dist.Tarball] != "distribution" {
		t.Fatalf("root references: %+v", root.ExternalReferences)
	}
	var leaf, elsewhere bomComponent
	for _, c := range bom.Components {
		switch c.Name {
		case "vsbom-leaf":
			leaf = c
		case "vsbom-elsewhere":
			elsewhere = c
		}
	}
	leafDist := leafDoc.Versions["1.0.0"].Dist
	if leaf.Purl != "pkg:npm/vsbom-leaf@1.0.0" || leaf.property("rampart:declared-range") != "^1.0.0" ||
		leaf.hash("SHA-512") != sriHex(t, leafDist.Integrity) || leaf.hash("SHA-1") != leafDist.Shasum {
		t.Fatalf("leaf component: %+v", leaf)
	}
	if elsewhere.Version != "" || elsewhere.property("rampart:declared-range") != "^3" || !strings.Contains(elsewhere.property("rampart:unresolved"), "not held") {
		t.Fatalf("a dependency this registry does not hold: %+v", elsewhere)
	}
	edge := false
	for _, dep := range bom.Dependencies {
		if dep.Ref == root.BOMRef {
			for _, on := range dep.DependsOn {
				edge = edge || on == leaf.BOMRef
			}
		}
	}
	if !edge {
		t.Fatalf("no vsbom-mid -> vsbom-leaf edge: %+v", bom.Dependencies)
	}

	// The same inputs give the same document and ETag; a revalidation
	// is 304.
	etag := resp.Header.Get("ETag")
	again, body2 := getSBOM(t, url, "", "")
	if again.Header.Get("ETag") != etag || string(body2) != string(body) {
		t.Fatalf("a second GET differs: ETag %s then %s", etag, again.Header.Get("ETag"))
	}
	if r, _ := getSBOM(t, url, "", etag); r.StatusCode != 304 {
		t.Fatalf("If-None-Match with the current ETag: %d", r.StatusCode)
	}
	// A new leaf version in range changes what the dependency resolves
	// to, so the ETag.
	publish(t, n, pkg{Name: "vsbom-leaf", Version: "1.1.0"})
	r, body3 := getSBOM(t, url, "", etag)
	if r.StatusCode != 200 || r.Header.Get("ETag") == etag || !strings.Contains(string(body3), "pkg:npm/vsbom-leaf@1.1.0") {
		t.Fatalf("after vsbom-leaf@1.1.0: %d, ETag %s (was %s)\n%s", r.StatusCode, r.Header.Get("ETag"), etag, body3)
	}

	// SPDX 2.3.
	resp, spdx := getSBOM(t, url+"?format=spdx", "", "")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/spdx+json" {
		t.Fatalf("SPDX: %d %s\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), spdx)
	}
	if err := schemacheck.Validate("spdx", spdx); err != nil {
		t.Fatalf("SPDX invalid: %v\n%s", err, spdx)
	}
	mustContain(t, string(spdx), `"spdxVersion": "SPDX-2.3"`, "pkg:npm/vsbom-mid@2.1.0", "pkg:npm/vsbom-leaf@1.1.0", `"relationshipType": "DEPENDS_ON"`,
		`"checksumValue": "`+dist.Shasum+`"`, `"checksumValue": "`+sriHex(t, dist.Integrity)+`"`, "Person: alice")
	if r, b := getSBOM(t, url+"?format=xml", "", ""); r.StatusCode != 400 || !strings.Contains(string(b), "format=spdx") {
		t.Fatalf("?format=xml: %d %s", r.StatusCode, b)
	}

	// The client fetches the same document with the registry and token
	// of the user's .npmrc.
	app := appWith(t, nil, "")
	out, errOut, code := rampartClient(t, n, app, nil, "sbom", "--package", "vsbom-mid@2.1.0")
	if code != 0 {
		t.Fatalf("rampart sbom --package: exit %d\n%s", code, errOut)
	}
	if err := schemacheck.Validate("cyclonedx", []byte(out)); err != nil {
		t.Fatalf("rampart sbom --package output invalid: %v\n%s", err, out)
	}
	mustContain(t, out, `"purl": "pkg:npm/vsbom-mid@2.1.0"`, "pkg:npm/vsbom-leaf@1.1.0")
	file := filepath.Join(t.TempDir(), "mid.spdx.json")
	if _, errOut, code = rampartClient(t, n, app, nil, "sbom", "--package", "vsbom-mid@2.1.0", "--format", "spdx", "-o", file); code != 0 {
		t.Fatalf("rampart sbom --package --format spdx: exit %d\n%s", code, errOut)
	}
	if b, err := os.ReadFile(file); err != nil || schemacheck.Validate("spdx", b) != nil {
		t.Fatalf("-o %s: %v\n%s", file, err, b)
	}
	if _, errOut, code = rampartClient(t, n, app, nil, "sbom", "--package", "vsbom-mid@9.9.9"); code != 2 || !strings.Contains(errOut, "was not found") {
		t.Fatalf("a missing version: exit %d\n%s", code, errOut)
	}

	// A restricted package: its maintainer reads its SBOM; anyone else
	// gets the 404 of a name that does not exist, word for word.
	publish(t, n, pkg{Name: "@alice/vsbom-secret", Version: "1.0.0", Deps: map[string]string{"vsbom-leaf": "^1.0.0"}}, "--access", "restricted")
	for _, path := range []string{"@alice/vsbom-secret/1.0.0", "@alice%2fvsbom-secret/1.0.0"} {
		r, b := getSBOM(t, s.URL+"-/sbom/"+path, n.Token(), "")
		if r.StatusCode != 200 || !strings.Contains(string(b), "pkg:npm/%40alice/vsbom-secret@1.0.0") || r.Header.Get("Cache-Control") != "private, no-cache" {
			t.Fatalf("the maintainer's GET %s: %d %s %s", path, r.StatusCode, r.Header.Get("Cache-Control"), b)
		}
	}
	hidden, hb := getSBOM(t, s.URL+"-/sbom/@alice/vsbom-secret/1.0.0", "", "")
	missing, mb := getSBOM(t, s.URL+"-/sbom/@alice/vsbom-nothing/1.0.0", "", "")
	if hidden.StatusCode != 404 || missing.StatusCode != 404 ||
		strings.ReplaceAll(string(hb), "vsbom-secret", "X") != strings.ReplaceAll(string(mb), "vsbom-nothing", "X") {
		t.Fatalf("restricted, anonymously: %d %s; missing: %d %s", hidden.StatusCode, hb, missing.StatusCode, mb)
	}
	stranger := signup(t, s, "bob", bobPW)
	if r, b := getSBOM(t, s.URL+"-/sbom/@alice/vsbom-secret/1.0.0", stranger.Token(), ""); r.StatusCode != 404 {
		t.Fatalf("restricted, to a stranger: %d %s", r.StatusCode, b)
	}
	if _, errOut, code = rampartClient(t, stranger, app, nil, "sbom", "--package", "@alice/vsbom-secret@1.0.0"); code != 2 || !strings.Contains(errOut, "was not found") {
		t.Fatalf("rampart sbom --package of a restricted package, as a stranger: exit %d\n%s", code, errOut)
	}
}

// TestVersionSBOMPrivate: in a private registry the SBOM is behind the
// read gate (anonymous: npm's 401 login challenge), and an
// organisation's package under org_packages = "members" is read only by
// its members: a signed-in non-member gets the missing package's 404;
// the member's answer stays out of shared caches.
func TestVersionSBOMPrivate(t *testing.T) {
	t.Parallel()
	s := server(t, "[access]\nread = \"authenticated\"\norg_packages = \"members\"\n")
	for _, u := range []struct{ name, pw string }{{"alice", alicePW}, {"bob", bobPW}} {
		s.CreateUser(t, u.name, u.name+"@example.com", u.pw)
	}
	if out, err := s.Admin(t, "", "org", "create", "acme", "--owner", "alice"); err != nil {
		t.Fatalf("org create: %v\n%s", err, out)
	}
	alice, bob := login(t, s, "alice", alicePW), login(t, s, "bob", bobPW)
	publish(t, alice, pkg{Name: "@acme/vsbom-inner", Version: "1.0.0"}, "--access", "public")

	url := s.URL + "-/sbom/@acme/vsbom-inner/1.0.0"
	r, b := getSBOM(t, url, alice.Token(), "")
	if r.StatusCode != 200 || !strings.Contains(string(b), "pkg:npm/%40acme/vsbom-inner@1.0.0") || r.Header.Get("Cache-Control") != "private, no-cache" {
		t.Fatalf("the member: %d %s\n%s", r.StatusCode, r.Header.Get("Cache-Control"), b)
	}
	r, b = getSBOM(t, url, bob.Token(), "")
	_, mb := getSBOM(t, s.URL+"-/sbom/@acme/vsbom-none/1.0.0", bob.Token(), "")
	if r.StatusCode != 404 || strings.ReplaceAll(string(b), "vsbom-inner", "X") != strings.ReplaceAll(string(mb), "vsbom-none", "X") {
		t.Fatalf("a non-member: %d %s (missing: %s)", r.StatusCode, b, mb)
	}
	r, _ = getSBOM(t, url, "", "")
	if r.StatusCode != 401 || !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Bearer") {
		t.Fatalf("anonymous in a private registry: %d %q", r.StatusCode, r.Header.Get("WWW-Authenticate"))
	}
}

// TestVersionSBOMProvenance: a version published by the real npm CLI
// with a provenance bundle has its SBOM reference the build provenance,
// and the reference answers with that bundle.
func TestVersionSBOMProvenance(t *testing.T) {
	t.Parallel()
	s, ss, root := provenanceServer(t)
	alice := signup(t, s, "alice", alicePW)
	withOfflineSigstore(t, alice, root)
	name := "@alice/vsbom-built"
	dir := writePkg(t, pkg{Name: name, Version: "1.0.0"})
	bundlePath, _ := packAndBundle(t, alice, ss, dir, name, "1.0.0", provRepo, sigstore.Options{})
	mustContain(t, alice.MustRun(dir, "publish", "--access", "public", "--provenance-file", bundlePath).Output(), "+ "+name+"@1.0.0")

	resp, body := getSBOM(t, s.URL+"-/sbom/"+name+"/1.0.0", "", "")
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	var bom versionBOM
	if err := json.Unmarshal(body, &bom); err != nil {
		t.Fatal(err)
	}
	prov := ""
	for _, r := range bom.Metadata.Component.ExternalReferences {
		if r.Type == "attestation" && strings.Contains(r.URL, "/-/npm/v1/attestations/") {
			prov = r.URL
		}
	}
	if prov != s.URL+"-/npm/v1/attestations/@alice%2Fvsbom-built@1.0.0" {
		t.Fatalf("provenance reference %q in %+v", prov, bom.Metadata.Component.ExternalReferences)
	}
	if r := do(t, "GET", prov, "", nil); r.Status != 200 || !strings.Contains(string(r.Body), "https://slsa.dev/provenance/v1") {
		t.Fatalf("GET %s: %d %s", prov, r.Status, r.Body)
	}
}
