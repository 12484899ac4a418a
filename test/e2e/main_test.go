package e2e

import (
	"os"
	"testing"

	"github.com/rampart/rampart/internal/testserver"
)

// TestMain skips the whole package under -short (every test drives the
// real npm CLI against the real binary), and otherwise runs more tests at
// once than there are cores unless -parallel was given: each test spends
// most of its time waiting on npm and server subprocesses, so on a 2-core
// machine running 2 at a time leaves the CPU mostly idle.
func TestMain(m *testing.M) {
	os.Exit(testserver.Main(m, "every test drives the real npm CLI against the real rampart binary", 2))
}
