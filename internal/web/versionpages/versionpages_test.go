package versionpages

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/advisory"
	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/httperr"
	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/npmfixture"
	"github.com/rampart/rampart/internal/registry"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/sqlite"
	"github.com/rampart/rampart/internal/versionview"
	"github.com/rampart/rampart/internal/web/webkit"
)

// shell serves every page for the anonymous principal.
type shell struct{ mux *http.ServeMux }

func (s *shell) Handle(pattern string, f webkit.PageFunc) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		if err := f(w, r, authz.Principal{}); err != nil {
			w.WriteHeader(s.Status(w, r, err))
			w.Write([]byte("error: " + core.Message(err)))
		}
	})
}
func (s *shell) Status(w http.ResponseWriter, r *http.Request, err error) int {
	return httperr.Status(core.KindOf(err))
}
func (s *shell) StepUpRedirect(http.ResponseWriter, *http.Request, authz.Principal, error) bool {
	return false
}

// fakeRegistry holds a few versions in memory; the file lists it keeps
// are kept in a real store, and it counts the tarballs opened.
type fakeRegistry struct {
	versions  map[string]map[string]any // name@version -> manifest
	tarballs  map[string][]byte         // name@version -> tgz
	dependent []store.Dependent
	db        store.Store
	opened    atomic.Int32
}

func (f *fakeRegistry) VersionPage(_ context.Context, _ authz.Principal, name, version string) (*versionview.VersionView, error) {
	m, ok := f.versions[name+"@"+version]
	if !ok {
		return nil, core.Errorf(core.KindNotFound, "package %s was not found or you do not have permission to read it", name)
	}
	raw, _ := json.Marshal(m)
	tgz := f.tarballs[name+"@"+version]
	return &versionview.VersionView{Package: core.Package{PackageRef: core.NPM(name), Access: "public"}, Latest: version, Tags: []string{"latest"}, Publisher: "alice",
		Version: core.Version{Version: version, Manifest: raw, Digest: "digest-" + name + "@" + version, Integrity: npmfixture.Integrity(tgz), Shasum: npmfixture.Shasum(tgz),
			Size: int64(len(tgz)), UnpackedSize: 4321, FileCount: 2, PublishedAt: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}}, nil
}

func (f *fakeRegistry) ServableManifest(_ context.Context, _ authz.Principal, name, version string) (json.RawMessage, error) {
	m, ok := f.versions[name+"@"+version]
	if !ok {
		return nil, core.Errorf(core.KindNotFound, "%s@%s was not found", name, version)
	}
	return json.Marshal(m)
}

func (f *fakeRegistry) ServableVersions(_ context.Context, _ authz.Principal, name string) ([]string, error) {
	var out []string
	for k := range f.versions {
		if n, v, _ := strings.Cut(k, "@"); n == name {
			out = append(out, v)
		}
	}
	if out == nil {
		return nil, core.Errorf(core.KindNotFound, "package %s was not found", name)
	}
	return out, nil
}

func (f *fakeRegistry) Dependents(_ context.Context, _ authz.Principal, name, after string, limit int) ([]store.Dependent, string, int, error) {
	var out []store.Dependent
	for _, d := range f.dependent {
		if d.Name > after {
			out = append(out, d)
		}
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = out[limit-1].Name
	}
	return out, next, len(f.dependent), nil
}

func (f *fakeRegistry) TarballFiles(ctx context.Context, digest string) (files []store.TarballFile, err error) {
	err = f.db.View(ctx, func(tx store.Tx) error { files, err = tx.TarballFiles(digest); return err })
	return files, err
}

func (f *fakeRegistry) KeepTarballFiles(ctx context.Context, digest string, files []store.TarballFile) error {
	return f.db.Update(ctx, func(tx store.Tx) error { return tx.PutTarballFiles(digest, files) })
}

type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }

func (f *fakeRegistry) OpenTarball(_ context.Context, _ authz.Principal, name, filename string) (*registry.Tarball, error) {
	for k, b := range f.tarballs {
		n, v, _ := strings.Cut(k, "@")
		if n == name && filename == n[strings.LastIndex(n, "/")+1:]+"-"+v+".tgz" {
			f.opened.Add(1)
			return &registry.Tarball{ReadSeekCloser: nopCloser{bytes.NewReader(b)}, Size: int64(len(b))}, nil
		}
	}
	return nil, core.Errorf(core.KindNotFound, "no tarball %s", filename)
}

func importRecords(t *testing.T, adv *advisory.Service, records ...string) {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i, r := range records {
		w, err := zw.Create(fmt.Sprintf("r%d.json", i))
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(r))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := adv.ImportZip(t.Context(), "test", "test", bytes.NewReader(buf.Bytes()), int64(buf.Len())); err != nil {
		t.Fatal(err)
	}
}

