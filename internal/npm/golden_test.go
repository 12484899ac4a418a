package npm_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/config"
	"github.com/rampart/rampart/internal/identity"
	"github.com/rampart/rampart/internal/npmfixture"
	"github.com/rampart/rampart/internal/server"
	"github.com/rampart/rampart/internal/signing/signingtest"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/eventcheck"
	"github.com/rampart/rampart/internal/testclock"
)

var update = flag.Bool("update", false, "rewrite internal/npm/testdata/*.golden from what the server answers")

// goldenRegistry is a registry whose every answer is the same from run to
// run: a fixed clock, fixed tarball bytes, fixed names. Tokens are random,
// so no golden request or answer shows one.
type goldenRegistry struct {
	h          http.Handler
	clock      *testclock.Clock
	alice, bob string // session tokens
	revoked    string // carol's token, logged out
}

// newGoldenRegistry starts it. Its maintainers have no second factor, so
// the registry lets them publish (insecure_maintainers_without_mfa)
// unless mfaPolicy keeps the default, under which they are refused.
func newGoldenRegistry(t *testing.T, mfaPolicy ...bool) *goldenRegistry {
	t.Helper()
	ctx := context.Background()
	cfg := config.Default()
	cfg.Data = t.TempDir()
	cfg.PublicURL = "https://registry.example/"
	cfg.InsecureFastPasswordHashing = true
	cfg.EmailDomains.Check = false
	cfg.Passwords.HIBPDisabled = true
	cfg.MFA.InsecureMaintainersWithoutMFA = len(mfaPolicy) == 0 || !mfaPolicy[0]
	// A fixed key signs the same bytes every run (dist.signatures).
	cfg.Signing.KeyFile = signingtest.KeyFile(t)
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	clock := testclock.New(time.Date(2026, 3, 14, 15, 9, 26, 535_000_000, time.UTC))
	log := slog.New(slog.DiscardHandler)
	svc, err := server.Open(ctx, cfg, server.Options{Log: log, Now: clock.Now, WrapStore: func(s store.Store) store.Store { return eventcheck.Wrap(t, s) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := svc.Close(context.Background()); err != nil {
			t.Error(err)
		}
	})
	g := &goldenRegistry{h: server.Handler(svc, cfg, log), clock: clock}
	addr := netip.MustParseAddr("127.0.0.1")
	for _, u := range []struct {
		name string
		tok  *string
	}{{"alice", &g.alice}, {"bob", &g.bob}, {"carol", &g.revoked}} {
		user, err := svc.Identity.CreateUser(ctx, "", identity.NewUser{Name: u.name, Email: u.name + "@example.com", Password: "Golden-file-passphrase-77", Verified: true})
		if err != nil {
			t.Fatal(err)
		}
		tok, err := svc.Authn.IssueSessionToken(ctx, user, addr)
		if err != nil {
			t.Fatal(err)
		}
		*u.tok = tok.Value
	}
	return g
}

// publishBody is what `npm publish` sends for name@version: a fixed
// package.json and README in a tarball whose bytes depend on nothing else.
func publishBody(name, version string) []byte {
	pj := map[string]any{
		"name": name, "version": version, "description": "pads the left of a string", "main": "index.js",
		"license": "MIT", "keywords": []string{"pad", "string"}, "dependencies": map[string]string{"is-even": "^1.0.0"},
		"repository": map[string]string{"type": "git", "url": "git+https://example.com/left-pad.git"},
	}
	tgz := npmfixture.Package(pj, map[string]string{
		"README.md": "# " + name + "\n\nPads strings.\n",
		"index.js":  "module.exports = (s, n) => String(s).padStart(n)\n",
	})
	return npmfixture.Publish{Manifest: pj, Tarball: tgz}.Body()
}

// do runs one request through the server's handler, as the npm CLI would
// send it.
func (g *goldenRegistry) do(t *testing.T, req goldenRequest) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(req.method, req.path, bytes.NewReader(req.body))
	r.RemoteAddr = "127.0.0.1:40000"
	r.Header.Set("User-Agent", "npm/11.19.1 node/v20.20.2 linux x64 workspaces/false")
	if req.accept != "" {
		r.Header.Set("Accept", req.accept)
	}
	if req.body != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	if req.contentLength != 0 {
		r.ContentLength = req.contentLength
	}
	if req.token != "" {
		r.Header.Set("Authorization", "Bearer "+req.token)
	}
	w := httptest.NewRecorder()
	g.h.ServeHTTP(w, r)
	return w
}

