package e2e

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// vulnRecord is an OSV record in the shape of GitHub's records in OSV's
// npm export: adv-e2e-vulnlib below 1.0.1 is vulnerable, 1.0.1 fixes it.
const vulnRecord = `{
  "schema_version": "1.6.0",
  "id": "GHSA-e2e0-0001-aaaa",
  "modified": "2026-01-02T03:04:05Z",
  "published": "2026-01-01T00:00:00Z",
  "aliases": ["CVE-2026-0001"],
  "summary": "Prototype pollution in adv-e2e-vulnlib",
  "details": "merge() copies __proto__ keys.",
  "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"}],
  "affected": [{
    "package": {"ecosystem": "npm", "name": "adv-e2e-vulnlib", "purl": "pkg:npm/adv-e2e-vulnlib"},
    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.0.1"}]}]
  }],
  "references": [{"type": "PACKAGE", "url": "https://example.com/adv-e2e-vulnlib"}],
  "database_specific": {"cwe_ids": ["CWE-1321"], "severity": "HIGH", "github_reviewed": true}
}`

// auditReport is the part of `npm audit --json` the test reads.
type auditReport struct {
	Vulnerabilities map[string]struct {
		Severity string            `json:"severity"`
		Range    string            `json:"range"`
		Via      []json.RawMessage `json:"via"`
		// FixAvailable is true, false, or the version `npm audit fix
		// --force` would install.
		FixAvailable json.RawMessage `json:"fixAvailable"`
	} `json:"vulnerabilities"`
	Metadata struct {
		Vulnerabilities map[string]int `json:"vulnerabilities"`
	} `json:"metadata"`
}

type auditVia struct {
	Source   string `json:"source"`
	Name     string `json:"name"`
	Title    string `json:"title"`
	URL      string `json:"url"`
	Severity string `json:"severity"`
	Range    string `json:"range"`
}

func audit(t *testing.T, r interface{ Output() string }, stdout string) auditReport {
	t.Helper()
	var rep auditReport
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("npm audit --json: %v\n%s", err, r.Output())
	}
	return rep
}

