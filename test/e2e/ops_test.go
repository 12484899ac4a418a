package e2e

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	dto "github.com/prometheus/client_model/go"

	"github.com/rampart/rampart/internal/testserver"
)

// What an operator runs the registry by (docs/operations.md): metrics,
// readiness, logs, profiling, a full disk, shutdown.

const opsToken = "0123456789abcdef0123456789abcdef-operator"

// opsServer starts a registry with the operator's token in a file and
// extra TOML.
func opsServer(t *testing.T, extra string, env ...string) *testserver.Server {
	t.Helper()
	tokFile := filepath.Join(t.TempDir(), "metrics.token")
	write(t, tokFile, []byte(opsToken+"\n"))
	return testserver.Start(t, testserver.Options{SMTP: true, Env: env,
		Config: "[metrics]\ntoken_file = " + jsString(tokFile) + "\n" + extra})
}

// get does a GET with optional headers and returns the answer's status,
// headers and body.
func get(t *testing.T, url string, headers map[string]string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := (&http.Client{Timeout: 60 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// scrape reads /-/metrics with the operator's token and parses it with
// Prometheus's own parser.
func scrape(t *testing.T, s *testserver.Server) map[string]*dto.MetricFamily {
	t.Helper()
	code, h, body := get(t, s.URL+"-/metrics", map[string]string{"Authorization": "Bearer " + opsToken})
	if code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/plain; version=0.0.4") {
		t.Fatalf("/-/metrics: %d %s\n%s", code, h.Get("Content-Type"), body)
	}
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("Prometheus cannot parse /-/metrics: %v\n%s", err, body)
	}
	return fams
}

// sample is the value of the series of name whose labels include want.
func sample(fams map[string]*dto.MetricFamily, name string, want map[string]string) (float64, bool) {
	f := fams[name]
	if f == nil {
		return 0, false
	}
next:
	for _, m := range f.GetMetric() {
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if have[k] != v {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.GetCounter().GetValue(), true
		case m.Gauge != nil:
			return m.GetGauge().GetValue(), true
		case m.Histogram != nil:
			return float64(m.GetHistogram().GetSampleCount()), true
		}
	}
	return 0, false
}

// TestMetricsAfterPublishAndInstall: after a real npm publish and install,
// Prometheus reads /-/metrics (only with the operator's token) and the
// counts moved: requests by route pattern (never the package's name),
// latencies, publishes, free space, the notifiers' lag. The JSON access
// log has one parseable line per request with the client's address, the
// user, the status, the bytes and the request id, and no secret.
func TestMetricsAfterPublishAndInstall(t *testing.T) {
	t.Parallel()
	s := opsServer(t, "[log]\nformat = \"json\"\n")
	if code, h, body := get(t, s.URL+"-/metrics", nil); code != 401 || !strings.Contains(body, "token_file") || h.Get("WWW-Authenticate") == "" {
		t.Fatalf("/-/metrics without the token: %d %s", code, body)
	}
	if code, _, body := get(t, s.URL+"-/metrics", map[string]string{"Authorization": "Bearer " + strings.Repeat("x", len(opsToken))}); code != 401 {
		t.Fatalf("/-/metrics with a wrong token: %d %s", code, body)
	}
	before := scrape(t, s)
	if n, _ := sample(before, "rampart_publishes_total", nil); n != 0 {
		t.Fatalf("publishes before any: %v", n)
	}

	alice := signup(t, s, "alice", alicePW)
	publish(t, alice, pkg{Name: "ops-metrics-demo", Version: "1.0.0"})
	user := anon(t, s)
	user.MustRun(project(t), "install", "ops-metrics-demo")

	fams := scrape(t, s)
	if n, ok := sample(fams, "rampart_publishes_total", nil); !ok || n != 1 {
		t.Fatalf("rampart_publishes_total = %v (%v), want 1", n, ok)
	}
	if n, ok := sample(fams, "rampart_events_total", map[string]string{"type": "package.publish"}); !ok || n != 1 {
		t.Fatalf("package.publish events = %v", n)
	}
	for _, c := range []map[string]string{
		{"method": "PUT", "route": "/{pkg}", "code": "201"},
		{"method": "GET", "route": "/{pkg}", "code": "200"},
		{"method": "GET", "route": "/{pkg}/-/{file}", "code": "200"},
	} {
		if n, ok := sample(fams, "rampart_http_requests_total", c); !ok || n < 1 {
			t.Errorf("rampart_http_requests_total%v = %v, want at least 1", c, n)
		}
	}
	if n, ok := sample(fams, "rampart_http_request_duration_seconds", map[string]string{"method": "PUT", "route": "/{pkg}"}); !ok || n < 1 {
		t.Errorf("no latency recorded for the publish: %v", n)
	}
	for _, m := range fams["rampart_http_requests_total"].GetMetric() {
		for _, l := range m.GetLabel() {
			if strings.Contains(l.GetValue(), "ops-metrics-demo") {
				t.Fatalf("a raw path is a label (unbounded cardinality): %v", m)
			}
		}
	}
	if n, ok := sample(fams, "rampart_data_free_bytes", nil); !ok || n <= 0 {
		t.Errorf("rampart_data_free_bytes = %v", n)
	}
	if _, ok := sample(fams, "rampart_outbox_lag_seconds", map[string]string{"notifier": "notices.packages"}); !ok {
		t.Errorf("no outbox lag for the package notices")
	}
	for _, name := range []string{"notices.packages", "notices.accounts", "notices.reports"} {
		if _, ok := sample(fams, "rampart_notifier_lag_events", map[string]string{"notifier": name}); !ok {
			t.Errorf("no lag in events for the notifier %s", name)
		}
	}
	if n, ok := sample(fams, "rampart_store_errors_total", map[string]string{"op": "update"}); !ok || n != 0 {
		t.Errorf("store errors (update) = %v, %v: want a series at 0", n, ok)
	}

	// The request id: a plain one is echoed, anything else replaced.
	_, h, _ := get(t, s.URL+"-/ping", map[string]string{"X-Request-Id": "lb-7f3a:42"})
	if h.Get("X-Request-Id") != "lb-7f3a:42" {
		t.Fatalf("X-Request-Id echoed as %q", h.Get("X-Request-Id"))
	}
	_, h, _ = get(t, s.URL+"-/ping", map[string]string{"X-Request-Id": "evil\" id=forged " + strings.Repeat("x", 100)})
	if got := h.Get("X-Request-Id"); len(got) != 16 || strings.ContainsAny(got, "\" =") {
		t.Fatalf("a hostile X-Request-Id came back as %q", got)
	}

	// Profiling is off by default, whoever asks.
	if code, _, body := get(t, s.URL+"-/debug/pprof/", map[string]string{"Authorization": "Bearer " + opsToken}); code != 404 || !strings.Contains(body, "profiling is off") {
		t.Fatalf("pprof while off: %d %s", code, body)
	}

	// The JSON log: every line parses; the publish's line has what an
	// operator needs; no token is in it.
	var publishLine, pingLine map[string]any
	sc := bufio.NewScanner(strings.NewReader(s.Log()))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "{") {
			continue // the start-up banner on stdout
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("a log line is not JSON: %v\n%s", err, line)
		}
		if m["msg"] != "request" {
			continue
		}
		if m["method"] == "PUT" && m["route"] == "/{pkg}" {
			publishLine = m
		}
		if m["id"] == "lb-7f3a:42" {
			pingLine = m
		}
	}
	if publishLine == nil || pingLine == nil {
		t.Fatalf("no request line for the publish (%v) or the ping (%v)\n%s", publishLine, pingLine, s.Log())
	}
	if publishLine["user"] != "alice" || publishLine["addr"] != "127.0.0.1" || publishLine["status"] != float64(201) ||
		publishLine["path"] != "/ops-metrics-demo" || len(publishLine["id"].(string)) == 0 {
		t.Fatalf("publish log line: %v", publishLine)
	}
	if b, _ := pingLine["bytes"].(float64); b <= 0 {
		t.Fatalf("ping log line has no bytes: %v", pingLine)
	}
	if strings.Contains(s.Log(), opsToken) || strings.Contains(s.Log(), alice.Token()) {
		t.Fatalf("a token is in the log:\n%s", s.Log())
	}
}

