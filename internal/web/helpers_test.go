package web_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/config"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/ecosystem/npm"
	"github.com/rampart/rampart/internal/identity"
	"github.com/rampart/rampart/internal/server"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/eventcheck"
)

const testPassword = "velvet horse battery quokka" // strong, and not a famous example password (pwcheck refuses those)

// env is a registry with real services over a temporary data folder,
// served by the same handler as `rampart serve`.
type env struct {
	t   *testing.T
	cfg config.Config
	svc *server.Services
	h   http.Handler
	raw store.Store // the store without the event check, for fixtures that bypass the services
}

// newEnv builds the services; publicURL "" means http://localhost:4873/.
func newEnv(t *testing.T, publicURL string, edit ...func(*config.Config)) *env {
	t.Helper()
	if publicURL == "" {
		publicURL = "http://localhost:4873/"
	}
	cfg := config.Default()
	cfg.Data = t.TempDir()
	cfg.Listen = "127.0.0.1:0"
	cfg.PublicURL = publicURL
	cfg.InsecureFastPasswordHashing = true
	cfg.Passwords.HIBPDisabled = true
	cfg.EmailDomains.Check = false // no real DNS in tests; see emaildomain_test.go
	for _, f := range edit {
		f(&cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	var raw store.Store
	svc, err := server.Open(t.Context(), cfg, server.Options{Log: log, WrapStore: func(s store.Store) store.Store {
		raw = s
		return eventcheck.Wrap(t, s)
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := svc.Close(context.Background()); err != nil {
			t.Errorf("closing services: %v", err)
		}
	})
	return &env{t: t, cfg: cfg, svc: svc, h: deliverNotices(t, server.Handler(svc, cfg, log), svc), raw: raw}
}

// deliverNotices mails the account notices in the event outbox after each
// request, as a running server does in its background (server.startJobs)
// when the request's change wakes it, so that a test finds the mail in
// the outbox folder as soon as the request returns.
func deliverNotices(t *testing.T, h http.Handler, svc *server.Services) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r)
		if err := svc.AccountNotices.Deliver(context.Background()); err != nil {
			t.Errorf("delivering the account notices: %v", err)
		}
	})
}

