// Command rampart is the Rampart registry server and its companion CLI.
package main

import (
	"errors"
	"os"

	"github.com/rampart/rampart/internal/cli"
)

func main() {
	// The first SIGINT or SIGTERM stops cleanly; a second one at once.
	ctx, stop := cli.SignalContext(os.Stderr, os.Exit)
	err := cli.Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	var ec interface{ ExitCode() int }
	if errors.As(err, &ec) {
		os.Exit(ec.ExitCode())
	}
	if err != nil {
		os.Exit(1)
	}
}
