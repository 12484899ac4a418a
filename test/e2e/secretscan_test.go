package e2e

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/npmfixture"
	"github.com/rampart/rampart/internal/testpeers/scanner"
	"github.com/rampart/rampart/internal/testserver"
	"github.com/rampart/rampart/internal/token"
)

// scanningServer starts a registry that takes reports from the scanner
// peer, configured as scanner "peer"; it returns the report endpoint.
func scanningServer(t *testing.T, sc *scanner.Server, extra string) (*testserver.Server, string) {
	t.Helper()
	s := server(t, extra+`
[[secret_scanning.scanners]]
name = "peer"
keys_url = "`+sc.KeysURL+`"
`)
	return s, s.URL + "-/secret-scanning/peer"
}

// TestSecretScanningReportRevokes: a signed report of a token made by
// `npm token create` revokes it (the next npm request with it gets npm's
// 401), mails its owner where it was found, and answers in the partner
// format; a second report of the same token, an unknown token and a
// mistyped one are false positives and change nothing.
func TestSecretScanningReportRevokes(t *testing.T) {
	t.Parallel()
	sc := scanner.Start(t)
	s, endpoint := scanningServer(t, sc, "")
	alice := signup(t, s, "alice", alicePW)
	r := alice.MustRun("", "token", "create", "--password", alicePW, "--name", "laptop")
	leaked := tokenRE.FindString(r.Output())
	if leaked == "" {
		t.Fatalf("no token in:\n%s", r.Output())
	}
	ci := testserver.NewNPM(t, s.URL)
	ci.SetToken(leaked)
	mustContain(t, ci.MustRun("", "whoami").Stdout, "alice")

	const where = "https://github.com/alice/app/blob/0123abc/.npmrc"
	unknown, err := token.Generate()
	if err != nil {
		t.Fatal(err)
	}
	mistyped := leaked[:len(leaked)-1] + map[bool]string{true: "A", false: "B"}[leaked[len(leaked)-1] != 'A']
	labels := sc.Report(endpoint,
		scanner.Match{Token: leaked, Type: "rampart_api_token", URL: where, Source: "commit"},
		scanner.Match{Token: unknown, Type: "rampart_api_token", URL: where, Source: "commit"},
		scanner.Match{Token: mistyped, Type: "rampart_api_token", URL: where, Source: "commit"},
	).Labels(t)
	want := []scanner.Label{
		{TokenHash: sha256hex([]byte(leaked)), TokenType: "rampart_api_token", Label: "true_positive", URL: where},
		{TokenHash: sha256hex([]byte(unknown)), TokenType: "rampart_api_token", Label: "false_positive", URL: where},
		{TokenHash: sha256hex([]byte(mistyped)), TokenType: "rampart_api_token", Label: "false_positive", URL: where},
	}
	if len(labels) != len(want) {
		t.Fatalf("labels = %+v, want %+v", labels, want)
	}
	for i := range want {
		if labels[i] != want[i] {
			t.Errorf("label %d = %+v, want %+v", i, labels[i], want[i])
		}
	}

	// The next request with the token fails, as npm shows it.
	mustFail(t, ci.Run("", "whoami"), "401")
	// The owner hears where it was found, by mask and name, never the token.
	m := waitForMail(t, s, "alice@example.com", "found exposed and has been revoked")
	mustContain(t, m.Text, "Hello alice,", where, "(commit)", "secret scanner peer", token.Mask(leaked), `"laptop"`, "npm token create", s.URL+"account")
	mustNotContain(t, m.Text, leaked)
	// alice's own session still works: only the leaked token was revoked.
	mustContain(t, alice.MustRun("", "whoami").Stdout, "alice")

	// Reported again (a new report: another URL), it is already revoked.
	again := sc.Report(endpoint, scanner.Match{Token: leaked, Type: "rampart_api_token", URL: where + "#2", Source: "commit"}).Labels(t)
	if len(again) != 1 || again[0].Label != "false_positive" {
		t.Fatalf("a revoked token reported again: %+v, want false_positive", again)
	}
	if log := s.Log(); strings.Contains(log, leaked) || strings.Contains(log, unknown) {
		t.Fatal("the server log holds a reported token")
	}
}