// user creates an account with testPassword.
func (e *env) user(name string) *core.User {
	e.t.Helper()
	u, err := e.svc.Identity.CreateUser(e.t.Context(), "", identity.NewUser{Name: name, Email: name + "@example.com", Password: testPassword, Verified: true})
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

// pkgSpec describes a version to publish.
type pkgSpec struct {
	name, version, description, readme string
	access                             string // "" or "restricted"
	extra                              map[string]any
}

// publish publishes a version as u through the registry's publish
// pipeline, with the body npm sends.
func (e *env) publish(u *core.User, s pkgSpec) {
	e.t.Helper()
	pj := map[string]any{"name": s.name, "version": s.version, "description": s.description, "main": "index.js"}
	for k, v := range s.extra {
		pj[k] = v
	}
	pjBytes, err := json.Marshal(pj)
	if err != nil {
		e.t.Fatal(err)
	}
	tgz := makeTgz(e.t, map[string]string{
		"package/package.json": string(pjBytes),
		"package/index.js":     "module.exports = 1\n",
		"package/README.md":    s.readme,
	})
	body := publishBody(e.t, pj, s.readme, s.access, tgz)
	if _, err := e.svc.Registry.Publish(e.t.Context(), authz.Principal{User: u}, s.name, body); err != nil {
		e.t.Fatalf("publishing %s@%s: %v", s.name, s.version, err)
	}
}

// makeTgz writes files as npm pack would: a gzip'd tar under package/.
func makeTgz(t testing.TB, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, name := range []string{"package/package.json", "package/index.js", "package/README.md"} {
		body := files[name]
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Typeflag: tar.TypeReg, Size: int64(len(body))}); err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(tw, body); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// publishBody builds the document npm 11 sends to publish pj with tgz.
func publishBody(t testing.TB, pj map[string]any, readme, access string, tgz []byte) []byte {
	t.Helper()
	name, version := pj["name"].(string), pj["version"].(string)
	manifest := map[string]any{
		"readme":         readme,
		"readmeFilename": "README.md",
		"_id":            name + "@" + version,
		"_nodeVersion":   "20.20.2",
		"_npmVersion":    "11.19.1",
		"dist": map[string]any{
			"integrity": npm.Integrity(tgz),
			"shasum":    npm.Shasum(tgz),
			"tarball":   "http://localhost/" + name + "/-/" + npm.TarballFilename(name, version),
		},
	}
	for k, v := range pj {
		manifest[k] = v
	}
	var acc any
	if access != "" {
		acc = access
	}
	doc := map[string]any{
		"_id":         name,
		"name":        name,
		"description": pj["description"],
		"dist-tags":   map[string]any{"latest": version},
		"versions":    map[string]any{version: manifest},
		"access":      acc,
		"_attachments": map[string]any{
			name + "-" + version + ".tgz": map[string]any{
				"content_type": "application/octet-stream",
				"data":         base64.StdEncoding.EncodeToString(tgz),
				"length":       len(tgz),
			},
		},
	}
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// browserGet sends a GET as a browser does (Accept: text/html) with the
// given cookies.
func (e *env) browserGet(target string, cookies ...*http.Cookie) *httptest.ResponseRecorder {
	e.t.Helper()
	r := httptest.NewRequest(http.MethodGet, target, nil)
	r.Header.Set("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
	for _, c := range cookies {
		r.AddCookie(c)
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	return w
}

// postForm sends a same-origin form POST, as a browser does.
func (e *env) postForm(target string, form url.Values, cookies ...*http.Cookie) *httptest.ResponseRecorder {
	e.t.Helper()
	return e.postFormFrom("same-origin", "", target, form, cookies...)
}

// postFormFrom sends a form POST with the given Sec-Fetch-Site and
// Origin ("" leaves a header out).
func (e *env) postFormFrom(fetchSite, origin, target string, form url.Values, cookies ...*http.Cookie) *httptest.ResponseRecorder {
	e.t.Helper()
	r := httptest.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Accept", "text/html")
	if fetchSite != "" {
		r.Header.Set("Sec-Fetch-Site", fetchSite)
	}
	if origin != "" {
		r.Header.Set("Origin", origin)
	}
	for _, c := range cookies {
		r.AddCookie(c)
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	return w
}

// signIn signs name in through the form and returns the session cookie.
func (e *env) signIn(name string) *http.Cookie {
	e.t.Helper()
	w := e.postForm("/login", url.Values{"name": {name}, "password": {testPassword}})
	if w.Code != http.StatusSeeOther {
		e.t.Fatalf("sign-in: status %d, body:\n%s", w.Code, w.Body)
	}
	c := sessionCookie(w)
	if c == nil || c.Value == "" {
		e.t.Fatal("sign-in set no session cookie")
	}
	return c
}

// sessionCookie returns the rampart_session cookie w sets (named
// __Host-rampart_session on https), or nil.
func sessionCookie(w *httptest.ResponseRecorder) *http.Cookie {
	for _, c := range w.Result().Cookies() {
		if c.Name == "rampart_session" || c.Name == "__Host-rampart_session" {
			return c
		}
	}
	return nil
}

func wantStatus(t *testing.T, w *httptest.ResponseRecorder, status int) {
	t.Helper()
	if w.Code != status {
		t.Fatalf("status %d, want %d; body:\n%s", w.Code, status, w.Body)
	}
}

func wantContains(t *testing.T, body string, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(body, s) {
			t.Errorf("page does not contain %q; page:\n%s", s, body)
		}
	}
}

func wantNotContains(t *testing.T, body string, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if strings.Contains(body, s) {
			t.Errorf("page contains %q; page:\n%s", s, body)
		}
	}
}
