package lockverify

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadLockfile: only packages resolved from the registry, each
// name@version once, nested and scoped names read from their path, links
// and the root left out; an npm 6 lockfile is refused with what to do.
func TestReadLockfile(t *testing.T) {
	dir := t.TempDir()
	lock := `{"name":"app","lockfileVersion":3,"packages":{
"":{"name":"app","version":"1.0.0"},
"node_modules/a":{"version":"1.0.0","resolved":"http://reg.test/a/-/a-1.0.0.tgz","integrity":"sha512-a"},
"node_modules/@s/b":{"version":"2.0.0","resolved":"http://reg.test/@s/b/-/b-2.0.0.tgz","integrity":"sha512-b"},
"node_modules/x/node_modules/a":{"version":"1.0.0","resolved":"http://reg.test/a/-/a-1.0.0.tgz","integrity":"sha512-a"},
"node_modules/x":{"version":"3.0.0","resolved":"https://registry.npmjs.org/x/-/x-3.0.0.tgz","integrity":"sha512-x"},
"node_modules/l":{"resolved":"../l","link":true},
"node_modules/alias":{"name":"c","version":"0.1.0","resolved":"http://reg.test/c/-/c-0.1.0.tgz","integrity":"sha512-c"}}}`
	if err := os.WriteFile(filepath.Join(dir, "package-lock.json"), []byte(lock), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := ReadLockfile(dir, "http://reg.test")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, p := range got {
		ids = append(ids, p.Name+"@"+p.Version+" "+p.Integrity)
	}
	if want := "@s/b@2.0.0 sha512-b,a@1.0.0 sha512-a,c@0.1.0 sha512-c"; strings.Join(ids, ",") != want {
		t.Fatalf("got %s, want %s", strings.Join(ids, ","), want)
	}
	if err := os.WriteFile(filepath.Join(dir, "package-lock.json"), []byte(`{"lockfileVersion":1,"dependencies":{}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadLockfile(dir, "http://reg.test/"); err == nil || !strings.Contains(err.Error(), "--lockfile-version 3") {
		t.Fatalf("a version 1 lockfile: %v", err)
	}
	if _, err := ReadLockfile(t.TempDir(), "http://reg.test/"); err == nil || !strings.Contains(err.Error(), "run npm install first") {
		t.Fatalf("no lockfile: %v", err)
	}
}
