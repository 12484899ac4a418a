//go:build !rampart_testclock

package cli

import (
	"net/http"
	"time"
)

// testClock is the release build's: no settable clock and no endpoint to
// set it (a build with -tags rampart_testclock has both, testclock.go).
func testClock(Env) (now func() time.Time, wrap func(http.Handler) http.Handler, err error) {
	return nil, nil, nil
}
