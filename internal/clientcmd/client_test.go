package clientcmd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rampart/rampart/internal/npmrc"
	osv "github.com/rampart/rampart/internal/osvclient"
)

// TestClientCommandsHelp: every client command explains itself, its exit
// codes, and where it finds the registry and the token (the same words
// for all).
func TestClientCommandsHelp(t *testing.T) {
	for _, c := range []string{"sbom", "audit", "fix", "report", "verify"} {
		out, _, code := run(t, "", nil, c, "--help")
		for _, want := range []string{"Usage:", "Exit codes", "--json", "--registry", "--token", "found as npm finds them"} {
			if code != 0 || !strings.Contains(out, want) {
				t.Errorf("rampart %s --help: exit %d, lacks %q:\n%s", c, code, want, out)
			}
		}
	}
}

// TestClientCommandErrors: errors exit 2 and say what to do.
func TestClientCommandErrors(t *testing.T) {
	home := t.TempDir()
	env := map[string]string{"HOME": home}
	empty := t.TempDir()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"sbom", empty}, "npm install"},
		{[]string{"audit", empty, "--osv-dir", empty}, "npm install"},
		{[]string{"sbom", filepath.Join(empty, "nope")}, "not a project folder"},
		{[]string{"sbom", empty, "--format", "xml"}, "use cyclonedx or spdx"},
		{[]string{"audit", empty, "--osv-dir", filepath.Join(empty, "nope")}, "--osv-dir"},
		{[]string{"audit", empty, "--registry", "ftp://x/"}, "http(s) URL"},
	} {
		_, errOut, code := run(t, "", env, c.args...)
		if code != 2 || !strings.Contains(errOut, c.want) {
			t.Errorf("rampart %v: exit %d, %q (want 2 and %q)", c.args, code, errOut, c.want)
		}
	}
	// An offline audit of a project with nothing vulnerable: exit 0.
	os.WriteFile(filepath.Join(empty, "package-lock.json"), []byte(`{"name":"x","lockfileVersion":3,"packages":{"":{"name":"x"},"node_modules/a":{"version":"1.0.0"}}}`), 0o600)
	out, errOut, code := run(t, "", env, "audit", empty, "--osv-dir", t.TempDir())
	if code != 0 || !strings.Contains(out, "clean") {
		t.Fatalf("clean audit: exit %d\n%s\n%s", code, out, errOut)
	}
}

// TestOSVTokenStaysWithRegistry: the registry's token goes to its own OSV
// API, never to an --osv-url on another host.
func TestOSVTokenStaysWithRegistry(t *testing.T) {
	cfg, err := npmrc.Load(t.TempDir(), "https://registry.example/", "secret", func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	ce := &clientEnv{cfg: config{cfg}}
	for _, c := range []struct{ osvURL, base, token string }{
		{"", "https://registry.example/-/osv/", "secret"},
		{"https://registry.example/osv", "https://registry.example/osv/", "secret"},
		{"https://api.osv.dev", "https://api.osv.dev/", ""},
	} {
		src, err := (&advisoryFlags{osvURL: c.osvURL}).source(ce)
		if err != nil {
			t.Fatal(err)
		}
		api := src.(*osv.API)
		if api.Base.String() != c.base || api.Token != c.token {
			t.Errorf("--osv-url %q: base %s token %q", c.osvURL, api.Base, api.Token)
		}
	}
}
