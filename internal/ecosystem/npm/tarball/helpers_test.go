package tarball

import (
	"archive/tar"
	"strings"
	"testing"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/npmfixture"
)

const goodPackageJSON = `{"name":"left-pad","version":"1.0.0","main":"index.js","big":12345678901234567890}`

func goodEntries() []npmfixture.Entry {
	return []npmfixture.Entry{
		{Name: "package/", Type: tar.TypeDir},
		npmfixture.File("package/package.json", goodPackageJSON),
		npmfixture.File("package/index.js", "module.exports = (s, n) => s.padStart(n)\n"),
		npmfixture.File("package/README.md", "# left-pad\n"),
		{Name: "package/lib/", Type: tar.TypeDir},
		npmfixture.File("package/lib/util.js", "exports.x = 1\n"),
		{Name: "package/lib/alias.js", Type: tar.TypeSymlink, Link: "util.js"},
		{Name: "package/up.js", Type: tar.TypeSymlink, Link: "lib/../index.js"},
	}
}

// wantErr fails t unless err has the given kind and its user-facing
// message contains want.
func wantErr(t *testing.T, err error, kind core.Kind, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %v error containing %q", kind, want)
	}
	if got := core.KindOf(err); got != kind {
		t.Fatalf("got %v error %q, want kind %v", got, err, kind)
	}
	if msg := core.Message(err); !strings.Contains(msg, want) {
		t.Fatalf("got message %q, want it to contain %q", msg, want)
	}
}

// smallLimits keeps fuzzing and limit tests fast.
func smallLimits() limits.Limits {
	return limits.Limits{
		TarballBytes:   1 * limits.MiB,
		UnpackedBytes:  4 * limits.MiB,
		ExpansionRatio: 200,
		Files:          50,
		ManifestBytes:  256 * 1024,
	}
}
