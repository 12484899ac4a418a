package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rampart/rampart/internal/testpeers/osvapi"
)

// TestFixUpgradesToLowestFixed: rampart fix upgrades the direct pin
// (package.json's range rewritten), the symbol-level one and the
// transitive one (an npm override) to 1.0.1, the lowest fixed version
// though 1.1.0 exists; it says why the malicious package is not fixed;
// the audit then finds only that; `npm ci` installs the fixed tree with
// its integrity checked and the code still runs.
func TestFixUpgradesToLowestFixed(t *testing.T) {
	t.Parallel()
	v := newVulnerable(t)
	peer := osvapi.Start(t, v.advs...)
	lockBefore := read(t, filepath.Join(v.app, "package-lock.json"))

	out, errOut, code := rampartClient(t, v.n, v.app, nil, "fix", "--dry-run", "--osv-url", peer.URL)
	if code != 1 {
		t.Fatalf("dry run: exit %d\n%s\n%s", code, out, errOut)
	}
	mustContain(t, out,
		"would upgrade vuln-unused 1.0.0 → 1.0.1 (direct dependency", "$ npm install vuln-unused@1.0.1 --save-exact",
		"would upgrade vuln-used 1.0.0 → 1.0.1 (npm override", "$ npm pkg set overrides.vuln-used=1.0.1",
		"would upgrade vuln-sym 1.0.0 → 1.0.1",
		"not fixed: evil-pkg 1.0.0 (MAL-2026-0004): malicious package")
	if string(read(t, filepath.Join(v.app, "package-lock.json"))) != string(lockBefore) {
		t.Fatal("--dry-run changed the lockfile")
	}

	out, errOut, code = rampartClient(t, v.n, v.app, nil, "fix", "--osv-url", peer.URL)
	if code != 1 {
		t.Fatalf("fix: exit %d (want 1: the malicious package stays)\n%s\n%s", code, out, errOut)
	}
	mustContain(t, out, "upgraded vuln-used 1.0.0 → 1.0.1", "upgraded vuln-unused", "upgraded vuln-sym", "not fixed: evil-pkg")
	mustContain(t, errOut, "1 vulnerable package(s) not fixed")
	var pj struct {
		Dependencies map[string]string
		Overrides    map[string]string
	}
	if err := json.Unmarshal(read(t, filepath.Join(v.app, "package.json")), &pj); err != nil {
		t.Fatal(err)
	}
	if pj.Dependencies["vuln-unused"] != "1.0.1" || pj.Dependencies["vuln-sym"] != "1.0.1" || pj.Overrides["vuln-used"] != "1.0.1" || pj.Dependencies["vuln-used"] != "" {
		t.Fatalf("package.json after fix: %+v", pj)
	}

	out, _, code = rampartClient(t, v.n, v.app, nil, "audit", "--json", "--osv-url", peer.URL)
	var rep auditJSON
	if code != 1 || json.Unmarshal([]byte(out), &rep) != nil || len(rep.Findings) != 1 || rep.Findings[0].ID != "MAL-2026-0004" {
		t.Fatalf("audit after fix: exit %d\n%s", code, out)
	}

	// npm ci installs exactly the fixed lockfile, checking each tarball's
	// integrity, and the project still runs.
	if err := os.RemoveAll(filepath.Join(v.app, "node_modules")); err != nil {
		t.Fatal(err)
	}
	v.n.MustRun(v.app, "ci")
	for _, name := range []string{"vuln-used", "vuln-unused", "vuln-sym"} {
		if got := installedVersion(t, v.app, name); got != "1.0.1" {
			t.Errorf("%s %s after npm ci", name, got)
		}
	}
	lock := string(read(t, filepath.Join(v.app, "package-lock.json")))
	if strings.Count(lock, `"integrity": "sha512-`) < 5 {
		t.Fatalf("lockfile lost its integrity hashes:\n%s", lock)
	}
	mustContain(t, node(t, v.app, "require('./index.js')"), "hello from wrapper@1.0.0", "safe")

	// Nothing left to fix but the malicious package: fix changes nothing.
	out, _, _ = rampartClient(t, v.n, v.app, nil, "fix", "--osv-url", peer.URL)
	mustNotContain(t, out, "upgraded")
}
