package main

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"sync"
	"time"
)

// The request headers npm sends for the two packument forms.
const (
	acceptFull   = "application/json"
	acceptAbbrev = "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*"
)

// corpus is what the scenarios read: per package, its URL, the ETag of
// its full document and the URLs of its tarballs.
type corpus struct {
	names    []string
	docURLs  []string
	etags    []string
	tarballs [][]string

	fullBytes, fullGzBytes, abbrevGzBytes, tarballBytes, tarballCount int64
}

// corpusSummary gives the average sizes of what the scenarios transfer.
type corpusSummary struct {
	Packages          int `json:"packages"`
	Tarballs          int `json:"tarballs"`
	AvgFullBytes      int `json:"avg_full_packument_bytes"`
	AvgFullGzipBytes  int `json:"avg_full_packument_gzip_bytes"`
	AvgAbbrevGzBytes  int `json:"avg_abbreviated_packument_gzip_bytes"`
	AvgTarballBytes   int `json:"avg_tarball_bytes"`
	TarballsPerPkgMax int `json:"max_tarballs_per_package"`
}

func (c *corpus) summary() corpusSummary {
	n := int64(len(c.names))
	s := corpusSummary{
		Packages: len(c.names), Tarballs: int(c.tarballCount),
		AvgFullBytes: int(c.fullBytes / n), AvgFullGzipBytes: int(c.fullGzBytes / n), AvgAbbrevGzBytes: int(c.abbrevGzBytes / n),
	}
	if c.tarballCount > 0 {
		s.AvgTarballBytes = int(c.tarballBytes / c.tarballCount)
	}
	for _, t := range c.tarballs {
		s.TarballsPerPkgMax = max(s.TarballsPerPkgMax, len(t))
	}
	return s
}

// discover reads every package's full and abbreviated document and every
// tarball once: it learns the ETags and tarball URLs the scenarios need,
// checks that everything is readable, and warms the server's caches.
func discover(ctx context.Context, client *http.Client, base string, names []string) (*corpus, error) {
	baseURL, err := url.Parse(base)
	if err != nil {
		return nil, err
	}
	c := &corpus{names: names}
	for _, name := range names {
		doc := base + url.PathEscape(name)
		full, hdr, err := get(ctx, client, doc, map[string]string{"Accept": acceptFull, "Accept-Encoding": "gzip"})
		if err != nil {
			return nil, err
		}
		etag := hdr.Get("ETag")
		if etag == "" {
			return nil, fmt.Errorf("GET %s: no ETag", doc)
		}
		c.fullGzBytes += int64(len(full))
		if hdr.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(bytes.NewReader(full))
			if err != nil {
				return nil, fmt.Errorf("GET %s: %w", doc, err)
			}
			if full, err = io.ReadAll(zr); err != nil {
				return nil, fmt.Errorf("GET %s: %w", doc, err)
			}
		}
		c.fullBytes += int64(len(full))
		var packument struct {
			Versions map[string]struct {
				Dist struct {
					Tarball string `json:"tarball"`
				} `json:"dist"`
			} `json:"versions"`
		}
		if err := json.Unmarshal(full, &packument); err != nil {
			return nil, fmt.Errorf("GET %s: %w", doc, err)
		}
		var tbs []string
		for _, v := range packument.Versions {
			u, err := url.Parse(v.Dist.Tarball)
			if err != nil || v.Dist.Tarball == "" {
				return nil, fmt.Errorf("GET %s: bad tarball URL %q", doc, v.Dist.Tarball)
			}
			// Read from where we were pointed, whatever public URL the
			// registry advertises.
			u.Scheme, u.Host = baseURL.Scheme, baseURL.Host
			tbs = append(tbs, u.String())
		}
		if len(tbs) == 0 {
			return nil, fmt.Errorf("GET %s: the package has no versions", doc)
		}
		slices.Sort(tbs) // map order is random; keep choices reproducible
		abbrev, _, err := get(ctx, client, doc, map[string]string{"Accept": acceptAbbrev, "Accept-Encoding": "gzip"})
		if err != nil {
			return nil, err
		}
		c.abbrevGzBytes += int64(len(abbrev))
		for _, tb := range tbs {
			body, _, err := get(ctx, client, tb, nil)
			if err != nil {
				return nil, err
			}
			c.tarballBytes += int64(len(body))
			c.tarballCount++
		}
		c.docURLs = append(c.docURLs, doc)
		c.etags = append(c.etags, etag)
		c.tarballs = append(c.tarballs, tbs)
	}
	return c, nil
}