// TestAdvisoriesNPMAudit: an advisory imported from an OSV record reaches
// the real npm CLI through the bulk advisory endpoint: `npm install` of a
// dependent project prints the vulnerability summary, `npm audit --json`
// lists it with its range and a fix, `npm audit fix` upgrades to the
// first fixed version (the lockfile says so); a MAL- advisory published
// with `rampart admin advisories malicious` shows as critical; the OSV API
// answers query, querybatch and vulns as api.osv.dev does.
func TestAdvisoriesNPMAudit(t *testing.T) {
	t.Parallel()
	s := server(t, "")
	base := strings.TrimSuffix(s.URL, "/")
	alice := signup(t, s, "alice", alicePW)
	publish(t, alice, pkg{Name: "adv-e2e-vulnlib", Version: "1.0.0"})
	publish(t, alice, pkg{Name: "adv-e2e-app-dep", Version: "1.0.0", Deps: map[string]string{"adv-e2e-vulnlib": "^1.0.0"}})

	dir := t.TempDir()
	write(t, filepath.Join(dir, "GHSA-e2e0-0001-aaaa.json"), []byte(vulnRecord))
	out, err := s.Admin(t, "", "advisories", "import", dir)
	if err != nil || !strings.Contains(out, "1 new") {
		t.Fatalf("admin advisories import: %v\n%s", err, out)
	}

	// npm install prints the summary from the bulk endpoint: the library,
	// and the package depending on it, which has no way around it yet.
	app := project(t)
	user := anon(t, s)
	r := user.MustRun(app, "install", "adv-e2e-app-dep")
	mustContain(t, r.Output(), "2 high severity vulnerabilities", "Run `npm audit` for details.")

	// The fix is published; npm audit lists the advisory with the range
	// it affects and a fix within the dependency's range.
	publish(t, alice, pkg{Name: "adv-e2e-vulnlib", Version: "1.0.1"})
	user = anon(t, s)
	r = user.Run(app, "audit", "--json")
	rep := audit(t, r, r.Stdout)
	v, ok := rep.Vulnerabilities["adv-e2e-vulnlib"]
	if !ok || v.Severity != "high" || len(v.Via) == 0 {
		t.Fatalf("npm audit --json has no high adv-e2e-vulnlib:\n%s", r.Output())
	}
	var via auditVia
	if err := json.Unmarshal(v.Via[0], &via); err != nil {
		t.Fatalf("via: %v\n%s", err, v.Via[0])
	}
	if via.Source != "GHSA-e2e0-0001-aaaa" || via.Range != "<1.0.1" || via.Title != "Prototype pollution in adv-e2e-vulnlib" ||
		via.URL != base+"/advisories/GHSA-e2e0-0001-aaaa" {
		t.Errorf("via = %+v", via)
	}
	if string(v.FixAvailable) != "true" {
		t.Errorf("fixAvailable = %s, want true (1.0.1 is within ^1.0.0)", v.FixAvailable)
	}
	r = user.Run(app, "audit")
	mustContain(t, r.Stdout, "adv-e2e-vulnlib  1.0.0", "Severity: high", "Prototype pollution in adv-e2e-vulnlib - "+base+"/advisories/GHSA-e2e0-0001-aaaa",
		"fix available via `npm audit fix`")

	// npm audit fix upgrades to the first fixed version.
	user.MustRun(app, "audit", "fix")
	if got := readLock(t, app).Packages["node_modules/adv-e2e-vulnlib"].Version; got != "1.0.1" {
		t.Fatalf("after npm audit fix the lockfile has adv-e2e-vulnlib %q, want 1.0.1", got)
	}
	if got := installedVersion(t, app, "adv-e2e-vulnlib"); got != "1.0.1" {
		t.Errorf("installed %s after npm audit fix", got)
	}
	r = user.Run(app, "audit")
	mustContain(t, r.Stdout, "found 0 vulnerabilities")

	// A malicious-package advisory of Rampart's own shows as critical.
	publish(t, alice, pkg{Name: "adv-e2e-sneaky", Version: "2.0.0"})
	out, err = s.Admin(t, "", "advisories", "malicious", "adv-e2e-sneaky@2.0.0", "--summary", "steals npm tokens on install")
	if err != nil || !strings.Contains(out, "published MAL-") {
		t.Fatalf("admin advisories malicious: %v\n%s", err, out)
	}
	malID := strings.Fields(strings.TrimPrefix(out[strings.Index(out, "published "):], "published "))[0]
	malID = strings.TrimSuffix(malID, ":")
	app2 := project(t)
	r = anon(t, s).MustRun(app2, "install", "adv-e2e-sneaky")
	mustContain(t, r.Output(), "1 critical severity vulnerability")
	r = anon(t, s).Run(app2, "audit", "--json")
	rep = audit(t, r, r.Stdout)
	if m := rep.Vulnerabilities["adv-e2e-sneaky"]; m.Severity != "critical" || rep.Metadata.Vulnerabilities["critical"] != 1 {
		t.Errorf("the MAL- advisory in npm audit: %+v\n%s", m, r.Output())
	}

	// The OSV API, as api.osv.dev answers.
	q := do(t, "POST", base+"/-/osv/v1/query", "", map[string]any{"package": map[string]string{"name": "adv-e2e-vulnlib", "ecosystem": "npm"}, "version": "1.0.0"})
	var qr struct {
		Vulns []struct {
			ID       string `json:"id"`
			Modified string `json:"modified"`
			Affected []any  `json:"affected"`
		} `json:"vulns"`
	}
	if err := json.Unmarshal(q.Body, &qr); err != nil || q.Status != 200 || len(qr.Vulns) != 1 || qr.Vulns[0].ID != "GHSA-e2e0-0001-aaaa" || len(qr.Vulns[0].Affected) != 1 {
		t.Fatalf("query: %d %s", q.Status, q.Body)
	}
	if q := do(t, "POST", base+"/-/osv/v1/query", "", map[string]any{"package": map[string]string{"purl": "pkg:npm/adv-e2e-vulnlib@1.0.1"}}); q.Status != 200 || strings.TrimSpace(string(q.Body)) != "{}" {
		t.Errorf("query of the fixed version: %d %s, want {}", q.Status, q.Body)
	}
	b := do(t, "POST", base+"/-/osv/v1/querybatch", "", map[string]any{"queries": []any{
		map[string]any{"package": map[string]string{"name": "adv-e2e-vulnlib", "ecosystem": "npm"}, "version": "1.0.0"},
		map[string]any{"package": map[string]string{"name": "adv-e2e-vulnlib", "ecosystem": "npm"}, "version": "1.0.1"},
		map[string]any{"package": map[string]string{"purl": "pkg:npm/adv-e2e-sneaky@2.0.0"}},
	}})
	var br struct {
		Results []struct {
			Vulns []map[string]string `json:"vulns"`
		} `json:"results"`
	}
	if err := json.Unmarshal(b.Body, &br); err != nil || b.Status != 200 || len(br.Results) != 3 {
		t.Fatalf("querybatch: %d %s", b.Status, b.Body)
	}
	if r0 := br.Results[0].Vulns; len(r0) != 1 || r0[0]["id"] != "GHSA-e2e0-0001-aaaa" || r0[0]["modified"] != "2026-01-02T03:04:05Z" || len(r0[0]) != 2 {
		t.Errorf("querybatch result 0 = %v, want the id and modified only", r0)
	}
	if len(br.Results[1].Vulns) != 0 || len(br.Results[2].Vulns) != 1 || br.Results[2].Vulns[0]["id"] != malID {
		t.Errorf("querybatch results = %s", b.Body)
	}
	g := do(t, "GET", base+"/-/osv/v1/vulns/"+malID, "", nil)
	if m := g.JSON(t); g.Status != 200 || m["id"] != malID || m["summary"] != "steals npm tokens on install" {
		t.Errorf("vulns/%s: %d %s", malID, g.Status, g.Body)
	}
	if nf := do(t, "GET", base+"/-/osv/v1/vulns/GHSA-none-none-none", "", nil); nf.Status != 404 || nf.JSON(t)["message"] != "Bug not found." {
		t.Errorf("unknown id: %d %s", nf.Status, nf.Body)
	}
	if bad := do(t, "POST", base+"/-/osv/v1/query", "", map[string]any{"package": map[string]string{"name": "x", "ecosystem": "npm"}, "commit": "abc"}); bad.Status != 400 || bad.JSON(t)["code"] != float64(3) {
		t.Errorf("commit query: %d %s", bad.Status, bad.Body)
	}
}