type goldenRequest struct {
	method, path  string
	accept        string
	token         string // a Bearer token; never written to a golden file
	who           string // whose token, for the golden file
	body          []byte
	bodyNote      string // what the body is, for the golden file
	contentLength int64
	registry      *goldenRegistry // the one asked, if not TestGolden's default
}

// TestGolden checks what npm clients read, byte for byte, against
// testdata/*.golden: the packuments (full, abbreviated, for writing), and
// the JSON errors of the refusals users meet most. Run with -update to
// rewrite them after a deliberate change, and review the diff: every
// changed byte is one a client sees.
func TestGolden(t *testing.T) {
	g := newGoldenRegistry(t)
	const corgi = "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*"
	publish := func(name, version string) {
		t.Helper()
		w := g.do(t, goldenRequest{method: "PUT", path: "/" + strings.Replace(name, "/", "%2f", 1), token: g.alice, body: publishBody(name, version)})
		if w.Code != http.StatusCreated {
			t.Fatalf("publishing %s@%s: %d %s", name, version, w.Code, w.Body)
		}
		g.clock.Advance(90 * time.Minute)
	}
	if w := g.do(t, goldenRequest{method: "DELETE", path: "/-/user/token/" + g.revoked, token: g.revoked}); w.Code != http.StatusOK {
		t.Fatalf("npm logout: %d %s", w.Code, w.Body)
	}
	publish("left-pad", "1.0.0")
	publish("left-pad", "1.1.0")
	publish("@alice/widget", "2.0.0")

	// The default two-factor policy, where alice, who has no second
	// factor, cannot publish.
	strict := newGoldenRegistry(t, true)

	cases := []struct {
		golden string
		req    goldenRequest
		status int
	}{
		{"packument-full", goldenRequest{method: "GET", path: "/left-pad", accept: "application/json"}, 200},
		{"packument-abbreviated", goldenRequest{method: "GET", path: "/left-pad", accept: corgi}, 200},
		{"packument-write", goldenRequest{method: "GET", path: "/left-pad?write=true", accept: corgi, token: g.alice, who: "alice"}, 200},
		{"packument-scoped-full", goldenRequest{method: "GET", path: "/@alice%2fwidget", accept: "application/json"}, 200},
		{"packument-scoped-abbreviated", goldenRequest{method: "GET", path: "/@alice%2fwidget", accept: corgi}, 200},
		{"dist-tags", goldenRequest{method: "GET", path: "/-/package/left-pad/dist-tags"}, 200},

		{"error-package-not-found", goldenRequest{method: "GET", path: "/no-such-package", accept: corgi}, 404},
		{"error-tarball-not-found", goldenRequest{method: "GET", path: "/left-pad/-/left-pad-9.9.9.tgz"}, 404},
		{"error-publish-over-version", goldenRequest{method: "PUT", path: "/left-pad", token: g.alice, who: "alice",
			body: publishBody("left-pad", "1.0.0"), bodyNote: "npm publish of left-pad@1.0.0 again"}, 409},
		{"error-publish-anonymous", goldenRequest{method: "PUT", path: "/right-pad",
			body: publishBody("right-pad", "1.0.0"), bodyNote: "npm publish of right-pad@1.0.0"}, 401},
		{"error-publish-not-maintainer", goldenRequest{method: "PUT", path: "/left-pad", token: g.bob, who: "bob",
			body: publishBody("left-pad", "2.0.0"), bodyNote: "npm publish of left-pad@2.0.0"}, 403},
		{"error-publish-other-scope", goldenRequest{method: "PUT", path: "/@alice%2fgadget", token: g.bob, who: "bob",
			body: publishBody("@alice/gadget", "1.0.0"), bodyNote: "npm publish of @alice/gadget@1.0.0"}, 403},
		{"error-publish-without-2fa", goldenRequest{method: "PUT", path: "/left-pad", token: strict.alice, who: "alice, without a second factor",
			body: publishBody("left-pad", "1.0.0"), bodyNote: "npm publish of left-pad@1.0.0", registry: strict}, 403},
		{"error-publish-too-large", goldenRequest{method: "PUT", path: "/big-pad", token: g.alice, who: "alice",
			body: []byte("{}"), bodyNote: "{} with Content-Length: 1073741824", contentLength: 1 << 30}, 413},
		{"error-malformed-json", goldenRequest{method: "PUT", path: "/bad-json", token: g.alice, who: "alice",
			body: []byte(`{"name":"bad-json","versions":{`), bodyNote: `{"name":"bad-json","versions":{`}, 400},
		{"error-logged-out-token", goldenRequest{method: "GET", path: "/left-pad", token: g.revoked, who: "carol, logged out"}, 401},
		{"error-truncated-token", goldenRequest{method: "GET", path: "/left-pad", token: "rmp_0000000000000000000000000000000000000000", who: "rmp_ and 40 zeros"}, 401},
		{"error-whoami-anonymous", goldenRequest{method: "GET", path: "/-/whoami"}, 401},
		{"error-dist-tag-no-version", goldenRequest{method: "PUT", path: "/-/package/left-pad/dist-tags/beta", token: g.alice, who: "alice",
			body: []byte(`"9.9.9"`), bodyNote: `"9.9.9"`}, 404},
		{"keys", goldenRequest{method: "GET", path: "/-/npm/v1/keys"}, 200},
		{"attestations", goldenRequest{method: "GET", path: "/-/rampart/v1/attestations/@alice%2fwidget@2.0.0"}, 200},
		{"error-attestations-no-version", goldenRequest{method: "GET", path: "/-/rampart/v1/attestations/left-pad@9.9.9"}, 404},
		{"error-wrong-method", goldenRequest{method: "PATCH", path: "/left-pad"}, 405},
		{"error-no-such-endpoint", goldenRequest{method: "GET", path: "/-/no-such-endpoint"}, 404},
	}
	for _, c := range cases {
		t.Run(c.golden, func(t *testing.T) {
			reg := g
			if c.req.registry != nil {
				reg = c.req.registry
			}
			w := reg.do(t, c.req)
			if w.Code != c.status {
				t.Errorf("status %d, want %d: %s", w.Code, c.status, w.Body)
			}
			got := transcript(c.req, w)
			if c.req.token != "" && len(c.req.token) > 8 {
				// The one random thing an answer shows: a refused token is
				// named by its first characters, and tokens are random.
				got = bytes.ReplaceAll(got, []byte(c.req.token[:8]), []byte("<the token's first 8 characters>"))
			}
			checkGolden(t, c.golden, got)
		})
	}
}

// transcript writes a request and its answer as a client sees them: the
// status, every header, and the body's exact bytes.
func transcript(req goldenRequest, w *httptest.ResponseRecorder) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s\n", req.method, req.path)
	if req.accept != "" {
		fmt.Fprintf(&b, "Accept: %s\n", req.accept)
	}
	if req.token != "" {
		fmt.Fprintf(&b, "Authorization: Bearer <token of %s>\n", req.who)
	}
	if req.body != nil {
		note := req.bodyNote
		if note == "" {
			note = fmt.Sprintf("%d bytes", len(req.body))
		}
		fmt.Fprintf(&b, "\n(body: %s)\n", note)
	}
	fmt.Fprintf(&b, "\n--- %d %s\n", w.Code, http.StatusText(w.Code))
	names := make([]string, 0, len(w.Header()))
	for k := range w.Header() {
		if k == "X-Request-Id" { // random per request (internal/ops/observe.go)
			continue
		}
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		for _, v := range w.Header()[k] {
			fmt.Fprintf(&b, "%s: %s\n", k, v)
		}
	}
	b.WriteString("\n")
	b.Write(w.Body.Bytes())
	return b.Bytes()
}

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from what the server answers (run with -update if the change is meant):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}
