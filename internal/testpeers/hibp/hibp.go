// Package hibp runs a Have I Been Pwned "Pwned Passwords" range server on
// loopback for tests. Like the real service it answers
// GET /range/<5 hex digits> with "SUFFIX:COUNT" lines for every hash that
// shares the prefix, including unrelated breached hashes, and pads the
// answer with random suffixes of count 0 when the request carries
// "Add-Padding: true".
//
// It also checks the client: a request for anything other than a
// five-hex-digit prefix, or one with a query or a body, fails the test.
// Requests returns what every request carried, so a test can assert that
// nothing more of a password or its hash left the process.
package hibp

import (
	"crypto/sha1" // HIBP is keyed by SHA-1
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// DefaultCount is the breach count Start gives each password.
const DefaultCount = 4242

// Request is what one request to the server carried.
type Request struct {
	Method  string
	URL     string // the request URI: path and query
	Header  http.Header
	Body    []byte
	Padding bool // "Add-Padding: true" was set
}

// Server is a running range server.
type Server struct {
	// URL is the base URL to configure a client with (no trailing slash).
	URL string

	t   testing.TB
	srv *httptest.Server

	mu       sync.Mutex
	counts   map[string]int // full upper-case hex SHA-1 -> count
	down     bool
	requests []Request
}

var prefixPath = regexp.MustCompile(`^/range/[0-9A-Fa-f]{5}$`)

// Start runs a server on 127.0.0.1 that knows each of breached with
// DefaultCount; it stops when the test ends.
func Start(t testing.TB, breached ...string) *Server {
	t.Helper()
	s := &Server{t: t, counts: map[string]int{}}
	for _, p := range breached {
		s.Add(p, DefaultCount)
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	t.Cleanup(s.srv.Close)
	return s
}

// Hash returns the upper-case hex SHA-1 of password, as HIBP keys it.
func Hash(password string) string {
	sum := sha1.Sum([]byte(password))
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

// Add records password as breached count times.
func (s *Server) Add(password string, count int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counts[Hash(password)] = count
}

// SetDown makes the server answer every request with 503 Service
// Unavailable while down is true, as during an outage.
func (s *Server) SetDown(down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = down
}

// Count returns how many requests the server has received.
func (s *Server) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.requests)
}

// Requests returns a copy of every request received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	copy(out, s.requests)
	return out
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	rec := Request{
		Method:  r.Method,
		URL:     r.URL.RequestURI(),
		Header:  r.Header.Clone(),
		Body:    body,
		Padding: strings.EqualFold(r.Header.Get("Add-Padding"), "true"),
	}
	s.mu.Lock()
	s.requests = append(s.requests, rec)
	down := s.down
	s.mu.Unlock()

	if r.Method != http.MethodGet || !prefixPath.MatchString(r.URL.Path) || r.URL.RawQuery != "" || len(body) > 0 {
		s.t.Errorf("hibp: request %s %s with %d body bytes: want GET /range/<5 hex digits> and nothing else", r.Method, r.URL.RequestURI(), len(body))
		http.Error(w, "The hash prefix was not in a valid format", http.StatusBadRequest)
		return
	}
	if down {
		http.Error(w, "Service Unavailable", http.StatusServiceUnavailable)
		return
	}
	prefix := strings.ToUpper(strings.TrimPrefix(r.URL.Path, "/range/"))

	var lines []string
	s.mu.Lock()
	for h, n := range s.counts {
		if strings.HasPrefix(h, prefix) {
			lines = append(lines, fmt.Sprintf("%s:%d", h[len(prefix):], n))
		}
	}
	s.mu.Unlock()
	// Unrelated breached hashes that share the prefix, as every real
	// prefix has hundreds of them.
	for range 200 + rand.IntN(200) {
		lines = append(lines, fmt.Sprintf("%s:%d", randomSuffix(), 1+rand.IntN(10000)))
	}
	if rec.Padding {
		// The real service pads each answer to between 800 and 1,000
		// lines with count-0 suffixes.
		for target := 800 + rand.IntN(201); len(lines) < target; {
			lines = append(lines, randomSuffix()+":0")
		}
	}
	rand.Shuffle(len(lines), func(i, j int) { lines[i], lines[j] = lines[j], lines[i] })

	w.Header().Set("Content-Type", "text/plain")
	_, _ = io.WriteString(w, strings.Join(lines, "\r\n"))
}

func randomSuffix() string {
	var b [18]byte
	for i := range b {
		b[i] = byte(rand.Uint32())
	}
	return strings.ToUpper(hex.EncodeToString(b[:]))[:35]
}
