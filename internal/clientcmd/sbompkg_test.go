package clientcmd

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSBOMPackage: --package asks the registry of the user's .npmrc for
// the version's SBOM, with the token, the scoped name escaped and the
// format; the registry's refusal is shown and exits 2; bad specs are
// refused before any request.
func TestSBOMPackage(t *testing.T) {
	var asked []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked = append(asked, r.URL.RequestURI()+" "+r.Header.Get("Authorization"))
		if r.URL.EscapedPath() == "/-/sbom/@s%2Fa/1.0.0" {
			w.Header().Set("Content-Type", "application/spdx+json")
			w.Write([]byte(`{"spdxVersion":"SPDX-2.3"}`))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte(`{"error":"\"b@2.0.0\" was not found on this registry, or you may not read it"}`))
	}))
	defer srv.Close()
	home := t.TempDir()
	os.WriteFile(filepath.Join(home, ".npmrc"), []byte("registry="+srv.URL+"/\n"+strings.TrimPrefix(srv.URL, "http:")+"/:_authToken=tok\n"), 0o600)
	t.Chdir(t.TempDir())
	env := map[string]string{"HOME": home}

	out, errOut, code := run(t, "", env, "sbom", "--package", "@s/a@1.0.0", "--format", "spdx")
	if code != 0 || out != `{"spdxVersion":"SPDX-2.3"}` {
		t.Fatalf("exit %d, %q %q", code, out, errOut)
	}
	if len(asked) != 1 || asked[0] != "/-/sbom/@s%2Fa/1.0.0?format=spdx Bearer tok" {
		t.Fatalf("asked %v", asked)
	}
	file := filepath.Join(t.TempDir(), "a.json")
	if _, errOut, code = run(t, "", env, "sbom", "--package", "@s/a@1.0.0", "-o", file); code != 0 {
		t.Fatalf("-o: exit %d %s", code, errOut)
	}
	if _, err := os.Stat(file); err != nil {
		t.Fatal(err)
	}
	_, errOut, code = run(t, "", env, "sbom", "--package", "b@2.0.0")
	if code != 2 || !strings.Contains(errOut, "404") || !strings.Contains(errOut, "was not found on this registry") {
		t.Fatalf("a refusal: exit %d %q", code, errOut)
	}
	n := len(asked)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"sbom", "--package", "left-pad"}, "give name@version"},
		{[]string{"sbom", "--package", "@s/a"}, "give name@version"},
		{[]string{"sbom", "--package", "a@1.0.0", "."}, "no project folder"},
	} {
		if _, errOut, code := run(t, "", env, c.args...); code != 2 || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d %q", c.args, code, errOut)
		}
	}
	if len(asked) != n {
		t.Fatalf("a bad spec reached the registry: %v", asked[n:])
	}
}