// TestSecretScanningRefusals: a tampered body, a signature by a key the
// scanner does not publish, an unknown key id, a missing signature, a
// replayed report and an oversized one are refused with a message saying
// why, and revoke nothing. A rotated key is fetched when first named; a
// flood of unknown key ids does not make the registry hammer the key URL.
func TestSecretScanningRefusals(t *testing.T) {
	t.Parallel()
	sc := scanner.Start(t)
	s, endpoint := scanningServer(t, sc, "")
	alice := signup(t, s, "alice", alicePW)
	leaked := alice.Token()
	match := scanner.Match{Token: leaked, Type: "rampart_api_token", URL: "https://example.com/leak", Source: "content"}
	body := scanner.Body(t, match)
	id, sig := sc.Sign(body)

	tampered := []byte(strings.Replace(string(body), "example.com", "example.org", 1))
	if r := scanner.Post(t, endpoint, tampered, id, sig); r.Status != http.StatusUnauthorized || !strings.Contains(r.Error(), "does not verify") {
		t.Fatalf("tampered body: %d %s", r.Status, r.Body)
	}
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if r := scanner.Post(t, endpoint, body, id, scanner.SignWith(t, other, body)); r.Status != http.StatusUnauthorized || !strings.Contains(r.Error(), "does not verify") {
		t.Fatalf("signed by another key: %d %s", r.Status, r.Body)
	}
	if r := scanner.Post(t, endpoint, body, "made-up-key", sig); r.Status != http.StatusUnauthorized || !strings.Contains(r.Error(), "not among the public keys") {
		t.Fatalf("unknown key id: %d %s", r.Status, r.Body)
	}
	if r := scanner.Post(t, endpoint, body, "", ""); r.Status != http.StatusUnauthorized || !strings.Contains(r.Error(), "must be signed") {
		t.Fatalf("unsigned: %d %s", r.Status, r.Body)
	}
	if r := scanner.Post(t, s.URL+"-/secret-scanning/nobody", body, id, sig); r.Status != http.StatusNotFound || !strings.Contains(r.Error(), "no secret scanner named") {
		t.Fatalf("unknown scanner: %d %s", r.Status, r.Body)
	}
	big := make([]byte, 1<<20+1)
	if r := scanner.Post(t, endpoint, big, id, scanner.SignWith(t, other, big)); r.Status != http.StatusRequestEntityTooLarge {
		t.Fatalf("oversized: %d %s", r.Status, r.Body)
	}
	// None of these touched the token.
	mustContain(t, alice.MustRun("", "whoami").Stdout, "alice")
	// The key list was fetched once: the made-up key id came within the
	// refetch interval of the first fetch.
	if n := sc.KeyFetches(); n != 1 {
		t.Fatalf("key list fetched %d times, want 1", n)
	}

	// The genuine report revokes; the same signed body again is a replay.
	if ls := scanner.Post(t, endpoint, body, id, sig).Labels(t); len(ls) != 1 || ls[0].Label != "true_positive" {
		t.Fatalf("genuine report: %+v", ls)
	}
	if r := scanner.Post(t, endpoint, body, id, sig); r.Status != http.StatusConflict || !strings.Contains(r.Error(), "received before") {
		t.Fatalf("replay: %d %s", r.Status, r.Body)
	}
	mustFail(t, alice.Run("", "whoami"), "401")

	// The scanner rotates its key: the registry refetches once the
	// interval has passed, and a report signed with the new key verifies.
	bob := signup(t, s, "bob", bobPW)
	sc.Rotate()
	if r := sc.Report(endpoint, scanner.Match{Token: bob.Token(), Type: "rampart_api_token", URL: "https://example.com/b", Source: "content"}); r.Status != http.StatusUnauthorized {
		t.Fatalf("new key within the refetch interval: %d %s", r.Status, r.Body)
	}
	s.Advance(t, 2*time.Minute)
	if ls := sc.Report(endpoint, scanner.Match{Token: bob.Token(), Type: "rampart_api_token", URL: "https://example.com/b", Source: "content"}).Labels(t); len(ls) != 1 || ls[0].Label != "true_positive" {
		t.Fatalf("report with the rotated key: %+v", ls)
	}
	if n := sc.KeyFetches(); n != 2 {
		t.Fatalf("key list fetched %d times, want 2", n)
	}
	mustFail(t, bob.Run("", "whoami"), "401")
}

