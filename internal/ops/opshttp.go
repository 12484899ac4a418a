package ops

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/pprof"
	"strings"
	"time"

	"github.com/rampart/rampart/internal/blob"
	"github.com/rampart/rampart/internal/config"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/httperr"
	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/metrics"
	"github.com/rampart/rampart/internal/store"
)

// The operator's endpoints (docs/operations.md): /-/readyz for load
// balancers, /-/metrics for Prometheus and /-/debug/pprof/ for profiles,
// the last two for holders of the [metrics] token only.

// readiness is one probe's findings, a line per check.
type readiness struct {
	ok    bool
	lines []string
}

// ready probes the database, the blob store and the free space, or
// returns the last probe's findings if it is younger than limits.ReadinessReuse.
// Concurrent callers wait for one probe.
func (o *Ops) ready(ctx context.Context, st store.Store, blobs blob.Store) readiness {
	o.readyMu.Lock()
	defer o.readyMu.Unlock()
	if !o.readyAt.IsZero() && time.Since(o.readyAt) < limits.ReadinessReuse {
		return o.readyLast
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	res := readiness{ok: true}
	check := func(name string, err error, okText string) {
		if err != nil {
			res.ok = false
			res.lines = append(res.lines, name+": FAIL: "+err.Error())
			return
		}
		res.lines = append(res.lines, name+": ok"+okText)
	}
	check("database", st.View(ctx, func(tx store.Tx) error {
		_, err := tx.GetMeta("notices.packages")
		if errors.Is(err, core.ErrNotFound) {
			return nil
		}
		return err
	}), "")
	check("blob store", probeBlobs(ctx, blobs), "")
	level, free := o.checkSpace()
	switch level {
	case spaceFull:
		check("free space", fmt.Errorf("%d MiB free in the data folder, below [disk] min_free (%d MiB): writes are refused", free>>20, o.minFree>>20), "")
	case spaceUnknown:
		res.lines = append(res.lines, "free space: unknown on this system")
	default:
		check("free space", nil, fmt.Sprintf(" (%d MiB free, min_free %d MiB)", free>>20, o.minFree>>20))
	}
	o.readyAt, o.readyLast = time.Now(), res
	return res
}

// probeBlobs writes a blob of fresh random bytes (so that Put really
// writes, not finds it there), reads it back and deletes it.
func probeBlobs(ctx context.Context, blobs blob.Store) error {
	data := make([]byte, 64)
	rand.Read(data)
	data = append([]byte("rampart readiness probe "), data...)
	d := blob.DigestOf(data)
	if err := blobs.Put(ctx, d, bytes.NewReader(data)); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	defer blobs.Delete(context.WithoutCancel(ctx), d)
	rc, _, err := blobs.Open(ctx, d)
	if err != nil {
		return fmt.Errorf("read: %w", err)
	}
	defer rc.Close()
	got, err := io.ReadAll(io.LimitReader(rc, int64(len(data))+1))
	if err != nil {
		return fmt.Errorf("read: %w", err)
	}
	if !bytes.Equal(got, data) {
		return errors.New("read back other bytes than were written")
	}
	if err := blobs.Delete(ctx, d); err != nil {
		return fmt.Errorf("delete: %w", err)
	}
	return nil
}

// serveReady answers /-/readyz: 200 and a line per check when the
// registry can serve and store, 503 and what failed otherwise.
func (o *Ops) serveReady(st store.Store, blobs blob.Store, log *slog.Logger) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		res := o.ready(r.Context(), st, blobs)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		if !res.ok {
			log.WarnContext(r.Context(), "not ready", "checks", strings.Join(res.lines, "; "))
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		fmt.Fprintln(w, strings.Join(res.lines, "\n"))
	}
}

// opsAuth lets through only a request bearing the operator's [metrics]
// token, compared by hash in constant time; the token is never logged
// (the access log writes no header).
type opsAuth struct {
	hash [sha256.Size]byte
	set  bool
	log  *slog.Logger
}

func newOpsAuth(cfg config.Config, log *slog.Logger) opsAuth {
	a := opsAuth{log: log}
	if tok := string(cfg.Metrics.Token); tok != "" {
		a.hash, a.set = sha256.Sum256([]byte(tok)), true
	}
	return a
}

func (a opsAuth) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !a.set {
			httperr.WriteJSON(w, r, a.log, core.Errorf(core.KindForbidden, "metrics and profiling are off on this registry: the operator turns them on with [metrics] token_file (docs/operations.md)"))
			return
		}
		scheme, value, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		sum := sha256.Sum256([]byte(strings.TrimSpace(value)))
		if !strings.EqualFold(scheme, "bearer") || subtle.ConstantTimeCompare(sum[:], a.hash[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="rampart operator"`)
			httperr.WriteJSON(w, r, a.log, core.Errorf(core.KindUnauthenticated, "send the operator's token from [metrics] token_file as Authorization: Bearer <token>"))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// serveMetrics writes the registry in Prometheus's text format.
func serveMetrics(reg *metrics.Registry) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", metrics.ContentType)
		w.Header().Set("Cache-Control", "no-store")
		reg.WriteText(w)
	}
}

// pprofPrefix is where profiles are served: under /-/, the registry's own
// namespace, so that no package name can collide with it.
const pprofPrefix = "/-/debug/pprof/"

// pprofHandler serves net/http/pprof under pprofPrefix (its handlers
// expect /debug/pprof/, hence the stripped "/-").
func pprofHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return http.StripPrefix("/-", mux)
}

// Mount adds the operator's endpoints to mux: readiness of st and blobs,
// and the metrics and profiles behind cfg's [metrics] token.
func Mount(mux *http.ServeMux, ops *Ops, st store.Store, blobs blob.Store, cfg config.Config, log *slog.Logger) {
	auth := newOpsAuth(cfg, log)
	mux.Handle("GET /-/readyz", ops.serveReady(st, blobs, log))
	mux.Handle("GET /-/metrics", auth.wrap(serveMetrics(ops.Metrics)))
	if cfg.Profiling.Enabled {
		mux.Handle(pprofPrefix, auth.wrap(pprofHandler()))
	} else {
		mux.Handle(pprofPrefix, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			httperr.WriteJSON(w, r, log, core.Errorf(core.KindNotFound, "profiling is off on this registry ([profiling] enabled, docs/operations.md)"))
		}))
	}
}