// TestProfilingNeedsTheOperatorToken: with profiling on, /-/debug/pprof/
// answers the operator's token and nobody else, signed in or not.
func TestProfilingNeedsTheOperatorToken(t *testing.T) {
	t.Parallel()
	s := opsServer(t, "[profiling]\nenabled = true\n")
	alice := signup(t, s, "alice", alicePW)
	for name, h := range map[string]map[string]string{
		"anonymous":      nil,
		"a user's token": {"Authorization": "Bearer " + alice.Token()},
	} {
		if code, _, body := get(t, s.URL+"-/debug/pprof/", h); code != 401 {
			t.Fatalf("pprof for %s: %d %s", name, code, body)
		}
	}
	code, _, body := get(t, s.URL+"-/debug/pprof/", map[string]string{"Authorization": "Bearer " + opsToken})
	if code != 200 || !strings.Contains(body, "goroutine") {
		t.Fatalf("pprof index with the token: %d\n%s", code, body)
	}
	code, _, body = get(t, s.URL+"-/debug/pprof/goroutine?debug=1", map[string]string{"Authorization": "Bearer " + opsToken})
	if code != 200 || !strings.Contains(body, "goroutine profile") {
		t.Fatalf("goroutine profile: %d\n%.300s", code, body)
	}
}

