package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rampart/rampart/internal/testserver"
)

// TestMain lets the test binary be the registry's child process of
// -nginx mode, which runs this binary with -serve-child.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "-serve-child" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestRunInProcess runs a tiny benchmark end to end: a real server, real
// publishes over HTTP, every scenario, the JSON report.
func TestRunInProcess(t *testing.T) {
	data := t.TempDir()
	var stdout, stderr bytes.Buffer
	args := []string{"-packages", "3", "-versions", "2", "-tarball-kb", "2", "-concurrency", "2",
		"-duration", "200ms", "-warmup", "0s", "-data", data, "-json"}
	if err := Run(context.Background(), args, nil, &stdout, &stderr, os.Getenv); err != nil {
		t.Fatalf("Run: %v\n%s", err, stderr.String())
	}
	var rep report
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("the report is not JSON: %v\n%s", err, stdout.String())
	}
	if rep.Seeding == nil || rep.Seeding.Publishes != 6 {
		t.Fatalf("seeding = %+v, want 6 publishes", rep.Seeding)
	}
	if rep.Corpus.Tarballs != 6 || rep.Corpus.AvgTarballBytes < 2048 {
		t.Fatalf("corpus = %+v, want 6 tarballs of at least 2 KiB", rep.Corpus)
	}
	want := []string{"packument-full", "packument-abbrev", "packument-304", "tarball"}
	if len(rep.Results) != len(want) {
		t.Fatalf("got %d results, want %d", len(rep.Results), len(want))
	}
	for i, r := range rep.Results {
		if r.Scenario != want[i] || r.Requests == 0 || r.Errors != 0 {
			t.Errorf("result %d = %+v, want scenario %s with requests and no errors", i, r, want[i])
		}
	}
	if _, err := os.Stat(filepath.Join(data, "metadata.db")); err != nil {
		t.Errorf("the -data folder was not used: %v", err)
	}
}

// TestRunUsage checks that conflicting flags are a usage error.
func TestRunUsage(t *testing.T) {
	for _, args := range [][]string{
		{"-target", "http://127.0.0.1:1/"},
		{"-names", "x"},
		{"-target", "http://127.0.0.1:1/", "-names", "x", "-packages", "3"},
		{"-concurrency", "0"},
		{"extra"},
		{"-nginx", "-target", "http://127.0.0.1:1/", "-names", "x"},
	} {
		var stderr bytes.Buffer
		err := Run(context.Background(), args, nil, &bytes.Buffer{}, &stderr, os.Getenv)
		var ec *exitError
		if !errors.As(err, &ec) || ec.code != exitUsage {
			t.Errorf("Run(%q) = %v, want a usage error", strings.Join(args, " "), err)
		}
	}
}

// TestRunTarget measures a registry that is already running.
func TestRunTarget(t *testing.T) {
	ctx := context.Background()
	srv, err := startServer(ctx, t.TempDir(), true, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.stop(); err != nil {
			t.Errorf("stopping the server: %v", err)
		}
	})
	o := options{packages: 2, versions: 1, tarballKB: 1, seed: 7}
	client := newClient(2)
	defer client.CloseIdleConnections()
	if _, err := seed(ctx, client, srv.url, o, io.Discard); err != nil {
		t.Fatal(err)
	}
	names := filepath.Join(t.TempDir(), "names")
	if err := os.WriteFile(names, []byte("# seeded\nbench-0000\n\nbench-0001\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	args := []string{"-target", strings.TrimSuffix(srv.url, "/"), "-names", names, "-concurrency", "2", "-duration", "200ms", "-warmup", "0s"}
	if err := Run(ctx, args, nil, &stdout, &stderr, os.Getenv); err != nil {
		t.Fatalf("Run: %v\n%s", err, stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{"server      external " + srv.url, "corpus      2 packages, 2 tarballs", "packument-304"} {
		if !strings.Contains(out, want) {
			t.Errorf("the report lacks %q:\n%s", want, out)
		}
	}
}

// TestRunPublish runs the publish mode end to end: one package grown
// through the real publish path, two windows, each with publishes, reads
// after them and (on Linux) bytes written.
func TestRunPublish(t *testing.T) {
	var stdout, stderr bytes.Buffer
	args := []string{"-publish", "25", "-tarball-kb", "1", "-json"}
	if err := Run(context.Background(), args, nil, &stdout, &stderr, os.Getenv); err != nil {
		t.Fatalf("Run: %v\n%s", err, stderr.String())
	}
	var rep publishReport
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("the report is not JSON: %v\n%s", err, stdout.String())
	}
	want := []string{"versions 1..20", "versions 21..25"}
	if len(rep.Windows) != len(want) {
		t.Fatalf("got %d windows, want %d: %+v", len(rep.Windows), len(want), rep.Windows)
	}
	for i, w := range rep.Windows {
		if w.Window != want[i] || w.Publishes == 0 || w.P50ms <= 0 || w.DocBytes == 0 {
			t.Errorf("window %d = %+v, want %s with publishes, latencies and a document", i, w, want[i])
		}
		if writeBytes() >= 0 && w.WrittenPerPub <= 0 {
			t.Errorf("window %d: no bytes written per publish counted", i)
		}
	}
	var ec *exitError
	err := Run(context.Background(), []string{"-publish", "5", "-target", "http://127.0.0.1:1/", "-names", "x"}, nil, &bytes.Buffer{}, &bytes.Buffer{}, os.Getenv)
	if !errors.As(err, &ec) || ec.code != exitUsage {
		t.Errorf("-publish with -target = %v, want a usage error", err)
	}
}

// TestRunNginxMissing: without nginx, -nginx stops before seeding and
// says how to install it.
func TestRunNginxMissing(t *testing.T) {
	var stderr bytes.Buffer
	args := []string{"-nginx", "-nginx-bin", filepath.Join(t.TempDir(), "no-nginx-here")}
	err := Run(context.Background(), args, nil, &bytes.Buffer{}, &stderr, os.Getenv)
	if err == nil || !strings.Contains(stderr.String(), "apt-get install -y nginx") {
		t.Fatalf("Run = %v, stderr %q; want a failure that says how to install nginx", err, stderr.String())
	}
	if strings.Contains(stderr.String(), "seeding") {
		t.Errorf("the benchmark seeded before finding nginx missing:\n%s", stderr.String())
	}
}

// TestRunNginx runs a tiny side-by-side benchmark against a real nginx,
// when one is installed.
func TestRunNginx(t *testing.T) {
	testserver.Slow(t, "starts nginx, an outside program")
	if _, err := findNginx("nginx"); err != nil {
		t.Skip(err)
	}
	var stdout, stderr bytes.Buffer
	args := []string{"-nginx", "-packages", "2", "-versions", "2", "-tarball-kb", "2", "-concurrency", "2",
		"-duration", "200ms", "-warmup", "0s", "-json"}
	if err := Run(context.Background(), args, nil, &stdout, &stderr, os.Getenv); err != nil {
		t.Fatalf("Run: %v\n%s", err, stderr.String())
	}
	var rep report
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("the report is not JSON: %v\n%s", err, stdout.String())
	}
	if rep.Nginx == nil || len(rep.Nginx.Results) != len(rep.Results) {
		t.Fatalf("nginx results = %+v, want one per scenario", rep.Nginx)
	}
	for _, r := range rep.Nginx.Results {
		if r.Requests == 0 || r.Errors != 0 {
			t.Errorf("nginx %s = %+v, want requests and no errors", r.Scenario, r)
		}
	}
}
