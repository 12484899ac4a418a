package e2e

import (
	"archive/zip"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	osv "github.com/rampart/rampart/internal/osvclient"
	"github.com/rampart/rampart/internal/testpeers/osvapi"
	"github.com/rampart/rampart/internal/testserver"
)

// vulnerable is a project made by the real npm CLI against a real
// registry, with four advisories on what it installs:
//   - vuln-used@1.0.0, brought by wrapper, which the code requires: reachable;
//   - vuln-unused@1.0.0, a direct dependency nothing requires: not reachable;
//   - vuln-sym@1.0.0, required, but the advisory names the export parse and
//     the code uses only safe: not reachable (symbol level);
//   - evil-pkg@1.0.0, malicious: always critical and counting.
type vulnerable struct {
	s    *testserver.Server
	n    *testserver.NPM
	app  string
	advs []osv.Vuln
}

func semverRange(intro, fixed string) []osv.Range {
	ev := []osv.Event{{Introduced: intro}}
	if fixed != "" {
		ev = append(ev, osv.Event{Fixed: fixed})
	}
	return []osv.Range{{Type: "SEMVER", Events: ev}}
}

func newVulnerable(t *testing.T) *vulnerable {
	t.Helper()
	s := server(t, "")
	s.CreateUser(t, "alice", "alice@example.com", alicePW)
	n := login(t, s, "alice", alicePW)
	symIndex := "'use strict'\nexports.parse = (s) => JSON.parse(s)\nexports.safe = () => 'safe'\nexports.hello = () => 'hello'\n"
	for _, v := range []string{"1.0.0", "1.0.1", "1.1.0"} {
		publish(t, n, pkg{Name: "vuln-used", Version: v})
		publish(t, n, pkg{Name: "vuln-unused", Version: v})
		publish(t, n, pkg{Name: "vuln-sym", Version: v, Files: map[string][]byte{"index.js": []byte(symIndex)}})
	}
	publish(t, n, pkg{Name: "wrapper", Version: "1.0.0", Deps: map[string]string{"vuln-used": "^1.0.0"}})
	publish(t, n, pkg{Name: "evil-pkg", Version: "1.0.0"})
	app := appWith(t, map[string]string{"wrapper": "^1.0.0", "vuln-unused": "1.0.0", "vuln-sym": "1.0.0", "evil-pkg": "^1.0.0"},
		"'use strict'\nconst wrapper = require('wrapper')\nconst { safe } = require('vuln-sym')\nconsole.log(wrapper.hello(), safe())\n")
	// Pin the vulnerable versions: install them exactly, then restore
	// the ranges a developer would have written.
	n.MustRun(app, "install", "vuln-used@1.0.0", "--no-save")
	n.MustRun(app, "install")
	lock := string(read(t, filepath.Join(app, "package-lock.json")))
	mustContain(t, lock, `"node_modules/vuln-used"`, `"node_modules/evil-pkg"`)
	advs := []osv.Vuln{
		{ID: "GHSA-used-0001", Summary: "vuln-used runs code from its input", Modified: "2026-01-01T00:00:00Z",
			DatabaseSpecific: map[string]any{"severity": "HIGH"},
			Affected:         []osv.Affected{{Package: osv.Package{Ecosystem: "npm", Name: "vuln-used"}, Ranges: semverRange("0", "1.0.1")}}},
		{ID: "GHSA-unused-0002", Summary: "vuln-unused leaks memory", Modified: "2026-01-01T00:00:00Z",
			Severity: []osv.Severity{{Type: "CVSS_V3", Score: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L"}},
			Affected: []osv.Affected{{Package: osv.Package{Ecosystem: "npm", Name: "vuln-unused"}, Ranges: semverRange("0", "1.0.1")}}},
		{ID: "GHSA-sym-0003", Summary: "vuln-sym parse is unsafe", Modified: "2026-01-01T00:00:00Z",
			DatabaseSpecific: map[string]any{"severity": "CRITICAL"},
			Affected: []osv.Affected{{Package: osv.Package{Ecosystem: "npm", Name: "vuln-sym"}, Ranges: semverRange("0", "1.0.1"),
				EcosystemSpecific: map[string]any{"imports": []any{map[string]any{"path": "vuln-sym", "symbols": []any{"parse"}}}}}}},
		{ID: "MAL-2026-0004", Summary: "Malicious code in evil-pkg (npm)", Modified: "2026-01-01T00:00:00Z",
			Affected: []osv.Affected{{Package: osv.Package{Ecosystem: "npm", Name: "evil-pkg"}, Ranges: semverRange("0", "")}}},
	}
	return &vulnerable{s: s, n: n, app: app, advs: advs}
}

type auditJSON struct {
	Findings []struct {
		ID, Package, Version, Severity, Reachability string
		Fixed                                        string   `json:"fixed_version"`
		Level                                        string   `json:"reach_level"`
		Detail                                       string   `json:"reach_detail"`
		Paths                                        []string `json:"paths"`
		Counts                                       bool     `json:"counts"`
	} `json:"findings"`
}

func TestAuditReachabilityJS(t *testing.T) {
	t.Parallel()
	v := newVulnerable(t)
	peer := osvapi.Start(t, v.advs...)
	peer.PageSize = 1

	out, errOut, code := rampartClient(t, v.n, v.app, nil, "audit", "--json", "--osv-url", peer.URL)
	if code != 1 {
		t.Fatalf("audit: exit %d, want 1\n%s\n%s", code, out, errOut)
	}
	var rep auditJSON
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	got := map[string]string{}
	for _, f := range rep.Findings {
		got[f.ID] = f.Reachability + "|" + f.Level + "|" + f.Severity + "|" + f.Fixed + "|" + strings.Join(f.Paths, ";")
		if f.ID == "GHSA-sym-0003" && !strings.Contains(f.Detail, "safe") {
			t.Errorf("symbol finding's detail does not say what is used: %q", f.Detail)
		}
	}
	want := map[string]string{
		"GHSA-used-0001":   "reachable|imported|high|1.0.1|wrapper@1.0.0 > vuln-used@1.0.0",
		"GHSA-unused-0002": "not reachable|not imported|moderate|1.0.1|vuln-unused@1.0.0",
		"GHSA-sym-0003":    "not reachable|symbols unused|critical|1.0.1|vuln-sym@1.0.0",
		"MAL-2026-0004":    "reachable|installed|critical||evil-pkg@1.0.0",
	}
	for id, w := range want {
		if got[id] != w {
			t.Errorf("%s: %q, want %q", id, got[id], w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("findings %v", got)
	}
	if peer.Batches != 1 {
		t.Errorf("%d querybatch requests for one tree", peer.Batches)
	}

	// The table shows the unreachable findings apart; --all makes them count.
	out, _, code = rampartClient(t, v.n, v.app, nil, "audit", "--osv-url", peer.URL)
	if code != 1 {
		t.Fatalf("table: exit %d", code)
	}
	toAct, apart, ok := strings.Cut(out, "NOT REACHABLE")
	if !ok || !strings.Contains(toAct, "GHSA-used-0001") || !strings.Contains(toAct, "MAL-2026-0004") || !strings.Contains(apart, "GHSA-unused-0002") || strings.Contains(toAct, "GHSA-sym-0003") {
		t.Fatalf("table does not set unreachable findings apart:\n%s", out)
	}
	mustContain(t, out, "path: wrapper@1.0.0 > vuln-used@1.0.0", "fixed in: 1.0.1")

	// SARIF 2.1.0: unreachable findings are notes.
	out, _, _ = rampartClient(t, v.n, v.app, nil, "audit", "--format", "sarif", "--osv-url", peer.URL)
	var sarif struct {
		Version string
		Runs    []struct {
			Results []struct {
				RuleID string
				Level  string
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &sarif); err != nil || sarif.Version != "2.1.0" || len(sarif.Runs) != 1 || len(sarif.Runs[0].Results) != 4 {
		t.Fatalf("SARIF: %v\n%s", err, out)
	}
	for _, r := range sarif.Runs[0].Results {
		if (r.RuleID == "GHSA-unused-0002") != (r.Level == "note") && r.RuleID != "GHSA-sym-0003" {
			t.Errorf("SARIF %s level %s", r.RuleID, r.Level)
		}
	}

	// Offline: the same advisories from an OSV export folder, one as a
	// plain file and the rest in the per-ecosystem zip.
	dir := t.TempDir()
	b, _ := json.Marshal(v.advs[0])
	write(t, filepath.Join(dir, "GHSA-used-0001.json"), b)
	os.MkdirAll(filepath.Join(dir, "npm"), 0o755)
	zf, err := os.Create(filepath.Join(dir, "npm", "all.zip"))
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(zf)
	for _, a := range v.advs[1:] {
		w, _ := zw.Create(a.ID + ".json")
		json.NewEncoder(w).Encode(a)
	}
	zw.Close()
	zf.Close()
	out, errOut, code = rampartClient(t, v.n, v.app, nil, "audit", "--json", "--osv-dir", dir)
	var off auditJSON
	if code != 1 || json.Unmarshal([]byte(out), &off) != nil || len(off.Findings) != 4 {
		t.Fatalf("offline audit: exit %d\n%s\n%s", code, out, errOut)
	}

	// Only unreachable findings left: exit 0, unless --all.
	only := t.TempDir()
	b, _ = json.Marshal(v.advs[1])
	write(t, filepath.Join(only, "a.json"), b)
	if _, _, code := rampartClient(t, v.n, v.app, nil, "audit", "--osv-dir", only); code != 0 {
		t.Errorf("unreachable only: exit %d, want 0", code)
	}
	if _, _, code := rampartClient(t, v.n, v.app, nil, "audit", "--osv-dir", only, "--all"); code != 1 {
		t.Errorf("unreachable only with --all: exit %d, want 1", code)
	}
	// A registry without an OSV API (not a Rampart): exit 2 and what to do.
	plain := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(plain.Close)
	_, errOut, code = rampartClient(t, v.n, v.app, nil, "audit", "--registry", plain.URL+"/")
	if code != 2 || !strings.Contains(errOut, "--osv-dir") {
		t.Errorf("no OSV API: exit %d, %q", code, errOut)
	}
}
