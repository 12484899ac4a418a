package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime/pprof"
	"slices"
	"strconv"
	"time"
)

// The publish mode (-publish N) measures what one publish costs as a
// package's history grows: it publishes N versions, one after the other,
// into ONE package of the in-process registry, and reports two windows
// of publishWindow publishes: the first ones (the package has about 10
// versions) and the last ones (it has about N). After every publish it
// reads the full packument once, as `npm install` right after `npm
// publish` would, and reports that read apart: a registry that moves work
// from the publish to the first read must show it there.
//
// Bytes written are the write_bytes of /proc/self/io: the bytes this
// process (the registry runs in it; the client writes nothing to disk)
// caused to be written to storage, SQLite's WAL and checkpoints, the
// package file and scratch files included. The data folder's growth would
// miss rewrites in place and count the WAL's preallocation instead.
const publishWindow = 20

// publishName is the one package the publish mode grows.
const publishName = "bench-history"

// publishStats are the figures of one window of publishes.
type publishStats struct {
	Window        string  `json:"window"`
	Publishes     int     `json:"publishes"`
	P50ms         float64 `json:"publish_p50_ms"`
	P90ms         float64 `json:"publish_p90_ms"`
	WrittenPerPub int64   `json:"publish_bytes_written_each"`
	ReadP50ms     float64 `json:"read_after_publish_p50_ms"`
	ReadWritten   int64   `json:"read_after_publish_bytes_written_each"`
	// CPUms is the process's CPU time (user and system) per publish:
	// the registry's work and the client's small share, which hardly
	// depends on what else the machine runs, unlike the latencies.
	CPUms    float64 `json:"publish_cpu_ms_each"`
	DocBytes int     `json:"full_document_bytes_at_end"`
}

// publishReport is the publish mode's report.
type publishReport struct {
	Machine    machine        `json:"machine"`
	Scan       string         `json:"scan"` // the malware scan of each publish: "on" or "off"
	Command    string         `json:"command"`
	TarballKB  int            `json:"tarball_kb"`
	AvgTarball int            `json:"avg_tarball_bytes"`
	Windows    []publishStats `json:"windows"`
	// Revisions are the revision updates after each window (revision.go).
	Revisions []revisionStats `json:"revision_updates"`
}

// writeBytes is /proc/self/io's write_bytes, or -1 where there is none.
func writeBytes() int64 {
	n, err := strconv.ParseInt(procField("/proc/self/io", "write_bytes"), 10, 64)
	if err != nil {
		return -1
	}
	return n
}

