package deptree

import (
	"reflect"
	"testing"
)

// A lockfile as npm 11 writes it: a nested copy of b under a, a scoped
// package, a dev dependency.
const lock = `{
  "name": "app", "version": "1.0.0", "lockfileVersion": 3, "requires": true,
  "packages": {
    "": {"name": "app", "version": "1.0.0", "license": "ISC",
         "dependencies": {"a": "^1.0.0", "@s/c": "2.0.0"}, "devDependencies": {"d": "*"}},
    "node_modules/a": {"version": "1.2.0", "resolved": "http://r/a/-/a-1.2.0.tgz", "integrity": "sha512-AAAA", "license": "MIT",
         "dependencies": {"b": "^2.0.0"}},
    "node_modules/a/node_modules/b": {"version": "2.1.0", "license": {"type": "BSD-3-Clause"}},
    "node_modules/b": {"version": "1.0.0"},
    "node_modules/@s/c": {"version": "2.0.0", "dependencies": {"b": "1"}},
    "node_modules/d": {"version": "0.1.0", "dev": true}
  }
}`

func TestParseNPM(t *testing.T) {
	tr, err := ParseNPM(t.TempDir(), []byte(lock))
	if err != nil {
		t.Fatal(err)
	}
	if got := tr.Root.Deps; !reflect.DeepEqual(got, []string{"node_modules/@s/c", "node_modules/a", "node_modules/d"}) {
		t.Fatalf("root deps %v", got)
	}
	a := tr.Get("node_modules/a")
	if a.Name != "a" || a.License != "MIT" || !a.Direct || !reflect.DeepEqual(a.Deps, []string{"node_modules/a/node_modules/b"}) {
		t.Fatalf("a: %+v", a)
	}
	if c := tr.Get("node_modules/@s/c"); c.Name != "@s/c" || !reflect.DeepEqual(c.Deps, []string{"node_modules/b"}) {
		t.Fatalf("@s/c: %+v", c)
	}
	if b := tr.Get("node_modules/a/node_modules/b"); b.Name != "b" || b.License != "BSD-3-Clause" || b.Direct {
		t.Fatalf("nested b: %+v", b)
	}
	if !tr.Get("node_modules/d").Dev {
		t.Fatal("d is dev")
	}
	paths := tr.Paths()
	if got := paths["node_modules/a/node_modules/b"]; !reflect.DeepEqual(got, []string{"node_modules/a", "node_modules/a/node_modules/b"}) {
		t.Fatalf("path %v", got)
	}
	if len(tr.ByName("b")) != 2 {
		t.Fatal("two b")
	}
}

func TestParseNPMOld(t *testing.T) {
	if _, err := ParseNPM("", []byte(`{"lockfileVersion":1,"dependencies":{}}`)); err == nil {
		t.Fatal("v1 accepted")
	}
}
