package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// The malware scan (internal/malscan through internal/quarantine) runs in
// every publish, between storing the tarball and the commit, so its cost
// is publish latency. -scan both measures it: the same publishes (the
// same seed, so the same tarballs) into two fresh registries, one with
// the scan and one without, one after the other so they never share the
// machine, and reports each run and the difference per window.

// The values of -scan.
const (
	scanOn   = "on"
	scanOff  = "off"
	scanBoth = "both"
)

// scanCost is what the scan adds to one publish in one window: the run
// with the scan minus the run without.
type scanCost struct {
	Window  string  `json:"window"`
	P50ms   float64 `json:"publish_p50_ms_added"`
	P90ms   float64 `json:"publish_p90_ms_added"`
	CPUms   float64 `json:"publish_cpu_ms_added"`
	OnP50ms float64 `json:"publish_p50_ms_scan_on"`
}

// publishScans is -publish N -scan both's report.
type publishScans struct {
	Runs []*publishReport `json:"runs"` // scan on, then off
	Cost []scanCost       `json:"scan_cost"`
}

// runPublishScans runs the publish mode twice, with the scan and
// without, each on a registry of its own (under -data/scan-on and
// -data/scan-off, or temporary folders).
func runPublishScans(ctx context.Context, o options, stdout, stderr io.Writer) (err error) {
	var out publishScans
	for _, scan := range []string{scanOn, scanOff} {
		rep, err := publishRun(ctx, o, scan, stderr)
		if err != nil {
			return fmt.Errorf("the run with the scan %s: %w", scan, err)
		}
		out.Runs = append(out.Runs, rep)
	}
	on, off := out.Runs[0], out.Runs[1]
	for i := range min(len(on.Windows), len(off.Windows)) {
		a, b := on.Windows[i], off.Windows[i]
		out.Cost = append(out.Cost, scanCost{Window: a.Window, P50ms: a.P50ms - b.P50ms, P90ms: a.P90ms - b.P90ms, CPUms: a.CPUms - b.CPUms, OnP50ms: a.P50ms})
	}
	if o.json {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	for _, rep := range out.Runs {
		printPublish(stdout, rep)
		fmt.Fprintln(stdout)
	}
	fmt.Fprintf(stdout, "the scan's cost per publish (scan on minus scan off; the two runs ran one after the other, so compare them only on a quiet machine):\n\n")
	fmt.Fprintf(stdout, "| window | publish p50 ms added | publish p90 ms added | CPU ms added | share of the p50 with the scan |\n|---|---:|---:|---:|---:|\n")
	for _, c := range out.Cost {
		share := 0.0
		if c.OnP50ms > 0 {
			share = 100 * c.P50ms / c.OnP50ms
		}
		fmt.Fprintf(stdout, "| %s | %.2f | %.2f | %.2f | %.0f%% |\n", c.Window, c.P50ms, c.P90ms, c.CPUms, share)
	}
	return nil
}

// publishRun measures the publish mode on a fresh in-process registry
// whose scan is scan.
func publishRun(ctx context.Context, o options, scan string, stderr io.Writer) (rep *publishReport, err error) {
	var data string
	if o.data != "" {
		data = filepath.Join(o.data, "scan-"+scan)
		if err := os.MkdirAll(data, 0o700); err != nil {
			return nil, err
		}
	} else {
		if data, err = os.MkdirTemp("", "rampart-bench-"); err != nil {
			return nil, err
		}
		defer func() {
			if rerr := os.RemoveAll(data); rerr != nil {
				err = errors.Join(err, rerr)
			}
		}()
	}
	srv, err := startServer(ctx, data, scan == scanOn, stderr)
	if err != nil {
		return nil, err
	}
	client := newClient(o.concurrency)
	defer func() {
		client.CloseIdleConnections()
		err = errors.Join(err, srv.stop())
	}()
	fmt.Fprintf(stderr, "rampart-bench: registry at %s, data in %s, scan %s; publishing %d versions of %s\n", srv.url, data, scan, o.publish, publishName)
	return measurePublish(ctx, client, srv.url, o, scan, stderr)
}
