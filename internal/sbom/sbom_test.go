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

const lock = `{
  "name": "app", "version": "1.0.0", "lockfileVersion": 3,
  "packages": {
    "": {"name": "app", "version": "1.0.0", "license": "ISC", "dependencies": {"a": "^1", "@s/c": "2"}},
    "node_modules/a": {"version": "1.2.0", "resolved": "http://r.example/a/-/a-1.2.0.tgz",
      "integrity": "sha512-7iaw3Ur350mqGo7jwQrpkj9hiYB3Lkc/iBml1JQODbJ6wYX4oOHV+E+IvIh/1nsUNzLDBMxfqa2Ob1f1ACio/w== sha1-qUqP5cyxm6YcTAhz05Hph5gvu9M=",
      "license": "MIT", "dependencies": {"b": "^2"}},
    "node_modules/a/node_modules/b": {"version": "2.1.0", "license": "SEE LICENSE IN LICENSE"},
    "node_modules/@s/c": {"version": "2.0.0", "license": "(MIT OR Apache-2.0)"}
  }
}`

func TestWriteValidatesAgainstSchemas(t *testing.T) {
	tr, err := deptree.ParseNPM(t.TempDir(), []byte(lock))
	if err != nil {
		t.Fatal(err)
	}
	tr.Get("node_modules/a").Author = "Ann Author <ann@example.com>"
	refs := map[string][]Ref{"node_modules/a": {{RefAttestation, "http://r.example/-/rampart/v1/attestations/a@1.2.0"}, {RefLog, "http://r.example/-/log/lookup/a@1.2.0"}}}
	for _, f := range []string{CycloneDX, SPDX} {
		var buf bytes.Buffer
		if err := Write(&buf, f, tr, Options{ToolVersion: "test", Now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Refs: refs}); err != nil {
			t.Fatal(err)
		}
		if err := schemacheck.Validate(f, buf.Bytes()); err != nil {
			t.Fatalf("%s invalid: %v\n%s", f, err, buf.String())
		}
		out := buf.String()
		for _, want := range []string{
			"pkg:npm/a@1.2.0", "pkg:npm/%40s/c@2.0.0",
			"ee26b0dd4af7e749aa1a8ee3c10ae9923f618980772e473f8819a5d4940e0db27ac185f8a0e1d5f84f88bc887fd67b143732c304cc5fa9ad8e6f57f50028a8ff", // SHA-512 of "test"
			"a94a8fe5ccb19ba61c4c0873d391e987982fbbd3", // SHA-1 of "test"
			"Ann Author", "/-/rampart/v1/attestations/a@1.2.0", "/-/log/lookup/a@1.2.0",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("%s lacks %q", f, want)
			}
		}
	}
	// A document that breaks the schema is refused by the checker, so the
	// check above can fail.
	if err := schemacheck.Validate(CycloneDX, []byte(`{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"name":"x"}]}`)); err == nil {
		t.Fatal("a component without a type passed the schema")
	}
	if err := schemacheck.Validate(SPDX, []byte(`{"spdxVersion":"SPDX-2.3"}`)); err == nil {
		t.Fatal("an SPDX document without its required fields passed the schema")
	}
}

func TestCycloneDXDependencies(t *testing.T) {
	tr, _ := deptree.ParseNPM(t.TempDir(), []byte(lock))
	var buf bytes.Buffer
	if err := Write(&buf, CycloneDX, tr, Options{}); err != nil {
		t.Fatal(err)
	}
	var bom struct {
		Dependencies []struct {
			Ref       string   `json:"ref"`
			DependsOn []string `json:"dependsOn"`
		} `json:"dependencies"`
	}
	json.Unmarshal(buf.Bytes(), &bom)
	got := map[string][]string{}
	for _, d := range bom.Dependencies {
		got[d.Ref] = d.DependsOn
	}
	if a := got["pkg:npm/a@1.2.0#node_modules/a"]; len(a) != 1 || a[0] != "pkg:npm/b@2.1.0#node_modules/a/node_modules/b" {
		t.Fatalf("a depends on %v", a)
	}
	if len(got["root"]) != 2 {
		t.Fatalf("root depends on %v", got["root"])
	}
}

func TestDigests(t *testing.T) {
	if d := Digests("sha512-bad sha1-qUqP5cyxm6YcTAhz05Hph5gvu9M="); len(d) != 1 || d[0].Alg != "SHA-1" {
		t.Fatalf("%v", d)
	}
}