func record(id, pkg, fixed, severity string) string {
	return `{"schema_version":"1.6.0","id":"` + id + `","modified":"2026-01-02T03:04:05Z","summary":"` + id + ` in ` + pkg + `",
"affected":[{"package":{"ecosystem":"npm","name":"` + pkg + `"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"}` + func() string {
		if fixed == "" {
			return ""
		}
		return `,{"fixed":"` + fixed + `"}`
	}() + `]}]}],"database_specific":{"severity":"` + severity + `"}}`
}

func setup(t *testing.T) (*fakeRegistry, *httptest.Server) {
	t.Helper()
	db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "meta.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	now := func() time.Time { return time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC) }
	adv := advisory.New(db, advisory.Config{PublicURL: "https://r.example/"}, now, nil)
	importRecords(t, adv,
		record("GHSA-low0-0001-aaaa", "leaf", "2.0.0", "LOW"),
		record("GHSA-crit-0001-aaaa", "leaf", "2.0.0", "CRITICAL"),
		record("MAL-2026-0001", "evil", "", "CRITICAL"),
		record("GHSA-self-0001-aaaa", "app", "1.0.1", "MODERATE"),
	)
	reg := &fakeRegistry{db: db, versions: map[string]map[string]any{
		"app@1.0.0": {"name": "app", "version": "1.0.0", "description": "<script>x</script>",
			"dependencies":         map[string]any{"mid": "^1.0.0", "gone": "^1.0.0"},
			"optionalDependencies": map[string]any{"evil": "*"},
			"devDependencies":      map[string]any{"leaf": "^2.0.0"}},
		"mid@1.0.0":  {"name": "mid", "version": "1.0.0", "dependencies": map[string]any{"leaf": "^1.0.0"}},
		"mid@1.2.0":  {"name": "mid", "version": "1.2.0", "dependencies": map[string]any{"leaf": "^1.0.0"}},
		"leaf@1.0.0": {"name": "leaf", "version": "1.0.0"},
		"leaf@1.5.0": {"name": "leaf", "version": "1.5.0"},
		"leaf@2.0.0": {"name": "leaf", "version": "2.0.0"},
		"evil@1.0.0": {"name": "evil", "version": "1.0.0"},
		"@s/x@1.0.0": {"name": "@s/x", "version": "1.0.0"},
	}, tarballs: map[string][]byte{
		"app@1.0.0": npmfixture.Tarball(0, npmfixture.File("package/package.json", `{"name":"app","version":"1.0.0"}`), npmfixture.File("package/lib/index.js", strings.Repeat("x", 2500))),
	}}
	for i := range 3 {
		reg.dependent = append(reg.dependent, store.Dependent{Name: fmt.Sprintf("user%03d", i), Version: "1.0.0"})
	}
	sh := &shell{mux: http.NewServeMux()}
	New(reg, reg, adv, limits.Default(), slog.New(slog.DiscardHandler)).Mount(sh)
	srv := httptest.NewServer(sh.mux)
	t.Cleanup(srv.Close)
	return reg, srv
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func inOrder(t *testing.T, page string, parts ...string) {
	t.Helper()
	at := 0
	for _, p := range parts {
		i := strings.Index(page[at:], p)
		if i < 0 {
			t.Fatalf("page lacks %q after position %d (or out of order):\n%s", p, at, page)
		}
		at += i + len(p)
	}
}

// The page shows the version's own advisory, its tree's advisories with
// the malicious package first and then by severity, each with its path
// and fix; dependencies of each kind, resolved; files read from the
// tarball once and then kept; values escaped.
func TestVersionPage(t *testing.T) {
	reg, srv := setup(t)
	code, page := get(t, srv.URL+"/package/app/v/1.0.0")
	if code != http.StatusOK {
		t.Fatalf("status %d:\n%s", code, page)
	}
	if strings.Contains(page, "<script>x</script>") {
		t.Fatal("the description reached the page unescaped")
	}
	inOrder(t, page, `class="advisory-list own"`, "GHSA-self-0001-aaaa", `href="/package/app/v/1.0.1">1.0.1</a>`)
	// mid ^1.0.0 resolves to 1.2.0, leaf ^1.0.0 to 1.5.0; evil * to 1.0.0.
	inOrder(t, page, `class="advisory-list deps"`,
		"MAL-2026-0001", "app@1.0.0</a> › <a", "evil@1.0.0", "no fixed version known",
		"GHSA-crit-0001-aaaa", "app@1.0.0</a> › <a", "mid@1.2.0</a> › <a", "leaf@1.5.0", "fixed in <code class=\"fixed\">2.0.0",
		"GHSA-low0-0001-aaaa", "leaf@1.5.0")
	if strings.Count(page, ">GHSA-low0-0001-aaaa</a>") != 1 {
		t.Error("leaf@1.5.0 reached twice is listed twice")
	}
	inOrder(t, page, `id="dependencies"`, "gone", "not resolved here", `href="/package/mid/v/1.2.0">1.2.0</a>`)
	inOrder(t, page, `id="devDependencies"`, `href="/package/leaf/v/2.0.0">2.0.0</a>`)
	inOrder(t, page, `id="optionalDependencies"`, `href="/package/evil/v/1.0.0">1.0.0</a>`)
	inOrder(t, page, `<code>package.json</code>`, `data-bytes="32">32 B`, `<code>lib/index.js</code>`, `data-bytes="2500">2.5 kB`)
	inOrder(t, page, `id="unpacked-size" data-bytes="4321">4.32 kB`)
	inOrder(t, page, `href="/-/sbom/app/1.0.0"`, `href="/log/version/app@1.0.0"`)
	for range 3 {
		get(t, srv.URL+"/package/app/v/1.0.0")
	}
	if n := reg.opened.Load(); n != 1 {
		t.Errorf("the tarball was opened %d times over four views, want once (its list kept)", n)
	}
}

// Missing packages, missing versions, scopes that are no scope: one 404.
func TestVersionPageNotFound(t *testing.T) {
	_, srv := setup(t)
	for _, path := range []string{"/package/nothing/v/1.0.0", "/package/app/v/9.9.9", "/package/s/x/v/1.0.0", "/package/@s/nothing/v/1.0.0"} {
		code, page := get(t, srv.URL+path)
		if code != http.StatusNotFound || !strings.Contains(page, "was not found on this registry") || strings.Contains(page, "permission") {
			t.Errorf("GET %s: %d %s", path, code, page)
		}
	}
	if code, page := get(t, srv.URL+"/package/@s/x/v/1.0.0"); code != http.StatusOK || !strings.Contains(page, `<a href="/package/@s/x">@s/x</a>`) {
		t.Errorf("scoped version page: %d\n%s", code, page)
	}
}

// Dependents page by name, with a link to the next page.
func TestVersionPageDependents(t *testing.T) {
	reg, srv := setup(t)
	for i := 3; i < limits.VersionPageDependents+5; i++ {
		reg.dependent = append(reg.dependent, store.Dependent{Name: fmt.Sprintf("user%03d", i), Version: "2.0.0"})
	}
	_, page := get(t, srv.URL+"/package/leaf/v/2.0.0")
	if n := strings.Count(page, `<li><a href="/package/user`); n != limits.VersionPageDependents {
		t.Errorf("%d dependents listed, want %d", n, limits.VersionPageDependents)
	}
	inOrder(t, page, fmt.Sprintf(`<span id="dependents-total" class="count">(%d)</span>`, len(reg.dependent)), `id="dependents-more" href="?dependents_after=user`)
	_, page = get(t, srv.URL+"/package/leaf/v/2.0.0?dependents_after=user050")
	if n := strings.Count(page, `<li><a href="/package/user`); n != 4 || strings.Contains(page, "dependents-more") {
		t.Errorf("second page: %d dependents listed, want 4 and no more link", n)
	}
	if code, _ := get(t, srv.URL+"/package/leaf/v/2.0.0?dependents_after="+strings.Repeat("a", 300)); code != http.StatusBadRequest {
		t.Errorf("a long dependents_after: %d, want 400", code)
	}
}

func TestFormatSize(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 999: "999 B", 1000: "1 kB", 2500: "2.5 kB", 4321: "4.32 kB", 1_234_567: "1.23 MB", 3_000_000_000: "3 GB"} {
		if got := formatSize(n); got != want {
			t.Errorf("formatSize(%d) = %q, want %q", n, got, want)
		}
	}
}

