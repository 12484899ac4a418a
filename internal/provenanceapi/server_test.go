package provenanceapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/config"
	"github.com/rampart/rampart/internal/identity"
	"github.com/rampart/rampart/internal/npmfixture"
	"github.com/rampart/rampart/internal/server"
	"github.com/rampart/rampart/internal/signing/signingtest"
	"github.com/rampart/rampart/internal/testclock"
)

// registry is the whole server's handler, as the mux mounts the API, with
// two signed-in users.
type registry struct {
	h          http.Handler
	alice, bob string
}

func newRegistry(t *testing.T) *registry {
	t.Helper()
	ctx := context.Background()
	cfg := config.Default()
	cfg.Data = t.TempDir()
	cfg.PublicURL = "https://registry.example/"
	cfg.InsecureFastPasswordHashing = true
	cfg.EmailDomains.Check = false
	cfg.Passwords.HIBPDisabled = true
	cfg.MFA.InsecureMaintainersWithoutMFA = true
	cfg.Signing.KeyFile = signingtest.KeyFile(t)
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	clock := testclock.New(time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC))
	log := slog.New(slog.DiscardHandler)
	svc, err := server.Open(ctx, cfg, server.Options{Log: log, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := svc.Close(context.Background()); err != nil {
			t.Error(err)
		}
	})
	g := &registry{h: server.Handler(svc, cfg, log)}
	for _, u := range []struct {
		name string
		tok  *string
	}{{"alice", &g.alice}, {"bob", &g.bob}} {
		user, err := svc.Identity.CreateUser(ctx, "", identity.NewUser{Name: u.name, Email: u.name + "@example.com", Password: "Provenance-api-passphrase-77", Verified: true})
		if err != nil {
			t.Fatal(err)
		}
		tok, err := svc.Authn.IssueSessionToken(ctx, user, netip.MustParseAddr("127.0.0.1"))
		if err != nil {
			t.Fatal(err)
		}
		*u.tok = tok.Value
	}
	return g
}

func (g *registry) do(t *testing.T, method, path, token string, body []byte) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, path, bytes.NewReader(body))
	r.RemoteAddr = "127.0.0.1:40000"
	r.Header.Set("User-Agent", "npm/11.19.1 node/v20.20.2 linux x64 workspaces/false")
	if body != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	w := httptest.NewRecorder()
	g.h.ServeHTTP(w, r)
	return w
}

// publish is what `npm publish` of name@version sends.
func publish(t *testing.T, g *registry, token, name, version string) {
	t.Helper()
	pj := map[string]any{"name": name, "version": version, "description": "pads", "main": "index.js", "license": "MIT"}
	tgz := npmfixture.Package(pj, map[string]string{"index.js": "module.exports = 1\n"})
	path := "/" + strings.Replace(name, "/", "%2f", 1)
	if w := g.do(t, "PUT", path, token, npmfixture.Publish{Manifest: pj, Tarball: tgz}.Body()); w.Code != http.StatusCreated {
		t.Fatalf("publish %s@%s: %d %s", name, version, w.Code, w.Body)
	}
}

// TestAttestationsFollowReadAccess: a version's publish attestation is
// shown to whoever may see the version, and to no one else: a restricted
// package's to its maintainers only, in the words used for its tarball.
func TestAttestationsFollowReadAccess(t *testing.T) {
	g := newRegistry(t)
	publish(t, g, g.alice, "@alice/hidden", "1.0.0")
	if w := g.do(t, "POST", "/-/package/@alice%2fhidden/access", g.alice, []byte(`{"access":"restricted"}`)); w.Code != http.StatusOK {
		t.Fatalf("npm access set status=private: %d %s", w.Code, w.Body)
	}
	const path = "/-/rampart/v1/attestations/@alice%2fhidden@1.0.0"
	for _, c := range []struct {
		who, token string
		status     int
	}{{"anonymous", "", http.StatusNotFound}, {"bob", g.bob, http.StatusNotFound}, {"alice", g.alice, http.StatusOK}} {
		w := g.do(t, "GET", path, c.token, nil)
		if w.Code != c.status {
			t.Errorf("%s: %d %s, want %d", c.who, w.Code, w.Body, c.status)
		}
		if c.status == http.StatusOK {
			var body struct {
				Attestations []struct {
					PredicateType string          `json:"predicateType"`
					Bundle        json.RawMessage `json:"bundle"`
				} `json:"attestations"`
			}
			if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || len(body.Attestations) != 1 || !strings.Contains(string(body.Attestations[0].Bundle), "dsseEnvelope") {
				t.Errorf("alice's answer: %v %s", err, w.Body)
			}
		}
	}
	for _, bad := range []string{"/-/rampart/v1/attestations/left-pad", "/-/rampart/v1/attestations/@alice%2fhidden@", "/-/rampart/v1/attestations/@1.0.0"} {
		if w := g.do(t, "GET", bad, "", nil); w.Code != http.StatusNotFound || !strings.Contains(w.Body.String(), "error") {
			t.Errorf("GET %s: %d %s, want 404 with an error", bad, w.Code, w.Body)
		}
	}
	// A dead token is refused even on a read, so that its user learns it.
	if w := g.do(t, "GET", path, "rmp_0000000000000000000000000000000000000000", nil); w.Code != http.StatusUnauthorized {
		t.Errorf("a dead token: %d %s, want 401", w.Code, w.Body)
	}
}

// TestProvenancePolicy: the owner reads and changes the policy; another
// account may not change it, and an anonymous PUT is refused before its
// body is read.
func TestProvenancePolicy(t *testing.T) {
	g := newRegistry(t)
	publish(t, g, g.alice, "@alice/widget", "1.0.0")
	const path = "/-/rampart/v1/package/@alice%2fwidget/provenance-policy"
	w := g.do(t, "GET", path, g.alice, nil)
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"continuity":"enforce"`) {
		t.Fatalf("GET: %d %s", w.Code, w.Body)
	}
	if w := g.do(t, "PUT", path, g.bob, []byte(`{"continuity":"off"}`)); w.Code != http.StatusForbidden {
		t.Errorf("bob's PUT: %d %s, want 403", w.Code, w.Body)
	}
	if w := g.do(t, "PUT", path, "", []byte(`{"continuity":"off"}`)); w.Code != http.StatusUnauthorized {
		t.Errorf("anonymous PUT: %d %s, want 401", w.Code, w.Body)
	}
	if w := g.do(t, "PUT", path, g.alice, []byte(`{"continuity":`)); w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "malformed JSON") {
		t.Errorf("malformed PUT: %d %s, want 400", w.Code, w.Body)
	}
	w = g.do(t, "PUT", path, g.alice, []byte(`{"continuity":"off"}`))
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"continuity":"off"`) || !strings.Contains(w.Body.String(), `"updatedBy":"alice"`) {
		t.Errorf("alice's PUT: %d %s", w.Code, w.Body)
	}
	if w := g.do(t, "GET", path, g.alice, nil); !strings.Contains(w.Body.String(), `"continuity":"off"`) {
		t.Errorf("GET after PUT: %d %s", w.Code, w.Body)
	}
}
