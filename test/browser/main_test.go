package browser

import (
	"os"
	"testing"

	"github.com/rampart/rampart/internal/testserver"
)

// TestMain skips the whole package under -short; otherwise Go's default
// number of tests at once (one per core): each test runs its own
// Chromium, which does compute.
func TestMain(m *testing.M) {
	os.Exit(testserver.Main(m, "every test drives real Chromium against the real rampart binary", 0))
}