// A trusted publish is worded as npmjs.com does, linked to GitHub when no
// provenance gives links, with every path segment escaped and no link for
// a repository that is not owner/name; an account's publish is not a
// trusted one.
func TestTrustedPublisherOf(t *testing.T) {
	pb := &store.PublishedBy{Kind: store.PublishedByTrusted, Issuer: "github", Repository: "acme/widget", Workflow: ".github/workflows/re lease.yml", Ref: "refs/heads/main"}
	tp := trustedPublisherOf(pb, nil)
	if tp.CI != "GitHub Actions" || tp.Workflow != ".github/workflows/re lease.yml@refs/heads/main" || tp.RepositoryURL != "https://github.com/acme/widget" ||
		tp.WorkflowURL != "https://github.com/acme/widget/blob/main/.github/workflows/re%20lease.yml" {
		t.Errorf("%+v", tp)
	}
	built := &webkit.BuiltFrom{RepositoryURL: "https://github.com/acme/widget", WorkflowURL: "https://github.com/acme/widget/blob/abc/.github/workflows/re lease.yml"}
	if tp := trustedPublisherOf(pb, built); tp.WorkflowURL != built.WorkflowURL {
		t.Errorf("with provenance: %+v", tp)
	}
	pb.Repository = "acme/widget/../x"
	if tp := trustedPublisherOf(pb, nil); tp.RepositoryURL != "" || tp.WorkflowURL != "" {
		t.Errorf("an odd repository is linked: %+v", tp)
	}
	if trustedPublisherOf(&store.PublishedBy{Kind: store.PublishedWithToken}, nil) != nil || trustedPublisherOf(nil, nil) != nil {
		t.Error("an account's publish is worded as a trusted one")
	}
}
