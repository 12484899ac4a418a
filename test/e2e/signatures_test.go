package e2e

import (
	"database/sql"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/testpeers/tufcdn"
	"github.com/rampart/rampart/internal/testserver"
)

// verifySignatures runs testdata/verify-signatures.js, npm's own check of
// registry signatures (and of the keyed publish attestation), on every
// version of name, and returns its lines.
func verifySignatures(t *testing.T, registry, name string, tamper bool) []string {
	t.Helper()
	script, err := filepath.Abs(filepath.Join("testdata", "verify-signatures.js"))
	if err != nil {
		t.Fatal(err)
	}
	args := []string{script, registry, name}
	if tamper {
		args = append(args, "tamper")
	}
	out, err := exec.Command("node", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("node verify-signatures.js %s: %v\n%s", name, err, out)
	}
	return strings.Split(strings.TrimSpace(string(out)), "\n")
}

var keyIDIn = regexp.MustCompile(`SHA256:[A-Za-z0-9+/]{43}`)

// TestRegistrySignatures: versions published with the real npm CLI carry
// dist.signatures that npm's algorithm accepts against the keys at
// /-/npm/v1/keys, and a keyed publish attestation; after `rampart admin
// keys rotate` beside the live server, the old version still verifies
// with the retired key (listed with its expiry) and a new version is
// signed with the new key; a tampered integrity fails.
func TestRegistrySignatures(t *testing.T) {
	t.Parallel()
	s := server(t, "")
	alice := signup(t, s, "alice", alicePW)
	for _, name := range []string{"sig-pad", "@alice/sig-pad"} {
		publish(t, alice, pkg{Name: name, Version: "1.0.0"}, "--access", "public")
	}
	first := verifySignatures(t, s.URL, "@alice/sig-pad", false)
	if len(first) != 2 || !strings.HasPrefix(first[0], "1.0.0 sig SHA256:") || !strings.HasSuffix(first[0], " ok") || first[1] != "1.0.0 attestation ok" {
		t.Fatalf("before the rotation:\n%s", strings.Join(first, "\n"))
	}
	oldKey := keyIDIn.FindString(first[0])

	s.Advance(t, time.Hour)
	out, err := s.Admin(t, "", "keys", "rotate")
	if err != nil {
		t.Fatalf("rampart admin keys rotate: %v\n%s", err, out)
	}
	mustContain(t, out, "is now the current signing key", oldKey+" is retired")
	newKey := keyIDIn.FindString(out)
	if newKey == "" || newKey == oldKey {
		t.Fatalf("rotate printed no new key:\n%s", out)
	}
	s.Advance(t, time.Minute)
	publish(t, alice, pkg{Name: "sig-pad", Version: "1.1.0"})

	got := verifySignatures(t, s.URL, "sig-pad", false)
	want := []string{
		"1.0.0 sig " + oldKey + " ok", "1.0.0 attestation ok",
		"1.1.0 sig " + newKey + " ok", "1.1.0 attestation ok",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("after the rotation:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	keys := do(t, "GET", s.URL+"-/npm/v1/keys", "", nil).JSON(t)["keys"].([]any)
	if len(keys) != 2 || keys[0].(map[string]any)["keyid"] != oldKey || keys[0].(map[string]any)["expires"] == nil ||
		keys[1].(map[string]any)["keyid"] != newKey || keys[1].(map[string]any)["expires"] != nil {
		t.Fatalf("keys after the rotation: %v", keys)
	}

	tampered := verifySignatures(t, s.URL, "sig-pad", true)
	want = []string{"1.0.0 sig EINTEGRITYSIGNATURE", "1.0.0 attestation EATTESTATIONSUBJECT", "1.1.0 sig EINTEGRITYSIGNATURE", "1.1.0 attestation EATTESTATIONSUBJECT"}
	if strings.Join(tampered, "\n") != strings.Join(want, "\n") {
		t.Fatalf("with tampered integrities:\n%s\nwant:\n%s", strings.Join(tampered, "\n"), strings.Join(want, "\n"))
	}

	out, err = s.Admin(t, "", "keys", "list")
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, out, oldKey+"\tcreated ", "\texpires ", newKey+"\tcreated ", "\tcurrent")

	auditSignatures(t, s)
}

// auditSignatures runs npm's own `npm audit signatures` on an install
// from s. npm first refreshes Sigstore's TUF repository from its CDN,
// with no option to point it elsewhere, and only then, finding no TUF
// target with this registry's keys, falls back to /-/npm/v1/keys
// (npm-protocol.md §8.1). The CDN is unreachable here: without it npm
// stops at once (asserted); with the CDN's stand-in (testpeers/tufcdn,
// reached through npm's HTTPS_PROXY) it verifies every installed
// version's registry signature against this registry's keys.
func auditSignatures(t *testing.T, s *testserver.Server) {
	t.Helper()
	dir := project(t)
	npm := anon(t, s)
	npm.MustRun(dir, "install", "sig-pad@1.0.0", "@alice/sig-pad@1.0.0")

	offline := npm.Run(dir, "audit", "signatures")
	mustFail(t, offline, "ENOTFOUND", tufcdn.Host)

	cdn := tufcdn.Start(t)
	cdn.SeedCache(t, filepath.Join(npm.Home, ".npm"))
	npm.Env = []string{"HTTPS_PROXY=" + cdn.ProxyURL, "NO_PROXY=127.0.0.1,localhost", "NODE_EXTRA_CA_CERTS=" + cdn.CAFile}
	r := npm.Run(dir, "audit", "signatures")
	if r.Err != nil {
		t.Fatalf("npm audit signatures: %v\n%s\n(the TUF stand-in served %q)", r.Err, r.Output(), cdn.Served())
	}
	// Both versions were signed with the key retired since: npm checks
	// its expiry against their publish time, and accepts them.
	mustContain(t, r.Output(), "audited 2 packages", "2 packages have verified registry signatures")
	t.Logf("npm audit signatures:\n%s", r.Output())
	if served := cdn.Served(); !slices.Contains(served, "/timestamp.json") {
		t.Errorf("npm did not refresh TUF through the stand-in: it served %q", served)
	}
}

// TestSignatureBackfill: versions published before the registry signed
// (their signatures removed from the database of a stopped server, as
// after an upgrade) are signed once at the next start, before it
// listens, with the current key, and their packuments show it; another
// start signs nothing again.
func TestSignatureBackfill(t *testing.T) {
	t.Parallel()
	s := server(t, "")
	alice := signup(t, s, "alice", alicePW)
	publish(t, alice, pkg{Name: "old-pad", Version: "1.0.0"})
	publish(t, alice, pkg{Name: "old-pad", Version: "1.1.0"})
	s.Stop()

	db, err := sql.Open("sqlite", "file:"+filepath.Join(s.Data, "metadata.db")+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	res, err := db.Exec(`DELETE FROM version_signatures`)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n != 2 {
		t.Fatalf("removed %d signatures, want 2", n)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	// A new key too, so that the backfill's signatures are told apart
	// from the publish's (signing is deterministic).
	out, err := s.Admin(t, "", "keys", "rotate")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	newKey := keyIDIn.FindString(out)

	s2 := s.Restart(t)
	got := verifySignatures(t, s2.URL, "old-pad", false)
	want := []string{"1.0.0 sig " + newKey + " ok", "1.0.0 attestation ok", "1.1.0 sig " + newKey + " ok", "1.1.0 attestation ok"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("after the backfill:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	mustContain(t, s2.Log(), "signed the versions published before the registry signed", "versions=2")

	s3 := s2.Restart(t)
	if strings.Contains(s3.Log(), "signed the versions published before") {
		t.Fatalf("a second start signed again:\n%s", s3.Log())
	}
	if again := verifySignatures(t, s3.URL, "old-pad", false); strings.Join(again, "\n") != strings.Join(want, "\n") {
		t.Fatalf("after another start:\n%s", strings.Join(again, "\n"))
	}
}
