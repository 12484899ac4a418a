//go:build rampart_testclock

package cli

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// EnvTestFreeBytesFile names a file whose content, a number, is the data
// folder's free space as a test build reads it: a test fills the disk by
// writing "0" there (a real disk cannot be filled here). Unset or empty,
// the real free space is read.
const EnvTestFreeBytesFile = "RAMPART_TEST_FREE_BYTES_FILE"

// testFreeSpace is the test build's reading of free space.
func testFreeSpace(env Env) func(string) (uint64, error) {
	file := env(EnvTestFreeBytesFile)
	if file == "" {
		return nil
	}
	return func(string) (uint64, error) {
		b, err := os.ReadFile(file)
		if err != nil {
			return 0, err
		}
		n, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", EnvTestFreeBytesFile, err)
		}
		return n, nil
	}
}
