package sbomapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/sbom"
	"github.com/rampart/rampart/internal/sbom/schemacheck"
	"github.com/rampart/rampart/internal/store"
)

// fakeDocs holds packuments by name; a restricted one is readable only
// by the principal with a user (as the registry's read rule answers:
// the same not-found as a missing name).
type fakeDocs struct {
	docs  map[string]*core.Document
	reads int
}

func (f *fakeDocs) Document(_ context.Context, p authz.Principal, name string, part store.DocPart) (*core.Document, error) {
	f.reads++
	d, ok := f.docs[name]
	if !ok || (d.Restricted && p.User == nil) {
		return nil, core.Errorf(core.KindNotFound, "package %s was not found", name)
	}
	return d, nil
}

func (f *fakeDocs) put(name, etag string, restricted bool, doc map[string]any) {
	b, _ := json.Marshal(doc)
	f.docs[name] = &core.Document{Name: name, ETag: etag, Restricted: restricted, Full: b, Abbrev: b}
}

const sha512 = "sha512-7iaw3Ur350mqGo7jwQrpkj9hiYB3Lkc/iBml1JQODbJ6wYX4oOHV+E+IvIh/1nsUNzLDBMxfqa2Ob1f1ACio/w=="

func version(v string, deps map[string]string) map[string]any {
	return map[string]any{"name": "x", "version": v, "license": "MIT", "dependencies": deps, "_npmUser": map[string]any{"name": "ann"},
		"dist": map[string]any{"integrity": sha512, "shasum": "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3", "tarball": "http://r.example/x/-/x-" + v + ".tgz"}}
}

func newFixture() (*fakeDocs, *Handler) {
	f := &fakeDocs{docs: map[string]*core.Document{}}
	f.put("app", "e1", false, map[string]any{
		"dist-tags":   map[string]string{"latest": "1.0.0"},
		"maintainers": []any{map[string]any{"name": "ann"}, map[string]any{"name": "bo"}},
		"time":        map[string]string{"1.0.0": "2026-01-02T03:04:05.000Z"},
		"versions":    map[string]any{"1.0.0": version("1.0.0", map[string]string{"lib": "^1.0.0", "beta": "next", "gone": "^1", "@s/hidden": "*"})},
	})
	// latest (1.1.0) satisfies ^1.0.0 and is chosen over the higher 1.9.0
	// as npm does.
	f.put("lib", "l1", false, map[string]any{
		"dist-tags": map[string]string{"latest": "1.1.0"}, "modified": "2026-02-01T00:00:00.000Z",
		"versions": map[string]any{"1.1.0": version("1.1.0", nil), "1.9.0": version("1.9.0", nil), "2.0.0": version("2.0.0", nil)},
	})
	f.put("beta", "b1", false, map[string]any{
		"dist-tags": map[string]string{"latest": "1.0.0", "next": "2.0.0-rc.1"},
		"versions":  map[string]any{"1.0.0": version("1.0.0", nil), "2.0.0-rc.1": version("2.0.0-rc.1", nil)},
	})
	f.put("@s/hidden", "h1", true, map[string]any{
		"dist-tags": map[string]string{"latest": "3.0.0"}, "versions": map[string]any{"3.0.0": version("3.0.0", nil)},
	})
	h := New(Deps{Registry: f, BaseURL: "http://r.example/", ToolVersion: "test",
		Auth: func(ctx context.Context, token string, addr netip.Addr) (authz.Principal, error) {
			if token != "good" {
				return authz.Principal{}, core.Errorf(core.KindUnauthenticated, "bad token")
			}
			return authz.Principal{User: &core.User{ID: 1, Name: "ann"}}, nil
		},
		Logged: func(ctx context.Context, name, version string) (bool, error) { return name == "app", nil },
	})
	return f, h
}

