// Package scanner runs a secret scanner on loopback for tests, in GitHub's
// partner-programme format: it serves its public keys as GitHub does at
// /meta/public_keys/secret_scanning ({"public_keys": [{"key_identifier",
// "key", "is_current"}]}, PEM ECDSA P-256 keys), and sends reports, JSON
// arrays of {token, type, url, source}, signed with its current key over
// the raw body (ECDSA P-256, SHA-256, base64 of the DER signature in
// Github-Public-Key-Signature, the key's id in
// Github-Public-Key-Identifier). Rotate makes a new current key; the old
// ones stay listed until DropOld. KeyFetches counts the key list's
// requests, so a test can see that the registry caches and rate-limits.
package scanner

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// KeysPath is where the key list is served, as on api.github.com.
const KeysPath = "/meta/public_keys/secret_scanning"

// Match is one reported token.
type Match struct {
	Token  string `json:"token"`
	Type   string `json:"type"`
	URL    string `json:"url"`
	Source string `json:"source"`
}

// Label is one entry of the registry's answer.
type Label struct {
	TokenHash string `json:"token_hash"`
	TokenType string `json:"token_type"`
	Label     string `json:"label"`
	URL       string `json:"url"`
}

type key struct {
	id      string
	priv    *ecdsa.PrivateKey
	current bool
}

// Server is a running scanner.
type Server struct {
	// KeysURL is the URL of its key list, to configure the registry with.
	KeysURL string

	t   testing.TB
	srv *httptest.Server

	mu      sync.Mutex
	keys    []*key
	n       int
	fetches int
}

// Start runs a scanner with one key; it stops when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	s := &Server{t: t}
	s.Rotate()
	s.srv = httptest.NewServer(http.HandlerFunc(s.serveKeys))
	t.Cleanup(s.srv.Close)
	s.KeysURL = s.srv.URL + KeysPath
	return s
}

func (s *Server) serveKeys(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet || r.URL.Path != KeysPath {
		http.NotFound(w, r)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fetches++
	type pk struct {
		KeyIdentifier string `json:"key_identifier"`
		Key           string `json:"key"`
		IsCurrent     bool   `json:"is_current"`
	}
	var list struct {
		PublicKeys []pk `json:"public_keys"`
	}
	for _, k := range s.keys {
		der, err := x509.MarshalPKIXPublicKey(&k.priv.PublicKey)
		if err != nil {
			s.t.Errorf("scanner: %v", err)
			return
		}
		p := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
		list.PublicKeys = append(list.PublicKeys, pk{KeyIdentifier: k.id, Key: string(p), IsCurrent: k.current})
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(list)
}

// Rotate makes a new current key and returns its id; the old keys stay
// listed, no longer current.
func (s *Server) Rotate() string {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		s.t.Fatal(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range s.keys {
		k.current = false
	}
	s.n++
	k := &key{id: fmt.Sprintf("%064x", sha256.Sum256([]byte(fmt.Sprintf("scanner key %d %p", s.n, priv)))), priv: priv, current: true}
	s.keys = append(s.keys, k)
	return k.id
}

// DropOld stops listing every key but the current one.
func (s *Server) DropOld() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = s.keys[len(s.keys)-1:]
}

// KeyFetches is how many times the key list was requested.
func (s *Server) KeyFetches() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fetches
}

// Sign signs body with the current key, returning the two headers' values.
func (s *Server) Sign(body []byte) (keyID, sig string) {
	s.mu.Lock()
	k := s.keys[len(s.keys)-1]
	s.mu.Unlock()
	return k.id, SignWith(s.t, k.priv, body)
}

// SignWith signs body with priv as a scanner does.
func SignWith(t testing.TB, priv *ecdsa.PrivateKey, body []byte) string {
	sum := sha256.Sum256(body)
	der, err := ecdsa.SignASN1(rand.Reader, priv, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(der)
}

// Body encodes matches as a report's body.
func Body(t testing.TB, matches ...Match) []byte {
	b, err := json.Marshal(matches)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Response is the registry's answer to a report.
type Response struct {
	Status int
	Body   []byte
}

// Labels decodes a successful answer.
func (r Response) Labels(t testing.TB) []Label {
	t.Helper()
	if r.Status != http.StatusOK {
		t.Fatalf("report answered %d: %s", r.Status, r.Body)
	}
	var ls []Label
	if err := json.Unmarshal(r.Body, &ls); err != nil {
		t.Fatalf("answer %s: %v", r.Body, err)
	}
	return ls
}

// Error is the "error" field of a refusal.
func (r Response) Error() string {
	var e struct {
		Error string `json:"error"`
	}
	json.Unmarshal(r.Body, &e)
	return e.Error
}

// Report signs matches with the current key and posts them to endpoint.
func (s *Server) Report(endpoint string, matches ...Match) Response {
	body := Body(s.t, matches...)
	id, sig := s.Sign(body)
	return Post(s.t, endpoint, body, id, sig)
}

// Post sends body to endpoint with the given headers, as a scanner does.
func Post(t testing.TB, endpoint string, body []byte, keyID, sig string) Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if keyID != "" {
		req.Header.Set("Github-Public-Key-Identifier", keyID)
	}
	if sig != "" {
		req.Header.Set("Github-Public-Key-Signature", sig)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return Response{Status: resp.StatusCode, Body: b}
}