// runPublish is the publish mode against a registry at base.
func runPublish(ctx context.Context, client *http.Client, base string, o options, stdout, progress io.Writer) error {
	rep, err := measurePublish(ctx, client, base, o, o.scan, progress)
	if err != nil {
		return err
	}
	if o.json {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	printPublish(stdout, rep)
	return nil
}

// measurePublish grows publishName at base, a registry whose malware scan
// is scan ("on" or "off"), and returns the figures.
func measurePublish(ctx context.Context, client *http.Client, base string, o options, scan string, progress io.Writer) (*publishReport, error) {
	token, err := login(ctx, client, base)
	if err != nil {
		return nil, err
	}
	rep := &publishReport{
		Machine:   machineFacts(),
		Scan:      scan,
		Command:   fmt.Sprintf("go run ./cmd/rampart-bench -publish %d -tarball-kb %d -scan %s", o.publish, o.tarballKB, o.scan),
		TarballKB: o.tarballKB,
	}
	windows := [][2]int{{0, min(publishWindow, o.publish)}}
	if o.publish > publishWindow {
		windows = append(windows, [2]int{max(o.publish-publishWindow, publishWindow), o.publish})
	}
	var tarBytes int
	next := 0
	for _, w := range windows {
		for ; next < w[0]; next++ {
			n, err := publishOne(ctx, client, base, token, o, next)
			if err != nil {
				return nil, err
			}
			tarBytes += n
			if (next+1)%100 == 0 {
				fmt.Fprintf(progress, "rampart-bench: published %d of %d versions\n", next+1, o.publish)
			}
		}
		if o.cpuProfile != "" && w[1] == o.publish {
			stop, err := profileTo(o.cpuProfile + ".publish.pprof")
			if err != nil {
				return nil, err
			}
			defer stop()
		}
		var pubs, reads []time.Duration
		var pubWritten, readWritten int64
		var pubCPU time.Duration
		var doc int
		var published []string
		for ; next < w[1]; next++ {
			published = append(published, versionString(next))
			w0 := writeBytes()
			c0 := selfCPU()
			t0 := time.Now()
			n, err := publishOne(ctx, client, base, token, o, next)
			if err != nil {
				return nil, err
			}
			pubs = append(pubs, time.Since(t0))
			pubCPU += selfCPU() - c0
			w1 := writeBytes()
			t1 := time.Now()
			doc, err = readFull(ctx, client, base)
			if err != nil {
				return nil, err
			}
			reads = append(reads, time.Since(t1))
			w2 := writeBytes()
			tarBytes += n
			pubWritten += w1 - w0
			readWritten += w2 - w1
		}
		slices.Sort(pubs)
		slices.Sort(reads)
		k := int64(len(pubs))
		rep.Windows = append(rep.Windows, publishStats{
			Window:    fmt.Sprintf("versions %d..%d", w[0]+1, w[1]),
			Publishes: len(pubs),
			P50ms:     ms(percentile(pubs, 0.50)), P90ms: ms(percentile(pubs, 0.90)),
			WrittenPerPub: pubWritten / k,
			CPUms:         ms(pubCPU / time.Duration(k)),
			ReadP50ms:     ms(percentile(reads, 0.50)), ReadWritten: readWritten / k,
			DocBytes: doc,
		})
		rs, err := measureRevisions(ctx, client, base, token, rep.Windows[len(rep.Windows)-1].Window, published)
		if err != nil {
			return nil, err
		}
		rep.Revisions = append(rep.Revisions, rs)
	}
	rep.AvgTarball = tarBytes / max(next, 1)
	return rep, nil
}

// printPublish prints rep as Markdown tables.
func printPublish(stdout io.Writer, rep *publishReport) {
	m := rep.Machine
	fmt.Fprintf(stdout, "machine     %s, %d CPUs (GOMAXPROCS %d), %s, load %s, %s\n", m.CPUModel, m.NumCPU, m.GOMAXPROCS, m.GoVersion, m.LoadAverage, m.Date)
	fmt.Fprintf(stdout, "command     %s\n", rep.Command)
	fmt.Fprintf(stdout, "scan        %s (the malware scan of each publish)\n", rep.Scan)
	fmt.Fprintf(stdout, "package     %s, tarball %s on average; bytes written = /proc/self/io write_bytes\n\n", publishName, size(rep.AvgTarball))
	fmt.Fprintf(stdout, "| window | publishes | publish p50 ms | publish p90 ms | CPU ms per publish | written per publish | read-after p50 ms | written per read | full document |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, w := range rep.Windows {
		fmt.Fprintf(stdout, "| %s | %d | %.2f | %.2f | %.2f | %s | %.2f | %s | %s |\n", w.Window, w.Publishes, w.P50ms, w.P90ms, w.CPUms, size(int(w.WrittenPerPub)), w.ReadP50ms, size(int(w.ReadWritten)), size(w.DocBytes))
	}
	fmt.Fprintf(stdout, "\nrevision updates (npm deprecate: GET ?write=true, then PUT the document back with one version deprecated), after each window:\n\n")
	fmt.Fprintf(stdout, "| after window | updates | PUT p50 ms | PUT p90 ms | CPU ms per PUT | written per PUT | GET ?write=true p50 ms |\n|---|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range rep.Revisions {
		fmt.Fprintf(stdout, "| %s | %d | %.2f | %.2f | %.2f | %s | %.2f |\n", r.Window, r.Updates, r.P50ms, r.P90ms, r.CPUms, size(int(r.WrittenPerPut)), r.ReadP50ms)
	}
}

// publishOne publishes version j of publishName.
func publishOne(ctx context.Context, client *http.Client, base, token string, o options, j int) (int, error) {
	n, err := publishVersion(ctx, client, base, token, o, publishName, -1, j, nil)
	if err != nil {
		return 0, fmt.Errorf("publishing %s@%s: %w", publishName, versionString(j), err)
	}
	return n, nil
}

// readFull GETs the full packument, uncompressed, and returns its size.
func readFull(ctx context.Context, client *http.Client, base string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+publishName, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	if err != nil {
		return 0, err
	}
	if resp.StatusCode != http.StatusOK {
		return 0, errors.New("GET " + publishName + ": " + resp.Status)
	}
	return int(n), nil
}

// profileTo writes a CPU profile to path until the returned stop is
// called: in the publish mode, of the last window, publishes and reads.
func profileTo(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
