// Command rampart-bench measures Rampart's read path: packument and tarball
// GETs under concurrent load, against a registry it starts in-process and
// seeds through the real publish path, or against one already running.
//
// Usage:
//
//	go run ./cmd/rampart-bench [flags]
//
// Run with -h for the flags. docs/benchmarks.md explains what is measured
// and records results.
//
// Exit codes: 0 when every request succeeded, 1 when the run failed or any
// request failed (the report is still printed), 2 for a wrong command line.
package main

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	var ec interface{ ExitCode() int }
	if errors.As(err, &ec) {
		os.Exit(ec.ExitCode())
	}
	if err != nil {
		os.Exit(1)
	}
}