func get(h http.Handler, target string, hdr ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest("GET", target, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestResolvesAsNPMAndValidates(t *testing.T) {
	_, h := newFixture()
	for _, format := range []string{sbom.CycloneDX, sbom.SPDX} {
		w := get(h, "/-/sbom/app/1.0.0?format="+format)
		if w.Code != 200 {
			t.Fatalf("%s: %d %s", format, w.Code, w.Body)
		}
		if err := schemacheck.Validate(format, w.Body.Bytes()); err != nil {
			t.Fatalf("%s invalid: %v\n%s", format, err, w.Body)
		}
		out := w.Body.String()
		for _, want := range []string{
			"pkg:npm/app@1.0.0", "pkg:npm/lib@1.1.0", "pkg:npm/beta@2.0.0-rc.1",
			"a94a8fe5ccb19ba61c4c0873d391e987982fbbd3", "http://r.example/-/log/lookup/app@1.0.0",
			"not held by this registry", "ann", "bo",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("%s lacks %q:\n%s", format, want, out)
			}
		}
		for _, bad := range []string{"lib@1.9.0", "@s/hidden@3.0.0", "%40s/hidden@3.0.0", "attestations"} {
			if strings.Contains(out, bad) {
				t.Errorf("%s has %q:\n%s", format, bad, out)
			}
		}
		if format == sbom.CycloneDX && !strings.Contains(out, `"timestamp": "2026-02-01T00:00:00Z"`) {
			t.Errorf("the timestamp is not the newest input's:\n%s", out)
		}
	}
	// The signed-in reader resolves the restricted dependency, and the
	// answer is private.
	w := get(h, "/-/sbom/app/1.0.0", "Authorization", "Bearer good")
	if !strings.Contains(w.Body.String(), "pkg:npm/%40s/hidden@3.0.0") || w.Header().Get("Cache-Control") != "private, no-cache" {
		t.Fatalf("signed in: %s\n%s", w.Header().Get("Cache-Control"), w.Body)
	}
	if w := get(h, "/-/sbom/app/1.0.0", "Authorization", "Bearer bad"); w.Code != 401 {
		t.Fatalf("a bad token: %d", w.Code)
	}
}

func TestETagCoversEveryInput(t *testing.T) {
	f, h := newFixture()
	w1 := get(h, "/-/sbom/app/1.0.0")
	etag := w1.Header().Get("ETag")
	if w1.Header().Get("Cache-Control") != "public, max-age=0, must-revalidate" {
		t.Fatalf("Cache-Control %q", w1.Header().Get("Cache-Control"))
	}
	if w2 := get(h, "/-/sbom/app/1.0.0"); w2.Body.String() != w1.Body.String() || w2.Header().Get("ETag") != etag {
		t.Fatal("the same inputs gave another document")
	}
	if w := get(h, "/-/sbom/app/1.0.0", "If-None-Match", etag); w.Code != 304 || w.Body.Len() != 0 {
		t.Fatalf("revalidation: %d", w.Code)
	}
	if w := get(h, "/-/sbom/app/1.0.0?format=spdx", "If-None-Match", etag); w.Code != 200 {
		t.Fatalf("the other format matched the ETag: %d", w.Code)
	}
	// A dependency's document changes (a new version in range): the
	// ETag and the serial change.
	f.put("lib", "l2", false, map[string]any{
		"dist-tags": map[string]string{"latest": "1.2.0"},
		"versions":  map[string]any{"1.2.0": version("1.2.0", nil)},
	})
	w3 := get(h, "/-/sbom/app/1.0.0", "If-None-Match", etag)
	if w3.Code != 200 || w3.Header().Get("ETag") == etag || !strings.Contains(w3.Body.String(), "pkg:npm/lib@1.2.0") {
		t.Fatalf("after a new lib: %d %s", w3.Code, w3.Header().Get("ETag"))
	}
	var a, b struct{ SerialNumber string }
	json.Unmarshal(w1.Body.Bytes(), &a)
	json.Unmarshal(w3.Body.Bytes(), &b)
	if a.SerialNumber == b.SerialNumber {
		t.Fatal("the serial number did not change with the document")
	}
}

func TestPathsAndRefusals(t *testing.T) {
	f, h := newFixture()
	f.put("@s/pub", "p1", false, map[string]any{"time": map[string]string{"1.0.0": "2026-01-02T03:04:05.000Z"},
		"versions": map[string]any{"1.0.0": version("1.0.0", nil)}})
	for _, p := range []string{"/-/sbom/@s/pub/1.0.0", "/-/sbom/@s%2fpub/1.0.0", "/-/sbom/@s%2Fpub/1.0.0"} {
		if w := get(h, p); w.Code != 200 || !strings.Contains(w.Body.String(), "pkg:npm/%40s/pub@1.0.0") {
			t.Errorf("%s: %d %s", p, w.Code, w.Body)
		}
	}
	for _, p := range []string{"/-/sbom/app", "/-/sbom/app/", "/-/sbom/a/b/c/1.0.0", "/-/sbom/a/b/1.0.0"} {
		if w := get(h, p); w.Code != 404 || !strings.Contains(w.Body.String(), "e.g. /-/sbom/left-pad/1.3.0") {
			t.Errorf("%s: %d %s", p, w.Code, w.Body)
		}
	}
	if w := get(h, "/-/sbom/"+strings.Repeat("a", limits.MaxNameLength+1)+"/1.0.0"); w.Code != 400 {
		t.Errorf("a long name: %d", w.Code)
	}
	// A restricted package to one who may not read it is the missing
	// package's answer, word for word; a missing version too.
	hidden := get(h, "/-/sbom/@s/hidden/3.0.0")
	missing := get(h, "/-/sbom/@s/nothing/3.0.0")
	if hidden.Code != 404 || strings.ReplaceAll(hidden.Body.String(), "hidden", "X") != strings.ReplaceAll(missing.Body.String(), "nothing", "X") {
		t.Fatalf("restricted %d %s; missing %d %s", hidden.Code, hidden.Body, missing.Code, missing.Body)
	}
	if w := get(h, "/-/sbom/app/9.9.9"); w.Code != 404 || !strings.Contains(w.Body.String(), `app@9.9.9\" was not found`) {
		t.Fatalf("a missing version: %d %s", w.Code, w.Body)
	}
	head := httptest.NewRecorder()
	h.ServeHTTP(head, httptest.NewRequest("HEAD", "/-/sbom/app/1.0.0", nil))
	if head.Code != 200 || head.Body.Len() != 0 || head.Header().Get("ETag") != get(h, "/-/sbom/app/1.0.0").Header().Get("ETag") || head.Header().Get("Content-Length") == "" {
		t.Fatalf("HEAD: %d %v", head.Code, head.Header())
	}
	r := httptest.NewRequest("POST", "/-/sbom/app/1.0.0", nil)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != 405 || !strings.Contains(w.Header().Get("Allow"), "GET") {
		t.Fatalf("POST: %d %v", w.Code, w.Header())
	}
}

// TestBoundedWork: a version declaring more dependencies than one SBOM
// reads documents for gets the tree cut there, no more document reads,
// and a document that says it was cut.
func TestBoundedWork(t *testing.T) {
	f, h := newFixture()
	deps := map[string]string{}
	for i := range limits.MaxSBOMDependencies + 20 {
		deps[fmt.Sprintf("dep-%04d", i)] = "^1"
	}
	f.put("big", "g1", false, map[string]any{"time": map[string]string{"1.0.0": "2026-01-02T03:04:05.000Z"},
		"versions": map[string]any{"1.0.0": version("1.0.0", deps)}})
	f.reads = 0
	w := get(h, "/-/sbom/big/1.0.0")
	if w.Code != 200 || f.reads != 1+limits.MaxSBOMDependencies {
		t.Fatalf("%d, %d document reads", w.Code, f.reads)
	}
	if !strings.Contains(w.Body.String(), sbom.PropTruncated) || !strings.Contains(w.Body.String(), fmt.Sprintf("more than %d package documents", limits.MaxSBOMDependencies)) ||
		!strings.Contains(w.Body.String(), `"aggregate": "incomplete"`) {
		t.Fatalf("the cut tree does not say so:\n%s", w.Body.String()[:2000])
	}
	if err := schemacheck.Validate(sbom.CycloneDX, w.Body.Bytes()); err != nil {
		t.Fatal(err)
	}
	// A chain of more package versions than one SBOM lists, from one
	// document: cut at the bound on packages, and said so in both forms.
	versions := map[string]any{}
	for i := 1; i <= limits.MaxSBOMNodes+50; i++ {
		versions[fmt.Sprintf("%d.0.0", i)] = version(fmt.Sprintf("%d.0.0", i), map[string]string{"chain": fmt.Sprintf("%d.0.0", i+1)})
	}
	f.put("chain", "c1", false, map[string]any{"dist-tags": map[string]string{"latest": "1.0.0"}, "versions": versions})
	f.put("long", "g2", false, map[string]any{"time": map[string]string{"1.0.0": "2026-01-02T03:04:05.000Z"},
		"versions": map[string]any{"1.0.0": version("1.0.0", map[string]string{"chain": "1.0.0"})}})
	for format, needle := range map[string]string{sbom.CycloneDX: `"purl": "pkg:npm/chain@`, sbom.SPDX: `"referenceLocator": "pkg:npm/chain@`} {
		w = get(h, "/-/sbom/long/1.0.0?format="+format)
		if n := strings.Count(w.Body.String(), needle); w.Code != 200 || n != limits.MaxSBOMNodes ||
			!strings.Contains(w.Body.String(), fmt.Sprintf("more than %d packages", limits.MaxSBOMNodes)) {
			t.Fatalf("%s: %d, %d chain packages listed, want %d and the cut said", format, w.Code, n, limits.MaxSBOMNodes)
		}
		if err := schemacheck.Validate(format, w.Body.Bytes()); err != nil {
			t.Fatal(err)
		}
	}
}

// TestReferences: the version's provenance (dist.attestations in its
// packument) and the registry's attestation are referenced at the URLs
// rampart sbom uses; a dependency's provenance too.
func TestReferences(t *testing.T) {
	f, h := newFixture()
	withProv := func(v string, deps map[string]string) map[string]any {
		m := version(v, deps)
		m["dist"].(map[string]any)["attestations"] = map[string]any{"url": "http://r.example/-/npm/v1/attestations/x@" + v}
		return m
	}
	f.put("@s/prov", "p1", false, map[string]any{"time": map[string]string{"1.0.0": "2026-01-02T03:04:05.000Z"},
		"versions": map[string]any{"1.0.0": withProv("1.0.0", map[string]string{"dprov": "1"})}})
	f.put("dprov", "d1", false, map[string]any{"dist-tags": map[string]string{"latest": "1.0.0"},
		"versions": map[string]any{"1.0.0": withProv("1.0.0", nil)}})
	h.d.Attested = func(ctx context.Context, p authz.Principal, name, version string) (bool, error) {
		return name == "@s/prov", nil
	}
	for _, format := range []string{sbom.CycloneDX, sbom.SPDX} {
		w := get(h, "/-/sbom/@s/prov/1.0.0?format="+format)
		if err := schemacheck.Validate(format, w.Body.Bytes()); err != nil {
			t.Fatalf("%s: %v\n%s", format, err, w.Body)
		}
		for _, want := range []string{
			"http://r.example/-/rampart/v1/attestations/@s%2Fprov@1.0.0",
			"http://r.example/-/npm/v1/attestations/@s%2Fprov@1.0.0",
			"http://r.example/-/npm/v1/attestations/dprov@1.0.0",
		} {
			if !strings.Contains(w.Body.String(), want) {
				t.Errorf("%s lacks %s:\n%s", format, want, w.Body)
			}
		}
		if strings.Contains(w.Body.String(), "/-/log/lookup/") {
			t.Errorf("%s references a log entry the log does not have", format)
		}
	}
}

// TestRenderedCache: a public document is rendered once for the same
// inputs; a private one is never kept; the cache stays within its bounds.
func TestRenderedCache(t *testing.T) {
	_, h := newFixture()
	a := get(h, "/-/sbom/app/1.0.0")
	if len(h.cache.m) != 1 {
		t.Fatalf("%d entries after one public GET", len(h.cache.m))
	}
	if b := get(h, "/-/sbom/app/1.0.0"); b.Body.String() != a.Body.String() || len(h.cache.m) != 1 {
		t.Fatal("the second GET was not the cached document")
	}
	get(h, "/-/sbom/app/1.0.0", "Authorization", "Bearer good")
	if len(h.cache.m) != 1 {
		t.Fatal("a private answer was kept")
	}
	var c rendered
	for i := range cacheEntries + 10 {
		c.put(fmt.Sprint(i), make([]byte, 1000))
	}
	if len(c.m) != cacheEntries || len(c.order) != cacheEntries || c.bytes != cacheEntries*1000 {
		t.Fatalf("%d entries, %d bytes", len(c.m), c.bytes)
	}
	if _, ok := c.get("0"); ok {
		t.Fatal("the oldest entry was not evicted")
	}
	c.put("big", make([]byte, cacheMaxEntry+1))
	if _, ok := c.get("big"); ok {
		t.Fatal("an entry over the bound was kept")
	}
	for i := range 40 {
		c.put(fmt.Sprint("m", i), make([]byte, cacheMaxEntry))
	}
	if c.bytes > cacheMaxBytes {
		t.Fatalf("%d bytes kept", c.bytes)
	}
}

// TestTrustedPublisherSupplier: a version a trusted publisher published
// names that CI workflow as its supplier, not the account that configured
// it, in both formats, and the ETag covers it.
func TestTrustedPublisherSupplier(t *testing.T) {
	_, h := newFixture()
	before := get(h, "/-/sbom/app/1.0.0").Header().Get("ETag")
	h.d.PublishedBy = func(ctx context.Context, p authz.Principal, name, version string) (*store.PublishedBy, error) {
		return &store.PublishedBy{Kind: store.PublishedByTrusted, Issuer: "github", Repository: "acme/app", Workflow: ".github/workflows/publish.yml", Ref: "refs/heads/main"}, nil
	}
	for format, want := range map[string]string{
		sbom.CycloneDX: `"name": "trusted publisher github: acme/app .github/workflows/publish.yml@refs/heads/main"`,
		sbom.SPDX:      `"supplier": "Organization: trusted publisher github: acme/app .github/workflows/publish.yml@refs/heads/main"`,
	} {
		w := get(h, "/-/sbom/app/1.0.0?format="+format)
		if !strings.Contains(w.Body.String(), want) || schemacheck.Validate(format, w.Body.Bytes()) != nil {
			t.Errorf("%s lacks %s (or is invalid):\n%s", format, want, w.Body)
		}
	}
	if get(h, "/-/sbom/app/1.0.0").Header().Get("ETag") == before {
		t.Error("the ETag does not cover who published the version")
	}
}
