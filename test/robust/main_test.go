package robust

import (
	"flag"
	"os"
	"testing"

	"github.com/rampart/rampart/internal/testserver"
)

// TestMain skips the whole package under -short: every test runs the real
// binary, most of them crash it, race it or feed it large or slow uploads.
func TestMain(m *testing.M) {
	flag.Parse()
	if testserver.SlowPackage("every test runs the real rampart binary (crashes, races, hostile uploads)") {
		return
	}
	os.Exit(m.Run())
}
