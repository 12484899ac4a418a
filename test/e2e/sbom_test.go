package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rampart/rampart/internal/sbom/schemacheck"
)

// TestSBOMOfInstalledProject makes a project with the real npm CLI
// against a real registry and checks both SBOM formats: valid against
// the official schemas, every installed package with its purl, the
// lockfile's integrity as a SHA-512 hex digest, licence, supplier, the
// dependency edge, and the registry's publish attestation.
func TestSBOMOfInstalledProject(t *testing.T) {
	t.Parallel()
	s := server(t, "")
	s.CreateUser(t, "alice", "alice@example.com", alicePW)
	n := login(t, s, "alice", alicePW)
	publish(t, n, pkg{Name: "sbom-leaf", Version: "1.0.0"})
	publish(t, n, pkg{Name: "sbom-mid", Version: "2.1.0", Deps: map[string]string{"sbom-leaf": "^1.0.0"}})
	app := appWith(t, map[string]string{"sbom-mid": "^2.0.0"}, "require('sbom-mid')\n")
	n.MustRun(app, "install")

	var lock struct {
		Packages map[string]struct{ Integrity string } `json:"packages"`
	}
	if err := json.Unmarshal(read(t, filepath.Join(app, "package-lock.json")), &lock); err != nil {
		t.Fatal(err)
	}
	midSRI := lock.Packages["node_modules/sbom-mid"].Integrity
	if !strings.HasPrefix(midSRI, "sha512-") {
		t.Fatalf("lockfile integrity %q", midSRI)
	}

	out, errOut, code := rampartClient(t, n, app, nil, "sbom")
	if code != 0 {
		t.Fatalf("rampart sbom: exit %d\n%s", code, errOut)
	}
	if err := schemacheck.Validate("cyclonedx", []byte(out)); err != nil {
		t.Fatalf("CycloneDX output invalid: %v\n%s", err, out)
	}
	var bom struct {
		SpecVersion string `json:"specVersion"`
		Components  []struct {
			BOMRef              string `json:"bom-ref"`
			Name, Version, Purl string
			Hashes              []struct{ Alg, Content string }
			Licenses            []struct{ Expression string }
			Supplier            struct{ Name string }
			ExternalReferences  []struct{ Type, URL string }
		}
		Dependencies []struct {
			Ref       string
			DependsOn []string
		}
	}
	if err := json.Unmarshal([]byte(out), &bom); err != nil {
		t.Fatal(err)
	}
	if bom.SpecVersion != "1.6" || len(bom.Components) != 2 {
		t.Fatalf("spec %s, %d components:\n%s", bom.SpecVersion, len(bom.Components), out)
	}
	mid := bom.Components[0]
	if mid.Name != "sbom-mid" {
		mid = bom.Components[1]
	}
	if mid.Purl != "pkg:npm/sbom-mid@2.1.0" || len(mid.Licenses) != 1 || mid.Licenses[0].Expression != "MIT" || mid.Supplier.Name != "E2E Tests <e2e@example.com>" {
		t.Fatalf("sbom-mid component: %+v", mid)
	}
	if len(mid.Hashes) == 0 || mid.Hashes[0].Alg != "SHA-512" || len(mid.Hashes[0].Content) != 128 {
		t.Fatalf("sbom-mid hashes: %+v", mid.Hashes)
	}
	wantAtt := s.URL + "-/rampart/v1/attestations/sbom-mid@2.1.0"
	wantLog := s.URL + "-/log/lookup/sbom-mid@2.1.0" // the transparency log's entry
	found, logged := false, false
	for _, r := range mid.ExternalReferences {
		found = found || (r.Type == "attestation" && r.URL == wantAtt)
		logged = logged || r.URL == wantLog
	}
	if !found || !logged {
		t.Fatalf("want the attestation reference %s and the log entry %s: %+v", wantAtt, wantLog, mid.ExternalReferences)
	}
	edge := false
	for _, d := range bom.Dependencies {
		if d.Ref == mid.BOMRef && len(d.DependsOn) == 1 && strings.HasPrefix(d.DependsOn[0], "pkg:npm/sbom-leaf@1.0.0") {
			edge = true
		}
	}
	if !edge {
		t.Fatalf("no sbom-mid -> sbom-leaf edge: %+v", bom.Dependencies)
	}

	file := filepath.Join(t.TempDir(), "app.spdx.json")
	_, errOut, code = rampartClient(t, n, app, nil, "sbom", "--format", "spdx", "-o", file, app)
	if code != 0 {
		t.Fatalf("rampart sbom --format spdx: exit %d\n%s", code, errOut)
	}
	doc, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := schemacheck.Validate("spdx", doc); err != nil {
		t.Fatalf("SPDX output invalid: %v\n%s", err, doc)
	}
	mustContain(t, string(doc), `"spdxVersion": "SPDX-2.3"`, "pkg:npm/sbom-leaf@1.0.0", `"relationshipType": "DEPENDS_ON"`, `"algorithm": "SHA512"`)

	// No lockfile: a clear error, exit 2.
	_, errOut, code = rampartClient(t, n, t.TempDir(), nil, "sbom")
	if code != 2 || !strings.Contains(errOut, "npm install") {
		t.Fatalf("no project: exit %d, %q", code, errOut)
	}
}
