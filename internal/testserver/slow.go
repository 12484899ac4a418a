package testserver

import (
	"flag"
	"fmt"
	"runtime"
	"strconv"
	"testing"
)

// Slow skips t under `go test -short`, which runs the fast tests only
// (see README, Tests). Call it first in any test that takes more than a
// couple of seconds or drives an outside program (the real rampart
// binary, the npm CLI, node, Chromium); Start, Binary and NewNPM call it
// themselves, so a test that uses them needs no call of its own. why
// says what makes the test slow and is shown in `go test -short -v`.
func Slow(t testing.TB, why string) {
	t.Helper()
	if testing.Short() {
		t.Skip("slow, skipped by -short: " + why)
	}
}

// SlowPackage is for the TestMain of a package whose every test is slow
// (test/e2e, test/browser, test/robust): under -short it says why and
// returns true, and TestMain then returns without running any test, so
// the package costs nothing beyond its build. It must be called after
// flag.Parse.
//
//	func TestMain(m *testing.M) {
//		flag.Parse()
//		if testserver.SlowPackage("drives the real npm CLI") {
//			return
//		}
//		os.Exit(m.Run())
//	}
func SlowPackage(why string) bool {
	if !testing.Short() {
		return false
	}
	fmt.Println("skipped by -short, every test here is slow: " + why)
	return true
}

// Main is the TestMain of a package whose every test is slow: it parses
// the flags, returns 0 without running anything under -short
// (SlowPackage), and otherwise runs the tests, perCore of them at once
// per core (at least 4) unless -parallel was given. Tests here spend most
// of their time waiting on subprocesses (the server, npm, Chromium) and
// on the server's deadlines, so running only as many at once as there
// are cores leaves the machine mostly idle; perCore 0 keeps Go's default.
//
//	func TestMain(m *testing.M) {
//		os.Exit(testserver.Main(m, "drives the real npm CLI", 2))
//	}
func Main(m *testing.M, why string, perCore int) int {
	flag.Parse()
	if SlowPackage(why) {
		return 0
	}
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if !set && perCore > 0 {
		flag.Set("test.parallel", strconv.Itoa(max(4, perCore*runtime.GOMAXPROCS(0))))
	}
	return m.Run()
}
