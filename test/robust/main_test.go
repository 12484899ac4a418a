package robust

import (
	"os"
	"testing"

	"github.com/rampart/rampart/internal/testserver"
)

// TestMain skips the whole package under -short, and otherwise runs more
// tests at once than there are cores unless -parallel was given: most
// tests wait on the server's deadlines (stalled uploads, slow bodies)
// rather than compute.
func TestMain(m *testing.M) {
	os.Exit(testserver.Main(m, "every test runs the real rampart binary (crashes, races, hostile uploads)", 2))
}