// TestReadinessAndAFullDisk: /-/readyz is green; the disk fills (the test
// build reads its free space from a file) past [disk] warn_free, and the
// log warns while writes still work; past min_free, readiness is red and
// npm publish prints "registry out of space" (507), not a generic error;
// with room again it is green. A broken blob store turns it red too,
// while /-/healthz (liveness) stays green.
func TestReadinessAndAFullDisk(t *testing.T) {
	t.Parallel()
	freeFile := filepath.Join(t.TempDir(), "free")
	setFree := func(n string) { write(t, freeFile, []byte(n)) }
	setFree("100000000000")
	s := opsServer(t, "[disk]\nmin_free = \"1GiB\"\nwarn_free = \"2GiB\"\n", "RAMPART_TEST_FREE_BYTES_FILE="+freeFile)
	ready := func() (int, string) {
		code, _, body := get(t, s.URL+"-/readyz", nil)
		return code, body
	}
	// waitReady polls until readiness answers want: an answer is reused
	// for a second (readinessTTL), so a change shows within about that.
	waitReady := func(want int) string {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			code, body := ready()
			if code == want {
				return body
			}
			if time.Now().After(deadline) {
				t.Fatalf("/-/readyz stayed %d, want %d:\n%s", code, want, body)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	body := waitReady(200)
	mustContain(t, body, "database: ok", "blob store: ok", "free space: ok")

	alice := signup(t, s, "alice", alicePW)
	setFree("1500000000") // 1.4 GiB: below warn_free, above min_free
	// A readiness answer is reused for a second: probe until a fresh one
	// has read the free space and warned.
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(s.Log(), "disk is filling up"); time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no warning that the disk is filling up:\n%s", s.Log())
		}
		if code, body := ready(); code != 200 {
			t.Fatalf("/-/readyz below warn_free: %d\n%s", code, body)
		}
	}
	publish(t, alice, pkg{Name: "before-full", Version: "1.0.0"})

	setFree("0")
	body = waitReady(503)
	mustContain(t, body, "free space: FAIL", "below [disk] min_free")
	r := alice.Run(writePkg(t, pkg{Name: "after-full", Version: "1.0.0"}), "publish")
	mustFail(t, r, "507", "registry out of space")
	mustNotContain(t, r.Output(), "Internal Server Error")
	if code, _, _ := get(t, s.URL+"-/healthz", nil); code != 200 {
		t.Fatalf("healthz (liveness) went red with the disk: %d", code)
	}
	// Reads go on.
	anon(t, s).MustRun(project(t), "install", "before-full")

	setFree("100000000000")
	waitReady(200)
	publish(t, alice, pkg{Name: "after-full", Version: "1.0.0"})
	if !logShows(s, "has room again") {
		t.Fatalf("no log line that the disk has room again:\n%s", s.Log())
	}

	// The blob store breaks: the folder it writes new blobs in is
	// replaced by a file (a real write failure; root is not stopped by
	// permissions).
	tmp := filepath.Join(s.Data, "blobs", "tmp")
	if err := os.Rename(tmp, tmp+".moved"); err != nil {
		t.Fatal(err)
	}
	write(t, tmp, []byte("not a folder"))
	body = waitReady(503)
	mustContain(t, body, "blob store: FAIL", "database: ok")
	os.Remove(tmp)
	if err := os.Rename(tmp+".moved", tmp); err != nil {
		t.Fatal(err)
	}
	waitReady(200)
}

// slowDownload publishes a package too big to fit in the socket buffers
// and starts downloading it without reading: a client that stalled. It
// returns once the server has sent the answer's headers.
func slowDownload(t *testing.T, s *testserver.Server) {
	t.Helper()
	alice := signup(t, s, "alice", alicePW)
	publish(t, alice, pkg{Name: "huge-file", Version: "1.0.0", Files: map[string][]byte{"data.bin": randomBytes(t, 24<<20)}})
	resp, err := http.Get(s.URL + "huge-file/-/huge-file-1.0.0.tgz")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != 200 {
		t.Fatalf("download: %d", resp.StatusCode)
	}
}

// TestShutdownCutsASlowDownload: SIGTERM while a download is stuck; after
// [shutdown] drain the server cuts it, says so in the log, and exits 0.
func TestShutdownCutsASlowDownload(t *testing.T) {
	t.Parallel()
	s := opsServer(t, "[shutdown]\ndrain = \"2s\"\n")
	slowDownload(t, s)
	s.Signal(t, syscall.SIGTERM)
	if code := s.WaitExit(t, 60*time.Second); code != 0 {
		t.Fatalf("exit status %d after a drain that cut a download, want 0\n%s", code, s.Log())
	}
	mustContain(t, s.Log(), "requests still running after the drain were cut", "GET /{pkg}/-/{file}")
}

// TestSecondSignalStopsAtOnce: a second SIGTERM during a long drain stops
// the server at once instead of waiting the drain out.
func TestSecondSignalStopsAtOnce(t *testing.T) {
	t.Parallel()
	s := opsServer(t, "[shutdown]\ndrain = \"10m\"\n")
	slowDownload(t, s)
	s.Signal(t, syscall.SIGTERM)
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(s.Log(), "send the signal again to stop at once") {
		if time.Now().After(deadline) {
			t.Fatalf("no word of the first signal:\n%s", s.Log())
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.Signal(t, syscall.SIGTERM)
	if code := s.WaitExit(t, 30*time.Second); code != 1 {
		t.Fatalf("exit status %d after a second signal, want 1", code)
	}
	mustContain(t, s.Log(), "second signal")
}
