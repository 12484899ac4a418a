package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/rampart/rampart/internal/config"
	"github.com/rampart/rampart/internal/identity"
	"github.com/rampart/rampart/internal/npmfixture"
	"github.com/rampart/rampart/internal/server"
)

// newBench304 opens a registry in a temporary folder, publishes one
// package and returns the whole server handler (deadlines, access log,
// client address, routing, npm front-end) with the package's name and the
// ETag of its full document.
func newBench304(b *testing.B) (h http.Handler, name, etag string) {
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
	name = "bench-304"
	pj := map[string]any{"name": name, "version": "1.0.0", "main": "index.js", "license": "MIT"}
	body := npmfixture.Publish{Manifest: pj, Tarball: npmfixture.Package(pj, nil)}.Body()
	if _, err := svc.Registry.Publish(ctx, p, name, body); err != nil {
		b.Fatal(err)
	}
	h = server.Handler(svc, cfg, log)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, bench304Request(name, ""))
	if rec.Code != http.StatusOK || rec.Header().Get("ETag") == "" {
		b.Fatalf("GET /%s: status %d, ETag %q", name, rec.Code, rec.Header().Get("ETag"))
	}
	return h, name, rec.Header().Get("ETag")
}

// bench304Request is the revalidation npm sends for a cached packument.
func bench304Request(name, etag string) *http.Request {
	req := httptest.NewRequest(http.MethodGet, "/"+name, nil)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Accept-Encoding", "gzip, deflate, br")
	req.Header.Set("User-Agent", "npm/11.0.0 node/v24.0.0 linux x64 workspaces/false")
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	return req
}

// BenchmarkRevalidate304 is a packument revalidation answered 304, the
// cheapest request npm sends, through server.Handler: "handler" calls it
// directly with one request value (so the allocations reported are the
// server's own: middleware, routing, front-end), "loopback" over a
// keep-alive TCP connection to a net/http server (net/http's and the
// client's work included, and the connection deadlines that a recorder
// does not support).
//
//	go test -run '^$' -bench Revalidate304 -benchmem ./internal/server/
func BenchmarkRevalidate304(b *testing.B) {
	h, name, etag := newBench304(b)
	b.Run("handler", func(b *testing.B) {
		req := bench304Request(name, etag)
		b.ReportAllocs()
		for b.Loop() {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusNotModified {
				b.Fatalf("status %d, want 304", rec.Code)
			}
		}
	})
	b.Run("loopback", func(b *testing.B) {
		srv := httptest.NewServer(h)
		defer srv.Close()
		client := srv.Client()
		req, err := http.NewRequest(http.MethodGet, srv.URL+"/"+name, nil)
		if err != nil {
			b.Fatal(err)
		}
		req.Header = bench304Request(name, etag).Header
		b.ReportAllocs()
		for b.Loop() {
			resp, err := client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusNotModified {
				b.Fatalf("status %d, want 304", resp.StatusCode)
			}
		}
	})
}
