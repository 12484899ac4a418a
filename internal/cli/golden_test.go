package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/config"
	"github.com/rampart/rampart/internal/npmfixture"
	"github.com/rampart/rampart/internal/server"
	"github.com/rampart/rampart/internal/testclock"
)

// signingKeyID matches a signing key's id (signing.KeyID).
var signingKeyID = regexp.MustCompile(`SHA256:[A-Za-z0-9+/]{43}`)

var update = flag.Bool("update", false, "rewrite internal/cli/testdata/*.golden from what the commands print")

// goldenConfig is the registry every golden command runs against: fixed
// names, a fixed public URL, maintainers without a second factor may
// publish (so that the test can publish over HTTP without enrolling one).
const goldenConfig = `version = 1
public_url = "https://registry.example/"
insecure_fast_password_hashing = true
[passwords]
hibp_disabled = true
[email_domains]
check = false
[mfa]
insecure_maintainers_without_mfa = true
`

// TestAdminGolden checks what an operator reads from `rampart admin`,
// byte for byte, against testdata/admin-*.golden: each command's exit
// code, standard output and standard error, for a success and a typical
// refusal. The commands run in order on one data folder, on a fixed
// clock, with fixed names and package bytes, so that every run prints the
// same; the temporary folder is written as $TMP. Run with -update to
// rewrite the files after a deliberate change, and review the diff: every
// changed byte is one an operator sees.
func TestAdminGolden(t *testing.T) {
	tmp := t.TempDir()
	data := filepath.Join(tmp, "data")
	cfgFile := filepath.Join(tmp, "rampart.toml")
	if err := os.WriteFile(cfgFile, []byte(goldenConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"RAMPART_CONFIG": cfgFile, "RAMPART_DATA": data}
	c := testclock.New(time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC))
	clock = c.Now
	t.Cleanup(func() { clock = nil })
	const pw = "Golden-file-passphrase-77\n"
	// Signing keys are random: each is named by when it first appears.
	keyLabels := map[string]string{}
	labelKeys := func(s string) string {
		return signingKeyID.ReplaceAllStringFunc(s, func(id string) string {
			if keyLabels[id] == "" {
				keyLabels[id] = fmt.Sprintf("SHA256:<key %d>", len(keyLabels)+1)
			}
			return keyLabels[id]
		})
	}

	step := func(golden, stdin string, args ...string) {
		t.Helper()
		out, errOut, code := run(t, stdin, env, args...)
		var b strings.Builder
		quoted := make([]string, len(args))
		for i, a := range args {
			quoted[i] = a
			if strings.ContainsAny(a, " ,") {
				quoted[i] = "'" + a + "'"
			}
		}
		fmt.Fprintf(&b, "$ rampart %s\n", strings.Join(quoted, " "))
		if stdin != "" {
			b.WriteString("# standard input: a password\n")
		}
		fmt.Fprintf(&b, "exit %d\n-- stdout --\n%s-- stderr --\n%s", code, out, errOut)
		got := labelKeys(strings.ReplaceAll(b.String(), tmp, "$TMP"))
		path := filepath.Join("testdata", "admin-"+golden+".golden")
		if *update {
			if err := os.MkdirAll("testdata", 0o755); err != nil {
				t.Fatal(err)
			}
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

	step("user-create-no-folder", pw, "admin", "user", "create", "--name", "root", "--email", "root@example.com", "--admin", "--verified", "--password-stdin")
	step("user-create", pw, "admin", "user", "create", "--name", "root", "--email", "root@example.com", "--admin", "--verified", "--password-stdin", "--create")
	step("user-create-taken", pw, "admin", "user", "create", "--name", "root", "--email", "other@example.com", "--password-stdin")
	step("user-create-no-stdin", "", "admin", "user", "create", "--name", "alice", "--email", "alice@example.com")
	step("user-create-maintainer", pw, "admin", "user", "create", "--name", "alice", "--email", "alice@example.com", "--verified", "--password-stdin")
	step("user-create-mallory", pw, "admin", "user", "create", "--name", "mallory", "--email", "mallory@example.com", "--password-stdin")

	publishAndUnpublish(t, cfgFile, data, c, strings.TrimSpace(pw))

	step("user-disable", "", "admin", "user", "disable", "mallory")
	step("user-disable-again", "", "admin", "user", "disable", "mallory")
	step("user-disable-unknown", "", "admin", "user", "disable", "nobody")

	step("user-recover-no-reason", "", "admin", "user", "recover", "alice")
	step("user-recover-start", "", "admin", "user", "recover", "alice", "--reason", "asked from alice@example.com, lost phone")
	c.Advance(36 * time.Hour)
	step("user-recover-too-soon", "", "admin", "user", "recover", "alice", "--complete")
	c.Advance(6 * 24 * time.Hour)
	step("user-recover-complete", "", "admin", "user", "recover", "alice", "--complete")

	step("name-release", "", "admin", "name", "release", "right-pad")
	step("name-release-unknown", "", "admin", "name", "release", "no-such-pad")
	step("name-allow", "", "admin", "name", "allow", "lodahs", "--reason", "the Lodahs project's own name, reviewed")
	step("name-allow-again", "", "admin", "name", "allow", "lodahs")
	step("name-allowed", "", "admin", "name", "allowed")

	step("advisories-import", "", "admin", "advisories", "import", "../osv/testdata/npm")
	step("advisories-import-again", "", "admin", "advisories", "import", "../osv/testdata/npm")
	step("advisories-malicious", "", "admin", "advisories", "malicious", "left-pad@1.0.0", "--summary", "steals npm tokens")
	step("advisories-malicious-two-packages", "", "admin", "advisories", "malicious", "left-pad@1.0.0", "right-pad@1.0.0")

	step("critical-add", "", "admin", "package", "critical", "add", "left-pad")
	step("critical-add-unknown", "", "admin", "package", "critical", "add", "no-such-pad")
	step("critical-ls", "", "admin", "package", "critical", "ls")
	step("critical-rm", "", "admin", "package", "critical", "rm", "left-pad")
	step("critical-ls-empty", "", "admin", "package", "critical", "ls")

	step("quarantine-list-empty", "", "admin", "quarantine", "list")
	step("quarantine-hold-no-reason", "", "admin", "quarantine", "hold", "left-pad@1.0.0")
	step("quarantine-hold", "", "admin", "quarantine", "hold", "left-pad@1.0.0", "--reason", "reported as a stealer")
	step("quarantine-list", "", "admin", "quarantine", "list")
	step("quarantine-release", "", "admin", "quarantine", "release", "left-pad@1.0.0", "--reason", "a false report")
	step("quarantine-bad-arg", "", "admin", "quarantine", "show", "left-pad")
	step("scan-rescan", "", "admin", "scan", "rescan", "--package", "left-pad")
	step("scan-status", "", "admin", "scan", "status")
	step("scan-rules", "", "admin", "scan", "rules")

	step("keys-list", "", "admin", "keys", "list")
	c.Advance(time.Hour)
	step("keys-rotate", "", "admin", "keys", "rotate")
	step("keys-list-rotated", "", "admin", "keys", "list")
	step("org-create", "", "admin", "org", "create", "acme", "--owner", "alice")
	step("org-create-taken", "", "admin", "org", "create", "acme", "--owner", "alice")
	step("org-create-user-name", "", "admin", "org", "create", "alice", "--owner", "alice")
	step("org-create-no-owner", "", "admin", "org", "create", "widgets")
	step("org-create-disabled-owner", "", "admin", "org", "create", "widgets", "--owner", "mallory")
	step("user-create-org-name", pw, "admin", "user", "create", "--name", "acme", "--email", "acme@example.com", "--password-stdin")
	step("user-moderator-add", "", "admin", "user", "moderator", "add", "alice")
	step("user-moderator-rm", "", "admin", "user", "moderator", "rm", "alice")
	step("user-moderator-add-unknown", "", "admin", "user", "moderator", "add", "nobody")

	step("blobs-gc-dry-run", "", "admin", "blobs", "gc", "--dry-run")
	step("blobs-gc-too-young", "", "admin", "blobs", "gc", "--min-age", "1s")
	step("blobs-verify", "", "admin", "blobs", "verify")

	step("backup", "", "admin", "backup", "--to", filepath.Join(tmp, "backup"))
	step("backup-exists", "", "admin", "backup", "--to", filepath.Join(tmp, "backup"))
	step("restore", "", "admin", "restore", "--from", filepath.Join(tmp, "backup"), "--data", filepath.Join(tmp, "restored"))
	step("restore-no-backup", "", "admin", "restore", "--from", filepath.Join(tmp, "no-backup"), "--data", filepath.Join(tmp, "restored-2"))

	// A flipped byte in the one file left-pad@1.0.0 has.
	var blob string
	filepath.WalkDir(filepath.Join(data, "blobs"), func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() && blob == "" {
			blob = path
		}
		return nil
	})
	b, err := os.ReadFile(blob)
	if blob == "" || err != nil {
		t.Fatalf("no package file under %s: %v", data, err)
	}
	b[len(b)/2] ^= 1
	if err := os.WriteFile(blob, b, 0o600); err != nil {
		t.Fatal(err)
	}
	step("blobs-verify-corrupt", "", "admin", "blobs", "verify")
}

// publishAndUnpublish has alice publish left-pad@1.0.0 and right-pad@1.0.0
// as npm would, over the server's handler, then unpublish right-pad, so
// that the commands have a package, a held name and package files to
// work on.
func publishAndUnpublish(t *testing.T, cfgFile, data string, c *testclock.Clock, pw string) {
	t.Helper()
	ctx := context.Background()
	cfg, err := config.Load(cfgFile, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	cfg.Data = data
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	svc, err := server.Open(ctx, cfg, server.Options{Log: log, Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close(ctx)
	h := server.Handler(svc, cfg, log)
	do := func(method, path, token string, body []byte, want int) map[string]any {
		t.Helper()
		r := httptest.NewRequest(method, path, bytes.NewReader(body))
		r.RemoteAddr = "127.0.0.1:40000"
		r.Header.Set("User-Agent", "npm/11.19.1 node/v20.20.2 linux x64 workspaces/false")
		r.Header.Set("Content-Type", "application/json")
		if token != "" {
			r.Header.Set("Authorization", "Bearer "+token)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != want {
			t.Fatalf("%s %s: %d %s, want %d", method, path, w.Code, w.Body, want)
		}
		var got map[string]any
		json.Unmarshal(w.Body.Bytes(), &got)
		return got
	}
	login, _ := json.Marshal(map[string]string{"name": "alice", "password": pw})
	tok, _ := do("PUT", "/-/user/org.couchdb.user:alice", "", login, http.StatusCreated)["token"].(string)
	for _, name := range []string{"left-pad", "right-pad"} {
		pj := map[string]any{"name": name, "version": "1.0.0", "description": "pads a string", "main": "index.js", "license": "MIT"}
		tgz := npmfixture.Package(pj, map[string]string{"index.js": "module.exports = (s, n) => String(s).padStart(n)\n"})
		do("PUT", "/"+name, tok, npmfixture.Publish{Manifest: pj, Tarball: tgz}.Body(), http.StatusCreated)
		c.Advance(time.Minute)
	}
	rev, _ := do("GET", "/right-pad?write=true", tok, nil, http.StatusOK)["_rev"].(string)
	do("DELETE", "/right-pad/-rev/"+rev, tok, nil, http.StatusOK)
}
