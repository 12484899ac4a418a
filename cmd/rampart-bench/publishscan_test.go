package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestRunPublishScanBoth: -scan both runs the publish mode on two fresh
// registries, with the malware scan and without, and reports both runs
// and the scan's cost for each window. -scan outside the publish mode,
// or with a value other than on, off and both, is a usage error.
func TestRunPublishScanBoth(t *testing.T) {
	data := t.TempDir()
	var stdout, stderr bytes.Buffer
	args := []string{"-publish", "3", "-tarball-kb", "1", "-scan", "both", "-data", data, "-json"}
	if err := Run(context.Background(), args, nil, &stdout, &stderr, os.Getenv); err != nil {
		t.Fatalf("Run: %v\n%s", err, stderr.String())
	}
	var rep publishScans
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("the report is not JSON: %v\n%s", err, stdout.String())
	}
	if len(rep.Runs) != 2 || rep.Runs[0].Scan != scanOn || rep.Runs[1].Scan != scanOff {
		t.Fatalf("runs = %+v, want one with the scan on, then one with it off", rep.Runs)
	}
	for _, r := range rep.Runs {
		if len(r.Windows) != 1 || r.Windows[0].Publishes != 3 || r.Windows[0].P50ms <= 0 {
			t.Errorf("the run with the scan %s: windows %+v, want one of 3 publishes", r.Scan, r.Windows)
		}
		if _, err := os.Stat(filepath.Join(data, "scan-"+r.Scan, "metadata.db")); err != nil {
			t.Errorf("the run with the scan %s did not use its own registry under -data: %v", r.Scan, err)
		}
	}
	if len(rep.Cost) != 1 || rep.Cost[0].Window != rep.Runs[0].Windows[0].Window ||
		rep.Cost[0].P50ms != rep.Runs[0].Windows[0].P50ms-rep.Runs[1].Windows[0].P50ms {
		t.Fatalf("scan cost = %+v, want the difference of the two runs' window", rep.Cost)
	}

	for _, bad := range [][]string{
		{"-scan", "off"},                    // not the publish mode
		{"-publish", "3", "-scan", "maybe"}, // no such value
		{"-publish", "3", "-scan", "both", "-nginx"},
	} {
		var ec *exitError
		if err := Run(context.Background(), bad, nil, &bytes.Buffer{}, &bytes.Buffer{}, os.Getenv); !errors.As(err, &ec) || ec.code != exitUsage {
			t.Errorf("%q = %v, want a usage error", bad, err)
		}
	}
}
