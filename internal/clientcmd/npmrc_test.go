package clientcmd

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// TestEveryCommandHonoursProjectNpmrc: each client command finds the
// registry and the token in the project's .npmrc, as npm does, over the
// user's: every request it sends reaches the project's registry with the
// project's token. The registry is a stand-in that records what arrives
// (the e2e tests run the real one).
func TestEveryCommandHonoursProjectNpmrc(t *testing.T) {
	var mu sync.Mutex
	var got []string // "METHOD PATH AUTHORIZATION"
	reg := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.Method+" "+r.URL.Path+" "+r.Header.Get("Authorization"))
		mu.Unlock()
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/-/osv/v1/querybatch":
			io.WriteString(w, `{"results":[{"vulns":[]}]}`)
		case "/-/rampart/v1/reports":
			w.WriteHeader(http.StatusCreated)
			io.WriteString(w, `{"id":1,"item":1,"package":"left-pad","reason":"spam","reporters":1,"message":"Thank you."}`)
		default:
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, `{"error":"not here"}`)
		}
	}))
	defer reg.Close()
	host := strings.TrimPrefix(reg.URL, "http://")

	home, proj := t.TempDir(), t.TempDir()
	write := func(path, s string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// The user's file names another registry, and another token for
	// this one: the project's file wins for both.
	write(filepath.Join(home, ".npmrc"), "registry=http://127.0.0.1:1/\n//"+host+"/:_authToken=user-token\n")
	write(filepath.Join(proj, ".npmrc"), "registry="+reg.URL+"/\n//"+host+"/:_authToken=${PROJECT_TOKEN}\n")
	write(filepath.Join(proj, "package.json"), `{"name":"app","version":"1.0.0","dependencies":{"left-pad":"1.0.0"}}`)
	write(filepath.Join(proj, "package-lock.json"), `{"name":"app","version":"1.0.0","lockfileVersion":3,"packages":{
  "":{"name":"app","version":"1.0.0","dependencies":{"left-pad":"1.0.0"}},
  "node_modules/left-pad":{"version":"1.0.0","resolved":"`+reg.URL+`/left-pad/-/left-pad-1.0.0.tgz","integrity":"sha512-AAAA"}}}`)
	env := map[string]string{"HOME": home, "CI": "true", "PROJECT_TOKEN": "project-token", "RAMPART_CACHE_DIR": t.TempDir()}
	t.Chdir(proj) // report works on the current folder

	for _, args := range [][]string{
		{"sbom", proj},
		{"audit", proj},
		{"fix", proj, "--dry-run"},
		{"report", "left-pad", "--reason", "spam"},
		{"verify", proj, "--no-provenance"},
	} {
		t.Run(args[0], func(t *testing.T) {
			mu.Lock()
			got = nil
			mu.Unlock()
			_, errOut, code := run(t, "", env, args...)
			mu.Lock()
			defer mu.Unlock()
			if len(got) == 0 {
				t.Fatalf("rampart %s sent nothing to the project's registry (exit %d): %s", strings.Join(args, " "), code, errOut)
			}
			for _, r := range got {
				if !strings.HasSuffix(r, " Bearer project-token") {
					t.Errorf("rampart %s: %q did not carry the project's token", args[0], r)
				}
			}
		})
	}
}
