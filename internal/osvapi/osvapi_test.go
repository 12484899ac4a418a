package osvapi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/advisory"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/store/sqlite"
)

func newHandler(t testing.TB) *Handler {
	db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "meta.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	svc := advisory.New(db, advisory.Config{PublicURL: "https://reg.example"}, time.Now, nil)
	if _, err := svc.PublishMalicious(t.Context(), "mod", core.NPM("evil"), []string{"1.0.0"}, "bad", ""); err != nil {
		t.Fatal(err)
	}
	return New(svc, Access{}, nil)
}

func serve(h *Handler, method, path, body string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, strings.NewReader(body)))
	return rec
}

// Refusals are OSV's error shape with the gRPC code api.osv.dev uses,
// and a message saying what to do.
func TestRefusals(t *testing.T) {
	h := newHandler(t)
	many := `{"queries":[` + strings.Repeat(`{"package":{"name":"a","ecosystem":"npm"}},`, limits.MaxOSVBatchQueries) + `{"package":{"name":"a","ecosystem":"npm"}}]}`
	cases := []struct {
		method, path, body string
		status, code       int
		says               string
	}{
		{"POST", "/-/osv/v1/query", `{"package":{"name":"evil","ecosystem":"npm"},"versoin":"1"}`, 400, 3, "unknown field"},
		{"POST", "/-/osv/v1/query", `{"package":{"name":"evil","ecosystem":"npm"}} {}`, 400, 3, "more than one JSON value"},
		{"POST", "/-/osv/v1/query", `{"version":"1.0.0"}`, 400, 3, "needs a package"},
		{"POST", "/-/osv/v1/query", `{"package":{"purl":"pkg:npm/evil@1.0.0","name":"evil"}}`, 400, 3, "not both"},
		{"POST", "/-/osv/v1/query", `{"package":{"purl":"pkg:npm/evil@1.0.0"},"version":"1.0.0"}`, 400, 3, "given twice"},
		{"POST", "/-/osv/v1/query", `{"package":{"name":"evil","ecosystem":"npm"},"page_token":"x"}`, 400, 3, "page_token"},
		{"POST", "/-/osv/v1/query", `{"package":{"name":"evil","ecosystem":"npm"},"commit":"abc"}`, 400, 3, "commit queries"},
		{"POST", "/-/osv/v1/query", `{"package":{"name":"` + strings.Repeat("a", limits.MaxOSVQueryBytes) + `","ecosystem":"npm"}}`, 413, 3, "limit"},
		{"POST", "/-/osv/v1/querybatch", many, 400, 3, "at most 1000 queries"},
		{"POST", "/-/osv/v1/querybatch", `{"queries":[{"package":{"name":"a","ecosystem":"npm"}},{"version":"1"}]}`, 400, 3, "queries[1]"},
		{"GET", "/-/osv/v1/query", ``, 405, 12, "takes POST"},
		{"GET", "/-/osv/v1/vulns/MAL-2000-1", ``, 404, 5, "Bug not found."},
		{"GET", "/-/osv/v1/other", ``, 404, 5, "no such OSV API endpoint"},
	}
	for _, c := range cases {
		rec := serve(h, c.method, c.path, c.body)
		var body struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		}
		json.Unmarshal(rec.Body.Bytes(), &body)
		if rec.Code != c.status || body.Code != c.code || !strings.Contains(body.Message, c.says) {
			t.Errorf("%s %s %.80s: %d %s, want %d code %d saying %q", c.method, c.path, c.body, rec.Code, rec.Body.Bytes(), c.status, c.code, c.says)
		}
	}
	if rec := serve(h, "GET", "/-/osv/v1/query", ""); rec.Header().Get("Allow") != "POST" {
		t.Errorf("Allow = %q", rec.Header().Get("Allow"))
	}
}

func TestAnswers(t *testing.T) {
	h := newHandler(t)
	rec := serve(h, "POST", "/-/osv/v1/query", `{"package":{"purl":"pkg:npm/evil"},"version":"1.0.0"}`)
	var q struct {
		Vulns []map[string]any `json:"vulns"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &q); err != nil || rec.Code != http.StatusOK || len(q.Vulns) != 1 || q.Vulns[0]["id"] != "MAL-2026-0001" && !strings.HasPrefix(q.Vulns[0]["id"].(string), "MAL-") {
		t.Fatalf("query: %d %s", rec.Code, rec.Body.Bytes())
	}
	id := q.Vulns[0]["id"].(string)
	if rec := serve(h, "GET", "/-/osv/v1/vulns/"+id, ""); rec.Code != 200 || !strings.Contains(rec.Body.String(), `"id":"`+id+`"`) {
		t.Errorf("vulns: %d %s", rec.Code, rec.Body.Bytes())
	}
	// A package with nothing known, and a clean version, answer {}.
	for _, body := range []string{`{"package":{"name":"good","ecosystem":"npm"}}`, `{"package":{"name":"evil","ecosystem":"npm"},"version":"1.0.1"}`} {
		if rec := serve(h, "POST", "/-/osv/v1/query", body); rec.Code != 200 || strings.TrimSpace(rec.Body.String()) != "{}" {
			t.Errorf("%s: %d %s", body, rec.Code, rec.Body.Bytes())
		}
	}
	rec = serve(h, "POST", "/-/osv/v1/querybatch", `{"queries":[{"package":{"name":"good","ecosystem":"npm"}},{"package":{"name":"evil","ecosystem":"npm"},"version":"1.0.0"}]}`)
	if got := strings.TrimSpace(rec.Body.String()); !strings.HasPrefix(got, `{"results":[{},{"vulns":[{"id":"`+id+`","modified":"`) {
		t.Errorf("querybatch: %s", got)
	}
}

func FuzzQuery(f *testing.F) {
	f.Add(`{"package":{"name":"evil","ecosystem":"npm"},"version":"1.0.0"}`)
	f.Add(`{"package":{"purl":"pkg:npm/%40s/evil@1.0.0"}}`)
	f.Add(`{"queries":[{"package":{"name":"evil","ecosystem":"npm"}}]}`)
	h := newHandler(f)
	f.Fuzz(func(t *testing.T, body string) {
		for _, path := range []string{"/-/osv/v1/query", "/-/osv/v1/querybatch"} {
			rec := serve(h, "POST", path, body)
			if rec.Code >= 500 {
				t.Fatalf("%s %q: %d %s", path, body, rec.Code, rec.Body.Bytes())
			}
		}
	})
}
