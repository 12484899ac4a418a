package sbom

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/deptree"
	"github.com/rampart/rampart/internal/sbom/schemacheck"
)

// TestPublishedVersion: the Published form makes the root one version (a
// library with its hashes, supplier and references), lists the declared
// ranges and the unresolved dependencies, and stays valid in both
// formats; without it the root is still the project (bom-ref "root").
func TestPublishedVersion(t *testing.T) {
	root := &deptree.Package{Ecosystem: deptree.NPM, Name: "@s/app", Version: "1.0.0", License: "MIT",
		Resolved:  "http://r.example/@s/app/-/app-1.0.0.tgz",
		Integrity: "sha512-7iaw3Ur350mqGo7jwQrpkj9hiYB3Lkc/iBml1JQODbJ6wYX4oOHV+E+IvIh/1nsUNzLDBMxfqa2Ob1f1ACio/w== sha1-qUqP5cyxm6YcTAhz05Hph5gvu9M=",
		Wants:     map[string]string{"lib": "^1", "gone": "^2"}, Deps: []string{"lib@1.4.0", "unresolved:gone@^2"}}
	lib := &deptree.Package{ID: "lib@1.4.0", Ecosystem: deptree.NPM, Name: "lib", Version: "1.4.0", Deps: []string{"leaf@2.0.0", "unresolved:far@^9"}}
	leaf := &deptree.Package{ID: "leaf@2.0.0", Ecosystem: deptree.NPM, Name: "leaf", Version: "2.0.0", Deps: []string{"lib@1.4.0"}} // a cycle
	gone := &deptree.Package{ID: "unresolved:gone@^2", Ecosystem: deptree.NPM, Name: "gone"}
	far := &deptree.Package{ID: "unresolved:far@^9", Ecosystem: deptree.NPM, Name: "far"}
	tree := deptree.New(deptree.NPM, root, []*deptree.Package{lib, leaf, gone, far})
	o := Options{ToolVersion: "test", Now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Serial: "00000000-0000-4000-8000-000000000000",
		Refs: map[string][]Ref{"": {{RefLog, "http://r.example/-/log/lookup/@s%2Fapp@1.0.0"}}},
		Published: &Published{Publisher: "ann", Maintainers: []string{"ann", "bo"}, Unresolved: map[string]Unresolved{"unresolved:gone@^2": {"^2", "not held by this registry"}, "unresolved:far@^9": {"^9", "proxied from npmjs: not yet fetched"}},
			Proxied: map[string]string{"leaf@2.0.0": "npmjs"}, Truncated: "more than 2 package versions"}}
	for _, f := range []string{CycloneDX, SPDX} {
		var buf bytes.Buffer
		if err := Write(&buf, f, tree, o); err != nil {
			t.Fatal(err)
		}
		if err := schemacheck.Validate(f, buf.Bytes()); err != nil {
			t.Fatalf("%s invalid: %v\n%s", f, err, buf.String())
		}
		for _, want := range []string{"pkg:npm/%40s/app@1.0.0", "pkg:npm/lib@1.4.0", "pkg:npm/gone", "^1", "^2", "not held by this registry",
			"a94a8fe5ccb19ba61c4c0873d391e987982fbbd3", "/-/log/lookup/@s%2Fapp@1.0.0", "ann", "bo", "http://r.example/@s/app/-/app-1.0.0.tgz",
			"pkg:npm/leaf@2.0.0", "pkg:npm/far", "^9", "not yet fetched", PropProxied, "npmjs", PropTruncated, "more than 2 package versions"} {
			if !strings.Contains(buf.String(), want) {
				t.Errorf("%s lacks %q:\n%s", f, want, buf.String())
			}
		}
		if f == CycloneDX && (!strings.Contains(buf.String(), `"bom-ref": "pkg:npm/%40s/app@1.0.0"`) || strings.Contains(buf.String(), `"type": "application",
      "name": "@s/app"`)) {
			t.Errorf("the root is not the version as a library:\n%s", buf.String())
		}
	}
	// The edges, as CycloneDX's dependencies: the cycle lib -> leaf -> lib
	// included, and the unresolved dependency below the root.
	var buf bytes.Buffer
	if err := Write(&buf, CycloneDX, tree, o); err != nil {
		t.Fatal(err)
	}
	var bom struct {
		Dependencies []struct {
			Ref       string   `json:"ref"`
			DependsOn []string `json:"dependsOn"`
		} `json:"dependencies"`
	}
	if err := json.Unmarshal(buf.Bytes(), &bom); err != nil {
		t.Fatal(err)
	}
	edges := map[string]string{}
	for _, d := range bom.Dependencies {
		edges[d.Ref] = strings.Join(d.DependsOn, " ")
	}
	for ref, want := range map[string]string{
		"pkg:npm/%40s/app@1.0.0":        "pkg:npm/lib@1.4.0#lib@1.4.0 unresolved:gone@^2",
		"pkg:npm/lib@1.4.0#lib@1.4.0":   "pkg:npm/leaf@2.0.0#leaf@2.0.0 unresolved:far@^9",
		"pkg:npm/leaf@2.0.0#leaf@2.0.0": "pkg:npm/lib@1.4.0#lib@1.4.0",
		"unresolved:far@^9":             "",
	} {
		if got, ok := edges[ref]; !ok || got != want {
			t.Errorf("%s depends on %q, want %q", ref, got, want)
		}
	}

	o.Published = nil
	buf.Reset()
	if err := Write(&buf, CycloneDX, tree, o); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"bom-ref": "root"`) || strings.Contains(buf.String(), PropRange) || strings.Contains(buf.String(), PropTruncated) {
		t.Fatalf("a project's SBOM changed:\n%s", buf.String())
	}
}
