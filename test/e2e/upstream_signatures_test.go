package e2e

import (
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rampart/rampart/internal/testpeers/tufcdn"
	"github.com/rampart/rampart/internal/testserver"
)

// TestUpstreamSignatures (issue 13): with verify_signatures, proxied
// versions keep the upstream's dist.signatures, the upstream's keys are
// listed at this registry's /-/npm/v1/keys beside its own, and `npm audit
// signatures` verifies a tree mixing local and proxied packages; a
// version whose upstream signature was tampered with is not served, and
// the refusal is recorded.
func TestUpstreamSignatures(t *testing.T) {
	t.Parallel()
	up := testserver.Start(t, testserver.Options{SMTP: true})
	upAlice := signup(t, up, "alice", alicePW)
	publish(t, upAlice, pkg{Name: "signed-dep", Version: "1.0.0"})
	publish(t, upAlice, pkg{Name: "forged-dep", Version: "1.0.0"})
	upKeys := do(t, "GET", up.URL+"-/npm/v1/keys", "", nil).JSON(t)["keys"].([]any)
	upKey := upKeys[0].(map[string]any)["keyid"].(string)

	front, cnt := newCounting(t, up)
	// A mirror that forges forged-dep's signature: another version's
	// valid signature, so only the check over name@version:integrity
	// can tell.
	signedDepSig := firstSig(t, up, "signed-dep", "1.0.0")
	cnt.mutate = func(doc map[string]any) {
		if doc["name"] != "forged-dep" {
			return
		}
		for _, mv := range doc["versions"].(map[string]any) {
			dist := mv.(map[string]any)["dist"].(map[string]any)
			sigs := dist["signatures"].([]any)
			sigs[0].(map[string]any)["sig"] = signedDepSig
		}
	}

	s := testserver.Start(t, testserver.Options{SMTP: true, Config: fmt.Sprintf(`
[[upstream]]
name = "public"
url = %q
packages = ["*"]
exclude = ["local-*"]
verify_signatures = true
`, front.URL+"/")})
	alice := signup(t, s, "alice", alicePW)
	publish(t, alice, pkg{Name: "local-app", Version: "1.0.0", Deps: map[string]string{"signed-dep": "^1.0.0"}})

	// Passed through, with the upstream's key listed here.
	if got := firstSig(t, s, "signed-dep", "1.0.0"); got != signedDepSig {
		t.Fatalf("signed-dep's signature through the proxy is %q, want the upstream's %q", got, signedDepSig)
	}
	keys := do(t, "GET", s.URL+"-/npm/v1/keys", "", nil).JSON(t)["keys"].([]any)
	var ids []string
	for _, k := range keys {
		ids = append(ids, k.(map[string]any)["keyid"].(string))
	}
	if len(ids) != 2 || ids[1] != upKey || ids[0] == upKey {
		t.Fatalf("/-/npm/v1/keys lists %v, want this registry's key and then the upstream's %s", ids, upKey)
	}

	// The forged signature: the version is not served, and why is told.
	if d := getDoc(t, s, "forged-dep"); len(d.Versions) != 0 {
		t.Fatalf("forged-dep with a forged signature is served: %v", d.Versions)
	}
	if tgz := do(t, "GET", s.URL+"forged-dep/-/forged-dep-1.0.0.tgz", "", nil); tgz.Status != http.StatusNotFound {
		t.Fatalf("forged-dep's tarball: %d %s, want 404", tgz.Status, tgz.Body)
	}
	if !logShows(s, "registry signature does not verify") || !logShows(s, "the registry signature does not match") {
		t.Fatalf("the refusal is not in the log:\n%s", s.Log())
	}
	r := anon(t, s).Run(project(t), "install", "forged-dep")
	mustFail(t, r, "forged-dep")

	// npm audit signatures over local + proxied.
	dir := project(t)
	npm := anon(t, s)
	npm.MustRun(dir, "install", "local-app")
	cdn := tufcdn.Start(t)
	cdn.SeedCache(t, filepath.Join(npm.Home, ".npm"))
	npm.Env = []string{"HTTPS_PROXY=" + cdn.ProxyURL, "NO_PROXY=127.0.0.1,localhost", "NODE_EXTRA_CA_CERTS=" + cdn.CAFile}
	r = npm.Run(dir, "audit", "signatures")
	if r.Err != nil {
		t.Fatalf("npm audit signatures: %v\n%s", r.Err, r.Output())
	}
	mustContain(t, r.Output(), "audited 2 packages", "2 packages have verified registry signatures")
	if strings.Contains(r.Output(), "missing") || strings.Contains(r.Output(), "invalid") {
		t.Fatalf("npm audit signatures:\n%s", r.Output())
	}
}

// firstSig is name@version's first dist.signatures entry's sig on s.
func firstSig(t *testing.T, s *testserver.Server, name, version string) string {
	t.Helper()
	v, _ := packument(t, s, name, "").JSON(t)["versions"].(map[string]any)[version].(map[string]any)
	if v == nil {
		t.Fatalf("%s@%s is not served by %s", name, version, s.URL)
	}
	sigs, _ := v["dist"].(map[string]any)["signatures"].([]any)
	if len(sigs) == 0 {
		t.Fatalf("%s@%s on %s has no dist.signatures", name, version, s.URL)
	}
	return sigs[0].(map[string]any)["sig"].(string)
}
