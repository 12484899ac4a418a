package clientcfg

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func write(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestLoadOrder(t *testing.T) {
	home, proj := t.TempDir(), t.TempDir()
	env := map[string]string{"HOME": home, "SECRET": "tok-from-env"}
	get := func(k string) string { return env[k] }

	c, err := LoadEnv(proj, "", get)
	if err != nil || c.Registry.String() != DefaultRegistry || c.Token != "" || c.Source != "default" {
		t.Fatalf("nothing configured: %+v %v", c, err)
	}

	write(t, filepath.Join(home, ".npmrc"), "registry=http://user.example:4873\n//user.example:4873/:_authToken=${SECRET}\n//other.example/:_authToken=nope\n")
	c, _ = LoadEnv(proj, "", get)
	if c.Registry.String() != "http://user.example:4873/" || c.Token != "tok-from-env" {
		t.Fatalf("user file: %+v", c)
	}

	write(t, filepath.Join(proj, ".npmrc"), "; project\nregistry = \"http://proj.example/npm\"\n//proj.example/:_authToken=short\n//proj.example/npm/:_authToken=long\n")
	c, _ = LoadEnv(proj, "", get)
	if c.Registry.String() != "http://proj.example/npm/" || c.Token != "long" || !strings.HasSuffix(c.Source, ".npmrc") {
		t.Fatalf("project file: %+v", c)
	}

	c, _ = LoadEnv(proj, "http://user.example:4873/", get)
	if c.Registry.String() != "http://user.example:4873/" || c.Token != "tok-from-env" || c.Source != "--registry" {
		t.Fatalf("flag: %+v", c)
	}

	if _, err := LoadEnv(proj, "ftp://x/", get); err == nil || !strings.Contains(err.Error(), "--registry") {
		t.Fatalf("bad URL: %v", err)
	}
}
