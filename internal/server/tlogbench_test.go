package server_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/config"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/identity"
	"github.com/rampart/rampart/internal/npmfixture"
	"github.com/rampart/rampart/internal/server"
	"github.com/rampart/rampart/internal/store"
)

// benchLogEvents is how many events the private package of
// BenchmarkLogLookupHidden has in the log (dist-tag moves, sealed).
const benchLogEvents = 500

// newBenchLog opens a registry with a restricted package @bench/secret
// (published restricted, then benchLogEvents more events, every leaf
// sealed) in its transparency log, and returns the whole server
// handler and the services.
func newBenchLog(b *testing.B) (http.Handler, *server.Services) {
	b.Helper()
	ctx := context.Background()
	cfg := config.Default()
	cfg.Data = b.TempDir()
	cfg.PublicURL = "http://registry.test/"
	cfg.InsecureFastPasswordHashing = true
	cfg.EmailDomains.Check = false
	cfg.MFA.InsecureMaintainersWithoutMFA = true
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
	const name = "@bench/secret"
	pj := map[string]any{"name": name, "version": "1.0.0", "main": "index.js", "license": "MIT"}
	body := npmfixture.Publish{Manifest: pj, Tarball: npmfixture.Package(pj, nil), Access: "restricted"}.Body()
	if _, err := svc.Registry.Publish(ctx, p, name, body); err != nil {
		b.Fatal(err)
	}
	at := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	err = svc.Store.Update(ctx, func(tx store.Tx) error {
		for i := range benchLogEvents {
			if err := tx.AppendEvent(event.DistTagSet{Tag: fmt.Sprintf("t%d", i)}.At(at, "bench", name, "1.0.0")); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	if err := svc.TLog.Sync(ctx); err != nil {
		b.Fatal(err)
	}
	var newest int64
	_ = svc.Store.View(ctx, func(tx store.Tx) error {
		evs, err := tx.EventsFor(name, 1)
		if len(evs) > 0 {
			newest = evs[0].Seq
		}
		return err
	})
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
		if _, cp, err := svc.TLog.Checkpoint(ctx); err == nil && int64(cp.Size) >= newest {
			break
		}
		if time.Now().After(deadline) {
			b.Fatal("no checkpoint covers the events")
		}
	}
	// The reader who may read it sees every leaf, opened: the setup is
	// what the benchmark says it is.
	found, _, err := svc.TLog.LookupFor(ctx, svc.Registry.ReadableBy, p, name, "1.0.0")
	if err != nil || len(found) < benchLogEvents || found[len(found)-1].Opening == nil {
		b.Fatalf("the owner's lookup found %d leaves (err %v), want at least %d sealed ones", len(found), err, benchLogEvents)
	}
	return server.Handler(svc, cfg, log), svc
}

// BenchmarkLogLookupHidden: an anonymous lookup in the transparency log
// of a private package's version and of a name never logged both answer
// 404 with the same body (logapi); their times must not tell them apart
// either. "handler" is the whole request through server.Handler, "log"
// the log's part alone (tlog.LookupFor with the registry's read
// decision).
//
//	go test -run '^$' -bench LogLookupHidden ./internal/server/
func BenchmarkLogLookupHidden(b *testing.B) {
	h, svc := newBenchLog(b)
	for _, c := range []struct{ what, name string }{{"private", "@bench/secret"}, {"missing", "@bench/nothing"}} {
		b.Run("handler/"+c.what, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, "/-/log/lookup/"+c.name+"@1.0.0", nil)
			for b.Loop() {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusNotFound {
					b.Fatalf("status %d, want 404", rec.Code)
				}
			}
		})
		b.Run("check/"+c.what, func(b *testing.B) {
			for b.Loop() {
				if readable, _, err := svc.Registry.ReadableBy(context.Background(), authz.Principal{}, c.name); err != nil || readable {
					b.Fatalf("readable %v, %v; want not", readable, err)
				}
			}
		})
		b.Run("log/"+c.what, func(b *testing.B) {
			for b.Loop() {
				found, _, err := svc.TLog.LookupFor(context.Background(), svc.Registry.ReadableBy, authz.Principal{}, c.name, "1.0.0")
				if err != nil || len(found) != 0 {
					b.Fatalf("found %d, %v; want nothing", len(found), err)
				}
			}
		})
	}
}
