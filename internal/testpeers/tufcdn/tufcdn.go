// Package tufcdn stands in for Sigstore's TUF repository
// (https://tuf-repo-cdn.sigstore.dev) on loopback, which `npm audit
// signatures` refreshes before anything else and which a test machine
// cannot reach. It is an HTTPS proxy (npm honours HTTPS_PROXY) that
// answers CONNECT to the CDN's host itself, with a certificate from its
// own CA (NODE_EXTRA_CA_CERTS), serving a TUF repository in TUF 1.0's
// wire format: root, timestamp, snapshot and targets metadata in
// canonical JSON, signed with its own ed25519 key.
//
// npm trusts the root.json in its TUF cache, so SeedCache puts this
// repository's root there; a client without it would refuse the
// repository, as it should. The repository lists no targets: like the
// real one for any registry but npmjs.org, it has no
// "<host>/keys.json", so npm falls back to the registry's
// /-/npm/v1/keys (npm-protocol.md §8.1).
package tufcdn

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"
)

// Host is the CDN npm's TUF client asks.
const Host = "tuf-repo-cdn.sigstore.dev"

// Server is the proxy and the repository behind it.
type Server struct {
	// ProxyURL is for HTTPS_PROXY; CAFile, a PEM file, for
	// NODE_EXTRA_CA_CERTS.
	ProxyURL, CAFile string
	files            map[string][]byte // by path: "/1.root.json", "/timestamp.json", ...
	root             []byte
	mu               sync.Mutex
	served           []string
	tunnels          chan net.Conn
}

// Start runs the proxy until the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	s := &Server{tunnels: make(chan net.Conn)}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s.files = repository(t, priv)
	s.root = s.files["/1.root.json"]
	tlsCfg, caPEM := certificates(t)
	s.CAFile = filepath.Join(t.TempDir(), "tufcdn-ca.pem")
	if err := os.WriteFile(s.CAFile, caPEM, 0o600); err != nil {
		t.Fatal(err)
	}

	// The CDN: HTTPS over the connections CONNECT hands over.
	cdn := &http.Server{Handler: http.HandlerFunc(s.serveRepo), ReadHeaderTimeout: 10 * time.Second}
	tunnels := &tunnelListener{conns: s.tunnels, done: make(chan struct{})}
	go cdn.Serve(tls.NewListener(tunnels, tlsCfg))

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	proxy := &http.Server{Handler: http.HandlerFunc(s.serveProxy), ReadHeaderTimeout: 10 * time.Second}
	go proxy.Serve(ln)
	s.ProxyURL = "http://" + ln.Addr().String()
	t.Cleanup(func() {
		proxy.Close()
		close(tunnels.done)
		cdn.Close()
	})
	return s
}

// SeedCache makes npm, with cache folder cache (npm_config_cache),
// trust this repository's root, as a TUF client trusts the root it was
// installed with.
func (s *Server) SeedCache(t testing.TB, cache string) {
	t.Helper()
	dir := filepath.Join(cache, "_tuf", Host)
	if err := os.MkdirAll(filepath.Join(dir, "targets"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "root.json"), s.root, 0o600); err != nil {
		t.Fatal(err)
	}
}

// Served lists the paths the repository answered, in order.
func (s *Server) Served() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.served)
}

// serveProxy tunnels CONNECT to the CDN's host into the repository and
// refuses everything else: nothing reaches the network.
func (s *Server) serveProxy(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodConnect || r.Host != Host+":443" {
		http.Error(w, "this proxy reaches only "+Host, http.StatusForbidden)
		return
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		http.Error(w, "cannot tunnel", http.StatusInternalServerError)
		return
	}
	conn, buf, err := hj.Hijack()
	if err != nil {
		return
	}
	if _, err := conn.Write([]byte("HTTP/1.1 200 Connection established\r\n\r\n")); err != nil || buf.Reader.Buffered() > 0 {
		conn.Close()
		return
	}
	s.tunnels <- conn
}

func (s *Server) serveRepo(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.served = append(s.served, r.URL.Path)
	s.mu.Unlock()
	b, ok := s.files[r.URL.Path]
	if !ok || r.Method != http.MethodGet {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(b)
}

// tunnelListener is a net.Listener of the connections CONNECT hands over.
type tunnelListener struct {
	conns chan net.Conn
	done  chan struct{}
}

func (l *tunnelListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}
func (l *tunnelListener) Close() error   { return nil }
func (l *tunnelListener) Addr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)} }

// certificates makes a CA and a certificate for Host signed by it.
func certificates(t testing.TB) (*tls.Config, []byte) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	ca := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "tufcdn test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	leafKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	leaf := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: Host}, DNSNames: []string{Host},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leaf, caCert, &leafKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{leafDER}, PrivateKey: leafKey}}, MinVersion: tls.VersionTLS12}
	return cfg, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
}

// repository is the TUF metadata: every role held by one ed25519 key,
// no targets, no consistent snapshots, valid for a year.
func repository(t testing.TB, priv ed25519.PrivateKey) map[string][]byte {
	t.Helper()
	pub := priv.Public().(ed25519.PublicKey)
	key := map[string]any{"keytype": "ed25519", "scheme": "ed25519", "keyval": map[string]any{"public": hex.EncodeToString(pub)}}
	kb, err := canonical(key)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(kb)
	keyID := hex.EncodeToString(sum[:])
	expires := time.Now().UTC().Add(365 * 24 * time.Hour).Format("2006-01-02T15:04:05Z")
	role := map[string]any{"keyids": []string{keyID}, "threshold": 1}
	sign := func(signed map[string]any) []byte {
		b, err := canonical(signed)
		if err != nil {
			t.Fatal(err)
		}
		doc := map[string]any{"signed": signed, "signatures": []map[string]any{{"keyid": keyID, "sig": hex.EncodeToString(ed25519.Sign(priv, b))}}}
		out, err := canonical(doc)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	common := func(typ string) map[string]any {
		return map[string]any{"_type": typ, "spec_version": "1.0.31", "version": 1, "expires": expires}
	}
	root := common("root")
	root["consistent_snapshot"] = false
	root["keys"] = map[string]any{keyID: key}
	root["roles"] = map[string]any{"root": role, "timestamp": role, "snapshot": role, "targets": role}
	targets := common("targets")
	targets["targets"] = map[string]any{}
	snapshot := common("snapshot")
	snapshot["meta"] = map[string]any{"targets.json": map[string]any{"version": 1}}
	timestamp := common("timestamp")
	timestamp["meta"] = map[string]any{"snapshot.json": map[string]any{"version": 1}}
	return map[string][]byte{
		"/1.root.json": sign(root), "/timestamp.json": sign(timestamp),
		"/snapshot.json": sign(snapshot), "/targets.json": sign(targets),
	}
}

// canonical is TUF's canonical JSON for what this package writes: keys
// sorted, no whitespace, no HTML escaping.
func canonical(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
