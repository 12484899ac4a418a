//go:build rampart_testclock

package cli

import (
	"fmt"
	"net/http"
	"time"

	"github.com/rampart/rampart/internal/clockctl"
)

// testClock is the settable clock of a test build (see internal/clockctl):
// serve takes its time from it and mounts its control endpoint with wrap;
// an admin command's clock starts where the test says the server's is.
func testClock(env Env) (now func() time.Time, wrap func(http.Handler) http.Handler, err error) {
	c, err := clockctl.FromEnv(env)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", clockctl.EnvStart, err)
	}
	return c.Now, c.Wrap, nil
}