// get reads a URL that must answer 200.
func get(ctx context.Context, client *http.Client, u string, hdr map[string]string) ([]byte, http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, nil, err
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, nil, fmt.Errorf("GET %s: %w", u, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, nil, fmt.Errorf("GET %s: status %d: %.300s", u, resp.StatusCode, b)
	}
	return b, resp.Header, nil
}

// scenario is one kind of request, made over and over.
type scenario struct {
	name string
	want int // the expected status
	// request builds the next request, choosing with rng.
	request func(ctx context.Context, rng *rand.Rand) *http.Request
}

func scenarios(c *corpus) []scenario {
	n := len(c.names)
	newReq := func(ctx context.Context, u string) *http.Request {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			panic(err) // the URLs were requested successfully in discover
		}
		req.Header.Set("User-Agent", "rampart-bench")
		return req
	}
	return []scenario{
		{name: "packument-full", want: http.StatusOK, request: func(ctx context.Context, rng *rand.Rand) *http.Request {
			req := newReq(ctx, c.docURLs[rng.IntN(n)])
			req.Header.Set("Accept", acceptFull)
			req.Header.Set("Accept-Encoding", "gzip")
			return req
		}},
		{name: "packument-abbrev", want: http.StatusOK, request: func(ctx context.Context, rng *rand.Rand) *http.Request {
			req := newReq(ctx, c.docURLs[rng.IntN(n)])
			req.Header.Set("Accept", acceptAbbrev)
			req.Header.Set("Accept-Encoding", "gzip")
			return req
		}},
		{name: "packument-304", want: http.StatusNotModified, request: func(ctx context.Context, rng *rand.Rand) *http.Request {
			i := rng.IntN(n)
			req := newReq(ctx, c.docURLs[i])
			req.Header.Set("Accept", acceptFull)
			req.Header.Set("Accept-Encoding", "gzip")
			req.Header.Set("If-None-Match", c.etags[i])
			return req
		}},
		{name: "tarball", want: http.StatusOK, request: func(ctx context.Context, rng *rand.Rand) *http.Request {
			tbs := c.tarballs[rng.IntN(n)]
			return newReq(ctx, tbs[rng.IntN(len(tbs))])
		}},
	}
}

// result is one scenario's measurement. Latencies are of successful
// requests, from sending the request to having read the whole body.
type result struct {
	Scenario  string  `json:"scenario"`
	Requests  int64   `json:"requests"` // completed, errors included
	Errors    int64   `json:"errors"`
	Seconds   float64 `json:"seconds"`
	PerSecond float64 `json:"requests_per_second"`
	P50ms     float64 `json:"p50_ms"`
	P90ms     float64 `json:"p90_ms"`
	P99ms     float64 `json:"p99_ms"`
	MaxMs     float64 `json:"max_ms"`
	MBps      float64 `json:"mb_per_second"` // body bytes received, 10^6 bytes
	AvgBytes  float64 `json:"avg_body_bytes"`
	// CPU is how busy the machine was, and with what, during the scenario.
	CPU *cpuShare `json:"cpu,omitempty"`
	// ServerCPUus is the CPU time (user and system) the server's own
	// processes spent per completed request, in microseconds: only for a
	// server outside this process (the registry's child, nginx). It
	// depends less than requests per second on what else the machine
	// runs, so it compares two servers on a busy machine better.
	ServerCPUus float64 `json:"server_cpu_us_per_request,omitempty"`
	// FirstError is the first failure seen, if any.
	FirstError string `json:"first_error,omitempty"`
}

// workerStats is what one worker gathers, merged after the run.
type workerStats struct {
	lat      []time.Duration
	bytes    int64
	requests int64
	errors   int64
	firstErr error
}

