package npm_test

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/rampart/rampart/internal/config"
	"github.com/rampart/rampart/internal/identity"
	"github.com/rampart/rampart/internal/npmfixture"
	"github.com/rampart/rampart/internal/server"
)

// The benchmark store: benchPackages packages of benchVersions versions,
// each tarball holding benchTarballKB KiB of incompressible data. These
// match cmd/rampart-bench's defaults per package.
const (
	benchPackages  = 20
	benchVersions  = 5
	benchTarballKB = 16
)

// benchRegistry is a seeded store behind the real HTTP handler (routing,
// access log, npm front-end), without a network.
type benchRegistry struct {
	h     http.Handler
	names []string
}

func newBenchRegistry(b *testing.B) *benchRegistry {
	b.Helper()
	ctx := context.Background()
	cfg := config.Default()
	cfg.Data = b.TempDir()
	cfg.PublicURL = "http://registry.test/"
	cfg.InsecureFastPasswordHashing = true
	cfg.EmailDomains.Check = false               // no real DNS in benchmarks
	cfg.MFA.InsecureMaintainersWithoutMFA = true // the seeding account has no second factor
	if err := cfg.Validate(); err != nil {
		b.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	svc, err := server.Open(ctx, cfg, server.Options{Log: log})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if err := svc.Close(context.Background()); err != nil {
			b.Error(err)
		}
	})
	addr := netip.MustParseAddr("127.0.0.1")
	u, err := svc.Identity.CreateUser(ctx, "", identity.NewUser{Name: "bench", Email: "bench@example.com", Password: "seeding-only-password", Verified: true})
	if err != nil {
		b.Fatal(err)
	}
	tok, err := svc.Authn.IssueSessionToken(ctx, u, addr)
	if err != nil {
		b.Fatal(err)
	}
	p, err := svc.Authn.Authenticate(ctx, tok.Value, addr)
	if err != nil {
		b.Fatal(err)
	}
	r := &benchRegistry{h: server.Handler(svc, cfg, log)}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range benchPackages {
		name := fmt.Sprintf("bench-%04d", i)
		r.names = append(r.names, name)
		for j := range benchVersions {
			body := benchPublishBody(name, fmt.Sprintf("1.%d.0", j), rng)
			if _, err := svc.Registry.Publish(ctx, p, name, body); err != nil {
				b.Fatalf("publishing %s: %v", name, err)
			}
		}
	}
	return r
}

// benchPublishBody is an `npm publish` document with a real tarball.
func benchPublishBody(name, version string, rng *rand.Rand) []byte {
	pj := map[string]any{"name": name, "version": version, "main": "index.js", "license": "MIT",
		"description": "benchmark package", "dependencies": map[string]string{"left-pad": "^1.0.0"}}
	data := make([]byte, benchTarballKB*1024)
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	tgz := npmfixture.Package(pj, map[string]string{"README.md": "# " + name + "\n", "data.bin": string(data)})
	return npmfixture.Publish{Manifest: pj, Tarball: tgz}.Body()
}

// serve runs one request through the handler and checks the status.
func (r *benchRegistry) serve(b *testing.B, req *http.Request, want int) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	r.h.ServeHTTP(rec, req)
	if rec.Code != want {
		b.Fatalf("%s %s: status %d, want %d: %s", req.Method, req.URL, rec.Code, want, rec.Body.String())
	}
	return rec
}

// BenchmarkPackumentGET is GET /<name> in the three forms npm uses: the
// full document, the abbreviated one, and a revalidation that ends in 304.
// Each iteration reads a different package, round-robin.
func BenchmarkPackumentGET(b *testing.B) {
	r := newBenchRegistry(b)
	etags := make([]string, len(r.names))
	for i, name := range r.names {
		req := httptest.NewRequest(http.MethodGet, "/"+name, nil)
		etags[i] = r.serve(b, req, http.StatusOK).Header().Get("ETag")
	}
	cases := []struct {
		name   string
		accept string
		etag   bool
		want   int
	}{
		{"full-gzip", "application/json", false, http.StatusOK},
		{"abbrev-gzip", "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*", false, http.StatusOK},
		{"full-304", "application/json", true, http.StatusNotModified},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			var total int64
			i := 0
			for b.Loop() {
				k := i % len(r.names)
				i++
				req := httptest.NewRequest(http.MethodGet, "/"+r.names[k], nil)
				req.Header.Set("Accept", c.accept)
				req.Header.Set("Accept-Encoding", "gzip")
				if c.etag {
					req.Header.Set("If-None-Match", etags[k])
				}
				total += int64(r.serve(b, req, c.want).Body.Len())
			}
			b.ReportMetric(float64(total)/float64(i), "B/resp")
		})
	}
}

// BenchmarkTarballGET is GET /<name>/-/<name>-<version>.tgz, round-robin
// over every version of every package.
func BenchmarkTarballGET(b *testing.B) {
	r := newBenchRegistry(b)
	var urls []string
	for _, name := range r.names {
		for j := range benchVersions {
			urls = append(urls, fmt.Sprintf("/%s/-/%s-1.%d.0.tgz", name, name, j))
		}
	}
	b.ReportAllocs()
	var total int64
	i := 0
	for b.Loop() {
		req := httptest.NewRequest(http.MethodGet, urls[i%len(urls)], nil)
		i++
		total += int64(r.serve(b, req, http.StatusOK).Body.Len())
	}
	b.SetBytes(total / int64(i))
}
