package sbom

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"

	"github.com/rampart/rampart/internal/deptree"
)

// TestFetchRefs asks a registry that answers the attestation and log
// look-ups for one version only, with the token, and keeps only what
// answered; a package from another registry is not asked about.
func TestFetchRefs(t *testing.T) {
	var mu sync.Mutex
	var asked []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		asked = append(asked, r.URL.EscapedPath())
		mu.Unlock()
		if r.Header.Get("Authorization") != "Bearer tok" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		switch r.URL.EscapedPath() {
		case "/-/rampart/v1/attestations/@s%2Fa@1.0.0", "/-/log/lookup/@s%2Fa@1.0.0":
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{}`))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	base, _ := url.Parse(srv.URL + "/")
	tr, err := deptree.ParseNPM(t.TempDir(), []byte(`{"lockfileVersion":3,"packages":{"":{"name":"app"},
		"node_modules/@s/a":{"version":"1.0.0","resolved":"`+srv.URL+`/@s/a/-/a-1.0.0.tgz"},
		"node_modules/b":{"version":"1.0.0","resolved":"https://elsewhere.example/b/-/b-1.0.0.tgz"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	refs := FetchRefs(t.Context(), Registry{URL: base, Token: "tok"}, tr)
	got := refs["node_modules/@s/a"]
	if len(got) != 2 || got[0].Kind != RefAttestation || got[1].Kind != RefLog || got[1].URL != srv.URL+"/-/log/lookup/@s%2Fa@1.0.0" {
		t.Fatalf("refs %+v (asked %v)", refs, asked)
	}
	if len(refs["node_modules/b"]) != 0 || len(asked) != 3 {
		t.Fatalf("asked %v", asked)
	}
}