// runScenario runs sc for the warm-up, unmeasured, then for the duration
// with o.concurrency workers. Worker w draws from a PCG seeded with
// (o.seed, w), so a run's sequence of choices is reproducible. The CPU
// time of serverPIDs (a server outside this process) counts as the
// benchmark's own; a CPU profile is written only for the in-process
// registry (profile).
func runScenario(ctx context.Context, client *http.Client, sc scenario, o options, profile bool, serverPIDs []int) (result, error) {
	if o.warmup > 0 {
		if _, _, err := load(ctx, client, sc, o.concurrency, o.warmup, o.seed^0x5eed); err != nil {
			return result{}, err
		}
	}
	if o.cpuProfile != "" && profile {
		f, err := os.Create(o.cpuProfile + "." + sc.name + ".pprof")
		if err != nil {
			return result{}, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return result{}, err
		}
		defer pprof.StopCPUProfile()
	}
	before := sampleCPU(serverPIDs...)
	serverBefore := serverCPU(serverPIDs)
	stats, elapsed, err := load(ctx, client, sc, o.concurrency, o.duration, o.seed)
	if err != nil {
		return result{}, err
	}
	res := summarize(sc.name, stats, elapsed)
	if used := serverCPU(serverPIDs) - serverBefore; len(serverPIDs) > 0 && res.Requests > 0 {
		res.ServerCPUus = float64(used.Microseconds()) / float64(res.Requests)
	}
	if share, ok := shareBetween(before, sampleCPU(serverPIDs...), runtime.NumCPU()); ok {
		res.CPU = &share
	}
	return res, nil
}

// load runs the workers for d and returns what each gathered and the time
// from start until the last worker finished its last request.
func load(ctx context.Context, client *http.Client, sc scenario, workers int, d time.Duration, seed uint64) ([]workerStats, time.Duration, error) {
	stats := make([]workerStats, workers)
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(d)
	for w := range workers {
		st := &stats[w]
		st.lat = make([]time.Duration, 0, 4096)
		rng := rand.New(rand.NewPCG(seed, uint64(w)))
		wg.Go(func() {
			for ctx.Err() == nil && time.Now().Before(deadline) {
				req := sc.request(ctx, rng)
				t0 := time.Now()
				n, err := do(client, req, sc.want)
				took := time.Since(t0)
				st.requests++
				if err != nil {
					if ctx.Err() != nil {
						st.requests-- // interrupted, not failed
						return
					}
					st.errors++
					if st.firstErr == nil {
						st.firstErr = err
					}
					continue
				}
				st.bytes += n
				st.lat = append(st.lat, took)
			}
		})
	}
	wg.Wait()
	return stats, time.Since(start), ctx.Err()
}

// do makes one request, reads the whole body and checks the status.
func do(client *http.Client, req *http.Request, want int) (int64, error) {
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil {
		return n, fmt.Errorf("GET %s: reading the body: %w", req.URL.Path, err)
	}
	if resp.StatusCode != want {
		return n, fmt.Errorf("GET %s: status %d, want %d", req.URL.Path, resp.StatusCode, want)
	}
	return n, nil
}

func summarize(name string, stats []workerStats, elapsed time.Duration) result {
	r := result{Scenario: name, Seconds: elapsed.Seconds()}
	var lat []time.Duration
	var bytes int64
	var firstErr error
	for _, st := range stats {
		r.Requests += st.requests
		r.Errors += st.errors
		bytes += st.bytes
		lat = append(lat, st.lat...)
		firstErr = cmp.Or(firstErr, st.firstErr)
	}
	if firstErr != nil {
		r.FirstError = firstErr.Error()
	}
	r.PerSecond = float64(r.Requests) / r.Seconds
	r.MBps = float64(bytes) / 1e6 / r.Seconds
	if len(lat) > 0 {
		slices.Sort(lat)
		r.P50ms = ms(percentile(lat, 0.50))
		r.P90ms = ms(percentile(lat, 0.90))
		r.P99ms = ms(percentile(lat, 0.99))
		r.MaxMs = ms(lat[len(lat)-1])
		r.AvgBytes = float64(bytes) / float64(len(lat))
	}
	return r
}

// percentile is the nearest-rank percentile of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	i := int(math.Ceil(float64(len(sorted))*p)) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
