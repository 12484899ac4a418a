package clientcmd

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestClientGolden checks what a developer reads from rampart audit and
// rampart fix --dry-run, byte for byte, against testdata/client-*.golden:
// a project (written here) with a reachable, an unreachable, a
// symbol-level and a malicious finding from an offline OSV folder. Run
// with -update to rewrite them after a deliberate change.
func TestClientGolden(t *testing.T) {
	tmp := t.TempDir()
	app := filepath.Join(tmp, "app")
	w := func(p, s string) {
		t.Helper()
		os.MkdirAll(filepath.Dir(filepath.Join(app, p)), 0o755)
		if err := os.WriteFile(filepath.Join(app, p), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	w("package.json", `{"name":"app","version":"1.0.0","main":"index.js","dependencies":{"wrapper":"^1.0.0","idle":"1.0.0","sym":"^1.0.0","evil":"1.0.0"}}`)
	w("index.js", "const w = require('wrapper')\nconst { safe } = require('sym')\nconsole.log(w.x, safe())\n")
	w("package-lock.json", `{"name":"app","version":"1.0.0","lockfileVersion":3,"packages":{
  "":{"name":"app","version":"1.0.0","dependencies":{"wrapper":"^1.0.0","idle":"1.0.0","sym":"^1.0.0","evil":"1.0.0"}},
  "node_modules/wrapper":{"version":"1.0.0","license":"MIT","dependencies":{"used":"^1.0.0"}},
  "node_modules/used":{"version":"1.0.0","license":"MIT"},
  "node_modules/idle":{"version":"1.0.0"},
  "node_modules/sym":{"version":"1.0.0"},
  "node_modules/evil":{"version":"1.0.0"}}}`)
	w("node_modules/wrapper/index.js", "exports.x = require('used')\n")
	w("node_modules/used/index.js", "module.exports = 1\n")
	w("node_modules/idle/index.js", "module.exports = 1\n")
	w("node_modules/sym/index.js", "exports.safe = () => 1\nexports.parse = () => 2\n")
	w("node_modules/evil/index.js", "module.exports = 1\n")
	osvDir := filepath.Join(tmp, "osv")
	os.MkdirAll(osvDir, 0o755)
	adv := func(id, pkg, fixed, sev string, extra map[string]any) {
		events := []map[string]string{{"introduced": "0"}}
		if fixed != "" {
			events = append(events, map[string]string{"fixed": fixed})
		}
		aff := map[string]any{"package": map[string]string{"ecosystem": "npm", "name": pkg}, "ranges": []any{map[string]any{"type": "SEMVER", "events": events}}}
		if extra != nil {
			aff["ecosystem_specific"] = extra
		}
		v := map[string]any{"id": id, "summary": pkg + " is vulnerable", "affected": []any{aff}}
		if sev != "" {
			v["database_specific"] = map[string]string{"severity": sev}
		}
		b, _ := json.Marshal(v)
		os.WriteFile(filepath.Join(osvDir, id+".json"), b, 0o644)
	}
	adv("GHSA-0001", "used", "1.0.2", "HIGH", nil)
	adv("GHSA-0002", "idle", "1.1.0", "MODERATE", nil)
	adv("GHSA-0003", "sym", "1.0.1", "CRITICAL", map[string]any{"imports": []any{map[string]any{"path": "sym", "symbols": []string{"parse"}}}})
	adv("MAL-0004", "evil", "", "", nil)
	env := map[string]string{"HOME": tmp, "CI": "true"}

	step := func(golden string, args ...string) {
		t.Helper()
		out, errOut, code := run(t, "", env, args...)
		got := strings.ReplaceAll(fmt.Sprintf("$ rampart %s\nexit %d\n-- stdout --\n%s-- stderr --\n%s", strings.Join(args, " "), code, out, errOut), tmp, "$TMP")
		path := filepath.Join("testdata", "client-"+golden+".golden")
		if *update {
			if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run with -update to write it)", err)
		}
		if got != string(want) {
			t.Errorf("rampart %s differs from %s (run with -update and review the diff):\n--- got\n%s\n--- want\n%s", strings.Join(args, " "), path, got, want)
		}
	}
	step("audit", "audit", app, "--osv-dir", osvDir)
	step("audit-all", "audit", app, "--osv-dir", osvDir, "--all")
	step("fix-dry-run", "fix", app, "--osv-dir", osvDir, "--dry-run")
	step("audit-no-lockfile", "audit", tmp, "--osv-dir", osvDir)
}

// TestAuditWithoutNodeModules: with the lockfile but nothing installed,
// the import graph cannot be read, so no finding may be called not
// reachable: they are unknown, and count.
func TestAuditWithoutNodeModules(t *testing.T) {
	tmp := t.TempDir()
	os.WriteFile(filepath.Join(tmp, "package.json"), []byte(`{"name":"app","main":"index.js","dependencies":{"a":"1.0.0"}}`), 0o644)
	os.WriteFile(filepath.Join(tmp, "index.js"), []byte("require('a')\n"), 0o644)
	os.WriteFile(filepath.Join(tmp, "package-lock.json"), []byte(`{"name":"app","lockfileVersion":3,"packages":{"":{"name":"app","dependencies":{"a":"1.0.0"}},"node_modules/a":{"version":"1.0.0"}}}`), 0o644)
	osvDir := t.TempDir()
	os.WriteFile(filepath.Join(osvDir, "X.json"), []byte(`{"id":"GHSA-x","affected":[{"package":{"ecosystem":"npm","name":"a"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"}]}]}]}`), 0o644)
	out, _, code := run(t, "", map[string]string{"HOME": tmp}, "audit", tmp, "--osv-dir", osvDir)
	if code != 1 || !strings.Contains(out, "unknown") || !strings.Contains(out, "npm ci") || strings.Contains(out, "NOT REACHABLE") {
		t.Fatalf("exit %d\n%s", code, out)
	}
}
