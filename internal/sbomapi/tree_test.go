package sbomapi

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/rampart/rampart/internal/sbom"
	"github.com/rampart/rampart/internal/sbom/schemacheck"
)

// fakeProxy is the upstream proxy's cache: names it would serve, the
// documents it holds, and the pins.
type fakeProxy struct {
	serves map[string]bool
	docs   map[string][]byte
	pins   map[string]string
}

func (f *fakeProxy) Proxied(_ context.Context, name string) (string, []byte, error) {
	if !f.serves[name] {
		return "", nil, nil
	}
	return "npmjs", f.docs[name], nil
}

func (f *fakeProxy) Pin(_ context.Context, upstream, name, version string) (string, error) {
	return f.pins[name+"@"+version], nil
}

type treeBOM struct {
	Components []struct {
		BOMRef     string `json:"bom-ref"`
		Name       string `json:"name"`
		Version    string `json:"version"`
		Scope      string `json:"scope"`
		Hashes     []struct{ Alg, Content string }
		Properties []struct{ Name, Value string }
	} `json:"components"`
	Dependencies []struct {
		Ref       string   `json:"ref"`
		DependsOn []string `json:"dependsOn"`
	} `json:"dependencies"`
}

// TestWholeTree: the SBOM lists the whole tree once per name@version
// with its edges (a cycle included), marks what only optional
// dependencies reach, follows peers but not optional peers nor dev
// dependencies, lists a proxied dependency with its pinned integrity and
// its upstream, says "not yet fetched" for a proxied name the cache does
// not hold, and changes its ETag when the proxy's document or a pin does.
func TestWholeTree(t *testing.T) {
	f, h := newFixture()
	withMeta := func(v string, extra map[string]any) map[string]any {
		m := version(v, nil)
		for k, x := range extra {
			m[k] = x
		}
		return m
	}
	f.put("top", "t1", false, map[string]any{"time": map[string]string{"1.0.0": "2026-01-02T03:04:05.000Z"},
		"versions": map[string]any{"1.0.0": withMeta("1.0.0", map[string]any{
			"dependencies":         map[string]string{"a": "^1", "c": "^1"},
			"optionalDependencies": map[string]string{"opt": "^1"},
			"peerDependencies":     map[string]string{"peer": "^1", "optpeer": "^1"},
			"peerDependenciesMeta": map[string]any{"optpeer": map[string]any{"optional": true}},
			"devDependencies":      map[string]string{"devonly": "^1"},
		})}})
	for name, deps := range map[string]map[string]string{
		"a":       {"b": "^1"},
		"b":       {"c": "^1", "a": "^1", "up": "^2", "later": "^1"}, // a cycle back to a
		"c":       nil,
		"opt":     {"optleaf": "^1", "c": "^1"},
		"optleaf": nil,
		"peer":    nil,
		"optpeer": nil,
		"devonly": nil,
	} {
		f.put(name, name+"1", false, map[string]any{"dist-tags": map[string]string{"latest": "1.0.0"},
			"versions": map[string]any{"1.0.0": version("1.0.0", deps)}})
	}
	upDoc := func(v, integrity string) []byte {
		b, _ := json.Marshal(map[string]any{"name": "up", "dist-tags": map[string]string{"latest": v},
			"versions": map[string]any{v: map[string]any{"name": "up", "version": v, "dist": map[string]any{"integrity": integrity, "tarball": "http://r.example/up/-/up-" + v + ".tgz"}}}})
		return b
	}
	proxy := &fakeProxy{serves: map[string]bool{"up": true, "later": true}, docs: map[string][]byte{"up": upDoc("2.1.0", sha512)},
		pins: map[string]string{"up@2.1.0": sha512}}
	h.d.Proxied = proxy

	w := get(h, "/-/sbom/top/1.0.0")
	if w.Code != 200 {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	if err := schemacheck.Validate(sbom.CycloneDX, w.Body.Bytes()); err != nil {
		t.Fatalf("invalid: %v\n%s", err, w.Body)
	}
	var bom treeBOM
	if err := json.Unmarshal(w.Body.Bytes(), &bom); err != nil {
		t.Fatal(err)
	}
	refs := map[string]string{} // name@version → bom-ref
	scope := map[string]string{}
	props := map[string]map[string]string{}
	for _, c := range bom.Components {
		key := c.Name + "@" + c.Version
		if _, dup := refs[key]; dup {
			t.Errorf("%s listed twice", key)
		}
		refs[key], scope[key] = c.BOMRef, c.Scope
		props[key] = map[string]string{}
		for _, p := range c.Properties {
			props[key][p.Name] = p.Value
		}
		if key == "up@2.1.0" && (len(c.Hashes) == 0 || c.Hashes[0].Alg != "SHA-512") {
			t.Errorf("the proxied package's hashes: %+v", c.Hashes)
		}
	}
	var names []string
	for k := range refs {
		names = append(names, k)
	}
	slices.Sort(names)
	if want := []string{"a@1.0.0", "b@1.0.0", "c@1.0.0", "later@", "opt@1.0.0", "optleaf@1.0.0", "peer@1.0.0", "up@2.1.0"}; !slices.Equal(names, want) {
		t.Fatalf("components %q, want %q", names, want)
	}
	if scope["opt@1.0.0"] != "optional" || scope["optleaf@1.0.0"] != "optional" || scope["c@1.0.0"] == "optional" || scope["a@1.0.0"] == "optional" {
		t.Errorf("optional scopes: %v", scope)
	}
	if props["up@2.1.0"][sbom.PropProxied] != "npmjs" || !strings.Contains(props["later@"][sbom.PropUnresolved], "not yet fetched") || props["later@"][sbom.PropRange] != "^1" {
		t.Errorf("proxied: %v, not yet fetched: %v", props["up@2.1.0"], props["later@"])
	}
	edges := map[string][]string{}
	for _, d := range bom.Dependencies {
		edges[d.Ref] = d.DependsOn
	}
	for from, to := range map[string][]string{
		"pkg:npm/top@1.0.0": {"a@1.0.0", "c@1.0.0", "opt@1.0.0", "peer@1.0.0"},
		refs["a@1.0.0"]:     {"b@1.0.0"},
		refs["b@1.0.0"]:     {"a@1.0.0", "c@1.0.0", "later@", "up@2.1.0"},
		refs["opt@1.0.0"]:   {"c@1.0.0", "optleaf@1.0.0"},
	} {
		var want []string
		for _, k := range to {
			want = append(want, refs[k])
		}
		if !slices.Equal(edges[from], want) {
			t.Errorf("%s depends on %q, want %q", from, edges[from], want)
		}
	}
	if spdx := get(h, "/-/sbom/top/1.0.0?format=spdx"); schemacheck.Validate(sbom.SPDX, spdx.Body.Bytes()) != nil || strings.Count(spdx.Body.String(), `"relationshipType": "DEPENDS_ON"`) != 11 {
		t.Errorf("SPDX: %d DEPENDS_ON, want 11 (one per edge)\n%s", strings.Count(spdx.Body.String(), `"relationshipType": "DEPENDS_ON"`), spdx.Body)
	}

	// The ETag follows the proxy's document and the pin.
	etag := w.Header().Get("ETag")
	proxy.docs["up"] = upDoc("2.2.0", sha512)
	proxy.pins["up@2.2.0"] = sha512
	w2 := get(h, "/-/sbom/top/1.0.0", "If-None-Match", etag)
	if w2.Code != 200 || w2.Header().Get("ETag") == etag || !strings.Contains(w2.Body.String(), "pkg:npm/up@2.2.0") {
		t.Fatalf("after the proxy's document changed: %d %s", w2.Code, w2.Header().Get("ETag"))
	}
	etag = w2.Header().Get("ETag")
	proxy.pins["up@2.2.0"] = "sha512-" + strings.Repeat("A", 86) + "=="
	if w3 := get(h, "/-/sbom/top/1.0.0", "If-None-Match", etag); w3.Code != 200 || w3.Header().Get("ETag") == etag {
		t.Fatalf("after the pin changed: %d", w3.Code)
	}
	// A name fetched later: no longer "not yet fetched".
	proxy.docs["later"] = []byte(strings.ReplaceAll(string(upDoc("1.0.0", sha512)), `"up"`, `"later"`))
	if w4 := get(h, "/-/sbom/top/1.0.0"); strings.Contains(w4.Body.String(), "not yet fetched") || !strings.Contains(w4.Body.String(), "pkg:npm/later@1.0.0") {
		t.Fatalf("after later was fetched:\n%s", w4.Body)
	}
}
