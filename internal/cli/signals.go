package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// SignalContext returns a context cancelled by the first SIGINT or SIGTERM:
// the server then drains and stops cleanly ([shutdown] drain). A second
// signal does not wait for that: it calls exit(ExitFailed) at once, as an
// operator pressing Ctrl-C twice expects. stop releases the signals.
func SignalContext(stderr io.Writer, exit func(int)) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	done := make(chan struct{})
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		select {
		case <-sigs:
		case <-done:
			return
		}
		cancel()
		fmt.Fprintln(stderr, "rampart: stopping (finishing requests in flight); send the signal again to stop at once")
		select {
		case s := <-sigs:
			fmt.Fprintf(stderr, "rampart: second signal (%v): stopping at once, cutting whatever is in flight\n", s)
			exit(ExitFailed)
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(sigs)
		close(done)
		cancel()
	}
}
