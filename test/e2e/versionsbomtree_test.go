package e2e

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/rampart/rampart/internal/sbom/schemacheck"
	"github.com/rampart/rampart/internal/testserver"
)

// TestVersionSBOMTree: the real npm CLI publishes a small tree here
// (tree-a -> tree-b <-> tree-c, a cycle) whose tree-b also depends on
// tree-far, which only a second `rampart serve`, this registry's
// upstream, holds. `rampart sbom --package tree-a@1.0.0` prints every
// package once with the real edges; before anyone installed tree-far the
// proxied dependency is listed as not yet fetched (the SBOM request
// itself fetches nothing); once npm has read it through this registry it
// is listed resolved, with the integrity this registry pinned and the
// upstream it came from, and the ETag changed.
func TestVersionSBOMTree(t *testing.T) {
	t.Parallel()
	up := testserver.Start(t, testserver.Options{})
	up.CreateUser(t, "carol", "carol@example.com", alicePW)
	upN := login(t, up, "carol", alicePW)
	publish(t, upN, pkg{Name: "tree-far", Version: "1.0.0"})
	publish(t, upN, pkg{Name: "tree-far", Version: "1.2.0"})

	s := server(t, fmt.Sprintf(`
[[upstream]]
name = "public"
url = %q
packages = ["tree-far"]
`, up.URL))
	s.CreateUser(t, "alice", "alice@example.com", alicePW)
	n := login(t, s, "alice", alicePW)
	publish(t, n, pkg{Name: "tree-c", Version: "1.0.0", Deps: map[string]string{"tree-b": "^1.0.0"}})
	publish(t, n, pkg{Name: "tree-b", Version: "1.0.0", Deps: map[string]string{"tree-c": "^1.0.0", "tree-far": "^1.0.0"}})
	publish(t, n, pkg{Name: "tree-a", Version: "1.0.0", Deps: map[string]string{"tree-b": "^1.0.0"}})
	app := appWith(t, nil, "")
	url := s.URL + "-/sbom/tree-a/1.0.0"

	// Not fetched yet: listed, unresolved, saying so.
	first, _ := getSBOM(t, url, "", "")
	out, errOut, code := rampartClient(t, n, app, nil, "sbom", "--package", "tree-a@1.0.0")
	if code != 0 || first.StatusCode != 200 {
		t.Fatalf("rampart sbom --package: exit %d, GET %d\n%s", code, first.StatusCode, errOut)
	}
	bom := readTreeBOM(t, out)
	far := bom.byName("tree-far")
	if far.Version != "" || !strings.Contains(far.property("rampart:unresolved"), "proxied from the upstream registry public: not yet fetched") {
		t.Fatalf("tree-far before anyone fetched it: %+v", far)
	}
	if d := getDoc(t, up, "tree-far"); len(d.Versions) != 2 {
		t.Fatalf("the upstream's tree-far: %v", d.Versions)
	}

	// npm reads it through this registry: fetched, pinned.
	r := anon(t, s).MustRun(project(t), "view", "tree-far", "version")
	mustContain(t, r.Output(), "1.2.0")
	pinned := getDoc(t, s, "tree-far").Versions["1.2.0"].Dist.Integrity

	out, errOut, code = rampartClient(t, n, app, nil, "sbom", "--package", "tree-a@1.0.0")
	if code != 0 {
		t.Fatalf("rampart sbom --package: exit %d\n%s", code, errOut)
	}
	if err := schemacheck.Validate("cyclonedx", []byte(out)); err != nil {
		t.Fatalf("invalid CycloneDX: %v\n%s", err, out)
	}
	bom = readTreeBOM(t, out)
	var listed []string
	for _, c := range bom.Components {
		listed = append(listed, c.Name+"@"+c.Version)
	}
	slices.Sort(listed)
	if want := []string{"tree-b@1.0.0", "tree-c@1.0.0", "tree-far@1.2.0"}; !slices.Equal(listed, want) {
		t.Fatalf("components %q, want each of %q once", listed, want)
	}
	far = bom.byName("tree-far")
	if far.hash("SHA-512") != sriHex(t, pinned) || far.property("rampart:proxied-from") != "public" || far.property("rampart:unresolved") != "" {
		t.Fatalf("tree-far: %+v, want the pinned %s, proxied from public", far, pinned)
	}
	for from, to := range map[string][]string{
		"tree-a":   {"tree-b"},
		"tree-b":   {"tree-c", "tree-far"},
		"tree-c":   {"tree-b"},
		"tree-far": {},
	} {
		if got := bom.edges(from); !slices.Equal(got, to) {
			t.Errorf("%s depends on %q, want %q", from, got, to)
		}
	}
	again, _ := getSBOM(t, url, "", first.Header.Get("ETag"))
	if again.StatusCode != 200 || again.Header.Get("ETag") == first.Header.Get("ETag") {
		t.Fatalf("after tree-far was fetched: %d, ETag %s (was %s)", again.StatusCode, again.Header.Get("ETag"), first.Header.Get("ETag"))
	}

	// SPDX: the same graph as DEPENDS_ON relationships.
	out, errOut, code = rampartClient(t, n, app, nil, "sbom", "--package", "tree-a@1.0.0", "--format", "spdx")
	if code != 0 || schemacheck.Validate("spdx", []byte(out)) != nil {
		t.Fatalf("SPDX: exit %d\n%s%s", code, errOut, out)
	}
	if got := strings.Count(out, `"relationshipType": "DEPENDS_ON"`); got != 4 {
		t.Fatalf("%d DEPENDS_ON relationships, want 4 (a-b, b-c, b-far, c-b)\n%s", got, out)
	}
}

type treeDoc struct {
	Metadata struct {
		Component bomComponent `json:"component"`
	} `json:"metadata"`
	Components   []bomComponent `json:"components"`
	Dependencies []struct {
		Ref       string   `json:"ref"`
		DependsOn []string `json:"dependsOn"`
	} `json:"dependencies"`
}

func readTreeBOM(t *testing.T, out string) *treeDoc {
	t.Helper()
	var d treeDoc
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	return &d
}

func (d *treeDoc) byName(name string) bomComponent {
	for _, c := range d.Components {
		if c.Name == name {
			return c
		}
	}
	return bomComponent{}
}

// edges are the names the package called name depends on, sorted.
func (d *treeDoc) edges(name string) []string {
	names := map[string]string{d.Metadata.Component.BOMRef: d.Metadata.Component.Name}
	ref := ""
	if d.Metadata.Component.Name == name {
		ref = d.Metadata.Component.BOMRef
	}
	for _, c := range d.Components {
		names[c.BOMRef] = c.Name
		if c.Name == name {
			ref = c.BOMRef
		}
	}
	out := []string{}
	for _, dep := range d.Dependencies {
		if dep.Ref == ref {
			for _, on := range dep.DependsOn {
				out = append(out, names[on])
			}
		}
	}
	slices.Sort(out)
	return out
}