// TestRampartAuditAgainstTheRegistry: `rampart audit` with no OSV flag
// asks the registry's own OSV API (/-/osv/v1, served from the advisory
// database), not a stand-in, and reports the imported advisory with its
// path and fixed version; after `rampart fix` the tree audits clean.
func TestRampartAuditAgainstTheRegistry(t *testing.T) {
	t.Parallel()
	s := server(t, "")
	alice := signup(t, s, "alice", alicePW)
	publish(t, alice, pkg{Name: "adv-e2e-vulnlib", Version: "1.0.0"})
	publish(t, alice, pkg{Name: "adv-e2e-vulnlib", Version: "1.0.1"})
	publish(t, alice, pkg{Name: "adv-e2e-app-dep", Version: "1.0.0", Deps: map[string]string{"adv-e2e-vulnlib": "^1.0.0"}})
	dir := t.TempDir()
	write(t, filepath.Join(dir, "GHSA-e2e0-0001-aaaa.json"), []byte(vulnRecord))
	if out, err := s.Admin(t, "", "advisories", "import", dir); err != nil {
		t.Fatalf("admin advisories import: %v\n%s", err, out)
	}
	app := project(t)
	user := anon(t, s)
	user.MustRun(app, "install", "adv-e2e-app-dep", "adv-e2e-vulnlib@1.0.0")

	out, errOut, code := rampartClient(t, user, app, nil, "audit", "--json", "--no-reach")
	var rep auditJSON
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != 1 {
		t.Fatalf("rampart audit against the registry: exit %d, %v\n%s\n%s", code, err, out, errOut)
	}
	found := false
	for _, f := range rep.Findings {
		if f.ID == "GHSA-e2e0-0001-aaaa" && f.Package == "adv-e2e-vulnlib" && f.Version == "1.0.0" && f.Fixed == "1.0.1" {
			found = true
		}
	}
	if !found {
		t.Fatalf("the registry's advisory is not reported with its fixed version:\n%s", out)
	}

	out, errOut, code = rampartClient(t, user, app, nil, "fix")
	if code != 0 {
		t.Fatalf("rampart fix: exit %d\n%s\n%s", code, out, errOut)
	}
	if got := readLock(t, app).Packages["node_modules/adv-e2e-vulnlib"].Version; got != "1.0.1" {
		t.Fatalf("after rampart fix the lockfile has adv-e2e-vulnlib %q, want 1.0.1", got)
	}
	if out, errOut, code = rampartClient(t, user, app, nil, "audit", "--no-reach"); code != 0 {
		t.Fatalf("audit after the fix: exit %d\n%s\n%s", code, out, errOut)
	}
}
