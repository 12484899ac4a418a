package browser

import (
	"flag"
	"os"
	"testing"

	"github.com/rampart/rampart/internal/testserver"
)

// TestMain skips the whole package under -short: every test drives real
// Chromium against the real rampart binary.
func TestMain(m *testing.M) {
	flag.Parse()
	if testserver.SlowPackage("every test drives real Chromium against the real rampart binary") {
		return
	}
	os.Exit(m.Run())
}
