// Package osvapi is an OSV API on loopback for tests, shaped exactly like
// the public api.osv.dev v1: POST /v1/query ({"package": {"ecosystem",
// "name"}, "version", "page_token"} → {"vulns": [full records],
// "next_page_token"}) and POST /v1/querybatch ({"queries": [...]} →
// {"results": [{"vulns": [{"id", "modified"}]}]}, ids only, as the public
// API answers). Records are held in memory; PageSize splits answers into
// pages so that clients' paging is exercised.
package osvapi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"

	osv "github.com/rampart/rampart/internal/osvclient"
)

// Server is a running OSV API.
type Server struct {
	URL string // base URL, ending in "/"
	// PageSize, when positive, is the most records one query answer
	// holds; the rest follow with next_page_token.
	PageSize int

	mu      sync.Mutex
	records []osv.Vuln
	// Batches counts querybatch requests, Queries query requests.
	Batches, Queries int
}

// Start serves records until the test ends.
func Start(t testing.TB, records ...osv.Vuln) *Server {
	t.Helper()
	s := &Server{records: records}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/query", s.query)
	mux.HandleFunc("POST /v1/querybatch", s.batch)
	hs := httptest.NewServer(mux)
	t.Cleanup(hs.Close)
	s.URL = hs.URL + "/"
	return s
}

// Add adds records.
func (s *Server) Add(records ...osv.Vuln) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.records = append(s.records, records...)
}

type query struct {
	Package   osv.Package `json:"package"`
	Version   string      `json:"version"`
	PageToken string      `json:"page_token"`
}

func (s *Server) matching(q query) []osv.Vuln {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []osv.Vuln
	for _, v := range s.records {
		if q.Version == "" && len(v.For(q.Package.Ecosystem, q.Package.Name)) > 0 || v.Affects(q.Package.Ecosystem, q.Package.Name, q.Version) {
			out = append(out, v)
		}
	}
	return out
}

func (s *Server) query(w http.ResponseWriter, r *http.Request) {
	var q query
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&q); err != nil || q.Package.Name == "" {
		writeJSON(w, http.StatusBadRequest, map[string]any{"code": 3, "message": "Invalid query."})
		return
	}
	s.mu.Lock()
	s.Queries++
	s.mu.Unlock()
	vs := s.matching(q)
	start, _ := strconv.Atoi(q.PageToken)
	end := len(vs)
	if s.PageSize > 0 && start+s.PageSize < end {
		end = start + s.PageSize
	}
	if start > len(vs) {
		start = len(vs)
	}
	resp := map[string]any{}
	if end > start {
		resp["vulns"] = vs[start:end]
	}
	if end < len(vs) {
		resp["next_page_token"] = strconv.Itoa(end)
	}
	writeJSON(w, http.StatusOK, resp)
}

func (s *Server) batch(w http.ResponseWriter, r *http.Request) {
	var b struct {
		Queries []query `json:"queries"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 32<<20)).Decode(&b); err != nil || len(b.Queries) > 1000 {
		writeJSON(w, http.StatusBadRequest, map[string]any{"code": 3, "message": "Invalid query."})
		return
	}
	s.mu.Lock()
	s.Batches++
	s.mu.Unlock()
	type idOnly struct {
		ID       string `json:"id"`
		Modified string `json:"modified"`
	}
	results := make([]map[string]any, len(b.Queries))
	for i, q := range b.Queries {
		results[i] = map[string]any{}
		var ids []idOnly
		for _, v := range s.matching(q) {
			ids = append(ids, idOnly{v.ID, v.Modified})
		}
		if len(ids) > 0 {
			results[i]["vulns"] = ids
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"results": results})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
