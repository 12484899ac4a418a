//go:build !rampart_testclock

package cli

// testFreeSpace is the release build's: the disk's real free space.
func testFreeSpace(Env) func(string) (uint64, error) { return nil }
