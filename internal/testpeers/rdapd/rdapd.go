// Package rdapd runs an RDAP server (RFC 9082, 9083) on loopback for
// tests. It serves domain objects as application/rdap+json at
// <URL>domain/<name> with the statuses and events the test gives, answers
// 404 with an RDAP error object for any other domain, and serves an IANA
// style bootstrap file (RFC 9224) at BootstrapURL that sends every
// top-level domain it holds to itself.
package rdapd

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// Event is an RDAP event, such as "registration" or "expiration".
type Event struct {
	Action string
	Date   time.Time
}

// Domain is what the server knows about one domain.
type Domain struct {
	// Statuses are RDAP status values, such as "active",
	// "redemption period" or "pending delete".
	Statuses []string
	Events   []Event
}

// Server is a running RDAP server.
type Server struct {
	// URL is the RDAP base URL, with its trailing slash.
	URL string
	// BootstrapURL serves a dns.json bootstrap file.
	BootstrapURL string

	srv     *httptest.Server
	mu      sync.Mutex
	domains map[string]Domain
	down    bool
	queries []string
	boots   int
}

// Start runs a server on 127.0.0.1 that knows domains; it stops when the
// test ends.
func Start(t testing.TB, domains map[string]Domain) *Server {
	t.Helper()
	s := &Server{domains: map[string]Domain{}}
	for name, d := range domains {
		s.Set(name, d)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /domain/{name}", s.domain)
	mux.HandleFunc("GET /dns.json", s.bootstrap)
	s.srv = httptest.NewServer(mux)
	s.URL = s.srv.URL + "/"
	s.BootstrapURL = s.srv.URL + "/dns.json"
	t.Cleanup(s.srv.Close)
	return s
}

func canonical(name string) string { return strings.TrimSuffix(strings.ToLower(name), ".") }

// Set replaces what the server knows about name.
func (s *Server) Set(name string, d Domain) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.domains[canonical(name)] = d
}

// SetDown makes the server answer 503 to everything while down is true.
func (s *Server) SetDown(down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = down
}

// BootstrapFetches returns how often the bootstrap file has been served.
func (s *Server) BootstrapFetches() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.boots
}

// Close stops the server; later requests find nothing listening.
func (s *Server) Close() { s.srv.Close() }

// Queries returns the domain names asked for so far, in order.
func (s *Server) Queries() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.queries...)
}

func (s *Server) isDown(w http.ResponseWriter) bool {
	s.mu.Lock()
	down := s.down
	s.mu.Unlock()
	if down {
		writeError(w, http.StatusServiceUnavailable, "Service Unavailable", "the server is down for the test")
	}
	return down
}

type event struct {
	Action string `json:"eventAction"`
	Date   string `json:"eventDate"`
}

type domainObject struct {
	Conformance []string `json:"rdapConformance"`
	Class       string   `json:"objectClassName"`
	Handle      string   `json:"handle"`
	LDHName     string   `json:"ldhName"`
	Status      []string `json:"status,omitempty"`
	Events      []event  `json:"events,omitempty"`
}

func (s *Server) domain(w http.ResponseWriter, r *http.Request) {
	if s.isDown(w) {
		return
	}
	name := canonical(r.PathValue("name"))
	s.mu.Lock()
	s.queries = append(s.queries, name)
	d, ok := s.domains[name]
	s.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, "Not Found", "no such domain: "+name)
		return
	}
	obj := domainObject{
		Conformance: []string{"rdap_level_0"},
		Class:       "domain",
		Handle:      strings.ToUpper(strings.ReplaceAll(name, ".", "_")) + "-TEST",
		LDHName:     strings.ToUpper(name),
		Status:      d.Statuses,
	}
	for _, e := range d.Events {
		obj.Events = append(obj.Events, event{Action: e.Action, Date: e.Date.UTC().Format(time.RFC3339)})
	}
	writeJSON(w, http.StatusOK, rdapJSON, obj)
}

func (s *Server) bootstrap(w http.ResponseWriter, r *http.Request) {
	if s.isDown(w) {
		return
	}
	s.mu.Lock()
	s.boots++
	tlds := map[string]bool{}
	for name := range s.domains {
		tlds[name[strings.LastIndex(name, ".")+1:]] = true
	}
	s.mu.Unlock()
	var list []string
	for tld := range tlds {
		list = append(list, tld)
	}
	sort.Strings(list)
	writeJSON(w, http.StatusOK, "application/json", map[string]any{
		"version":     "1.0",
		"publication": "2026-01-01T00:00:00Z",
		"description": "rdapd test bootstrap",
		"services":    [][][]string{{list, {s.URL}}},
	})
}

func writeError(w http.ResponseWriter, code int, title, desc string) {
	writeJSON(w, code, rdapJSON, map[string]any{
		"rdapConformance": []string{"rdap_level_0"},
		"errorCode":       code,
		"title":           title,
		"description":     []string{desc},
	})
}

const rdapJSON = "application/rdap+json"

func writeJSON(w http.ResponseWriter, code int, contentType string, v any) {
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