// TestPublishWithOwnTokenRefused: `npm publish` of a package holding an
// .npmrc with the publisher's own token is refused with a message naming
// the file (never the token); the token is revoked and its owner mailed.
// A package holding a GitHub-token-shaped string is refused with advice to
// rotate it; with upload_foreign_tokens = "warn" it is published with
// npm's notice.
func TestPublishWithOwnTokenRefused(t *testing.T) {
	t.Parallel()
	s := server(t, "")
	alice := signup(t, s, "alice", alicePW)
	r := alice.MustRun("", "token", "create", "--password", alicePW, "--name", "ci")
	ci := tokenRE.FindString(r.Output())
	if ci == "" {
		t.Fatalf("no token in:\n%s", r.Output())
	}
	publisher := testserver.NewNPM(t, s.URL)
	publisher.SetToken(ci)
	// npm pack leaves .npmrc files out; a tarball built by another tool
	// (or an old npm) and published as it is can hold one.
	npmrc := "//" + s.Addr + "/:_authToken=" + ci + "\n"
	tgz := filepath.Join(t.TempDir(), "leaky-1.0.0.tgz")
	write(t, tgz, npmfixture.Package(map[string]any{"name": "leaky", "version": "1.0.0", "license": "MIT"},
		map[string]string{"index.js": "module.exports = 1\n", ".npmrc": npmrc}))
	res := publisher.Run("", "publish", tgz)
	mustFail(t, res, "400", "package/.npmrc", "live API token of this registry", "has been revoked", "npm token create")
	mustNotContain(t, res.Output(), ci[len(token.Prefix):])
	m := waitForMail(t, s, "alice@example.com", "found exposed and has been revoked")
	mustContain(t, m.Text, "package/.npmrc", "leaky@1.0.0", token.Mask(ci), `"ci"`)
	mustFail(t, publisher.Run("", "whoami"), "401")
	if status := packument(t, s, "leaky", "").Status; status != http.StatusNotFound {
		t.Fatalf("the refused package is served: %d", status)
	}

	ghp := "ghp_" + strings.Repeat("aB3dE5gH7j", 3) + "K9mN0p"
	cfg := pkg{Name: "gh-leak", Version: "1.0.0", Files: map[string][]byte{"config.js": []byte("module.exports = { token: '" + ghp + "' }\n")}}
	res = alice.Run(writePkg(t, cfg), "publish")
	mustFail(t, res, "package/config.js", "GitHub personal access token", "https://github.com/settings/tokens", "revoke and replace")
	mustNotContain(t, res.Output(), ghp[4:])
	if status := packument(t, s, "gh-leak", "").Status; status != http.StatusNotFound {
		t.Fatalf("the refused package is served: %d", status)
	}
	mustContain(t, alice.MustRun("", "whoami").Stdout, "alice")
}

// TestPublishForeignTokenWarns: with upload_foreign_tokens = "warn", a
// package holding another registry's token is published, and npm prints
// the warning.
func TestPublishForeignTokenWarns(t *testing.T) {
	t.Parallel()
	s := server(t, "[secret_scanning]\nupload_foreign_tokens = \"warn\"\n")
	alice := signup(t, s, "alice", alicePW)
	npmTok := "npm_" + strings.Repeat("Zy9xW8vU7t", 3) + "S6rQ5p"
	r := alice.MustRun(writePkg(t, pkg{Name: "warned", Version: "1.0.0", Files: map[string][]byte{"lib/x.js": []byte("const t = \"" + npmTok + "\"\n")}}), "publish", "--loglevel=notice")
	mustContain(t, r.Output(), "+ warned@1.0.0", "npm notice the package may leak credentials", "package/lib/x.js", "an npm access token")
}
