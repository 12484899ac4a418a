package tarball

import (
	"archive/tar"
	"bytes"
	"testing"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/npmfixture"
)

// checkResult enforces the contract every parser here keeps on any
// input: exactly one of result and error, and an error that is a user
// error (never internal, never a panic) with a message for the user.
func checkResult(t *testing.T, ok bool, err error) {
	t.Helper()
	switch {
	case ok && err != nil:
		t.Fatalf("got a result and an error %v", err)
	case !ok && err == nil:
		t.Fatal("got neither a result nor an error")
	case err != nil:
		if k := core.KindOf(err); k != core.KindInvalid && k != core.KindTooLarge {
			t.Fatalf("error %v has kind %v; bad input must give KindInvalid or KindTooLarge", err, k)
		}
		if core.Message(err) == "" {
			t.Fatal("error has no message")
		}
	}
}

func FuzzInspectTarball(f *testing.F) {
	pj := npmfixture.File("package/package.json", goodPackageJSON)
	f.Add(npmfixture.Tarball(0, goodEntries()...))
	f.Add(npmfixture.Tarball(0, pj, npmfixture.Entry{Name: "package/l", Type: tar.TypeSymlink, Link: "../x"}))
	f.Add(npmfixture.Tarball(0, pj, npmfixture.Entry{Name: "package/s", Type: tar.TypeSymlink, Link: "."}, npmfixture.File("package/s/x", "x")))
	f.Add(npmfixture.Tarball(0, npmfixture.File("package/package.json", `[]`)))
	f.Add(npmfixture.Tarball(64*1024, pj))
	f.Add([]byte("\x1f\x8b\x08\x00garbage"))
	// Archives npm reads differently from archive/tar (all refused), and
	// honest ones: starting points for finding another differential.
	for _, s := range npmfixture.Smuggles("left-pad", "1.0.0") {
		f.Add(s.Tgz())
	}
	for _, tgz := range acceptedFixtures() {
		f.Add(tgz)
	}

	lim := smallLimits()
	f.Fuzz(func(t *testing.T, data []byte) {
		info, err := Inspect(bytes.NewReader(data), lim)
		checkResult(t, info != nil, err)
		if info != nil && (info.Name == "" || info.Version == "" || info.PackageJSON == nil) {
			t.Fatalf("accepted a tarball without package.json name and version: %+v", info)
		}
		if info != nil {
			// What Rampart accepts, a reader with node-tar's semantics
			// must read alike: no manifest confusion.
			checkNodeTarAgrees(t, data, info)
		}
	})
}

// FuzzInspectTar mutates the uncompressed archive and gzips it in the
// target, so that the fuzzer works on tar headers rather than on gzip
// checksums: the ground where tar readers disagree.
func FuzzInspectTar(f *testing.F) {
	for _, s := range npmfixture.Smuggles("left-pad", "1.0.0") {
		f.Add(s.Tar)
	}
	for _, tgz := range acceptedFixtures() {
		f.Add(gunzip(f, tgz))
	}

	lim := smallLimits()
	f.Fuzz(func(t *testing.T, tarball []byte) {
		tgz := npmfixture.Gzip(tarball)
		info, err := Inspect(bytes.NewReader(tgz), lim)
		checkResult(t, info != nil, err)
		if info != nil {
			checkNodeTarAgrees(t, tgz, info)
		}
	})
}
