package ops

import (
	"encoding/hex"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rampart/rampart/internal/clientaddr"
	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/redact"
)

// observe is the outermost layer of every request (inside the deadlines):
// it gives the request an id (X-Request-Id, echoed or made), counts it in
// the metrics by route pattern and status, and writes the access log line
// with the client's address, the user, the bytes sent, the status, the
// duration and the id. It never logs a header or a query secret (redact).
// The front-ends say which route matched and who asked through the
// writer (internal/reqinfo), so no copy of the request is made.
func Observe(next http.Handler, ops *Ops, addrs *clientaddr.Resolver, logRequests bool, log *slog.Logger) http.Handler {
	level := slog.LevelDebug
	if logRequests {
		level = slog.LevelInfo
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := requestID(r.Header.Get("X-Request-Id"))
		w.Header().Set("X-Request-Id", id)
		ow := &obsWriter{ResponseWriter: w, method: r.Method}
		ops.inflight.add(ow)
		defer ops.inflight.remove(ow)
		next.ServeHTTP(ow, r)
		took := time.Since(start)
		status := ow.status
		if status == 0 {
			status = http.StatusOK // a handler that wrote nothing
		}
		route := ow.routeLabel(r)
		ops.requests.Inc(r.Method, route, codeLabel(status))
		ops.latency.Observe(took.Seconds(), r.Method, route)
		// The attributes cost allocations (the redacted URL): only for a
		// logger that keeps the line.
		if !log.Enabled(r.Context(), level) {
			return
		}
		log.LogAttrs(r.Context(), level, "request",
			slog.String("id", id), slog.String("addr", addrs.Resolve(r).String()), slog.String("user", ow.user),
			slog.String("method", r.Method), slog.String("route", route), slog.String("path", redact.URL(r.URL)),
			slog.Int("status", status), slog.Int64("bytes", ow.bytes), slog.Duration("took", took),
			slog.String("npm_command", redact.Cut(r.Header.Get("npm-command"))))
	})
}

// requestID keeps a client's (or a proxy's) request id if it is short
// and plain (letters, digits, "-", "_", ".", ":"), so it can go into logs
// and headers as it is; otherwise it makes a new one of 16 hex digits.
func requestID(given string) string {
	if n := len(given); n > 0 && n <= limits.MaxRequestIDBytes && !strings.ContainsFunc(given, func(c rune) bool {
		return !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == ':')
	}) {
		return given
	}
	var b [8]byte
	for i := range b {
		b[i] = byte(rand.Uint32()) // an id to correlate lines, not a secret
	}
	return hex.EncodeToString(b[:])
}

var codeLabels = func() (out [600]string) {
	for i := 100; i < 600; i++ {
		out[i] = strconv.Itoa(i)
	}
	return
}()

func codeLabel(code int) string {
	if code >= 100 && code < 600 {
		return codeLabels[code]
	}
	return strconv.Itoa(code)
}

// obsWriter keeps the status and the bytes of an answer, and what the
// front-end recorded (reqinfo.Recorder).
type obsWriter struct {
	http.ResponseWriter
	method string
	status int
	bytes  int64
	mu     sync.Mutex // route and user, read by a shutdown that lists requests in flight
	route  string
	user   string
}

func (w *obsWriter) RecordRoute(p string) { w.mu.Lock(); w.route = p; w.mu.Unlock() }
func (w *obsWriter) RecordUser(n string)  { w.mu.Lock(); w.user = n; w.mu.Unlock() }

// routeLabel is the route pattern for the metrics: the front-end's, else
// the mux's (which sets r.Pattern in place), without its method; "/"
// stands for the catch-all (web pages, unknown paths).
func (w *obsWriter) routeLabel(r *http.Request) string {
	w.mu.Lock()
	route := w.route
	w.mu.Unlock()
	if route != "" {
		return route
	}
	if _, path, ok := strings.Cut(r.Pattern, " "); ok {
		return path
	}
	if r.Pattern != "" {
		return r.Pattern
	}
	return "/"
}

func (w *obsWriter) WriteHeader(code int) {
	// Informational answers (103, 100) are not the status.
	if w.status == 0 && code >= 200 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *obsWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

func (w *obsWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// ReadFrom keeps the server's sendfile path for tarballs: io.Copy in
// http.ServeContent uses it instead of copying through a buffer.
func (w *obsWriter) ReadFrom(r io.Reader) (int64, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	var n int64
	var err error
	if rf, ok := w.ResponseWriter.(io.ReaderFrom); ok {
		n, err = rf.ReadFrom(r)
	} else {
		n, err = io.Copy(w.ResponseWriter, r)
	}
	w.bytes += n
	return n, err
}

// inflight is the set of requests being answered, for the metrics and
// for the shutdown's account of what it cut.
type inflight struct {
	mu  sync.Mutex
	set map[*obsWriter]struct{}
}

func (f *inflight) add(w *obsWriter) {
	f.mu.Lock()
	if f.set == nil {
		f.set = map[*obsWriter]struct{}{}
	}
	f.set[w] = struct{}{}
	f.mu.Unlock()
}

func (f *inflight) remove(w *obsWriter) {
	f.mu.Lock()
	delete(f.set, w)
	f.mu.Unlock()
}

func (f *inflight) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.set)
}

// describe lists the requests in flight as "METHOD route (user)", sorted.
func (f *inflight) describe() []string {
	f.mu.Lock()
	out := make([]string, 0, len(f.set))
	for w := range f.set {
		w.mu.Lock()
		d := w.method + " " + w.route
		if w.route == "" {
			d = w.method + " (a web page or an unknown path)"
		}
		if w.user != "" {
			d += " by " + w.user
		}
		w.mu.Unlock()
		out = append(out, d)
	}
	f.mu.Unlock()
	slices.Sort(out)
	return out
}

// InFlight is the number of requests being answered now, for the
// shutdown's log.
func (o *Ops) InFlight() int { return o.inflight.count() }

// InFlightRequests describes the requests being answered now (method,
// route, age), for the shutdown's log of what it cut.
func (o *Ops) InFlightRequests() []string { return o.inflight.describe() }
