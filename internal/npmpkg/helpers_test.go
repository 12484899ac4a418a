package npmpkg

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io"
	"strings"
	"testing"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/limits"
)

// entry is one tar entry for makeTgz. A zero typ means a regular file
// holding body, or zeros bytes of zeros when zeros > 0.
type entry struct {
	name  string
	body  string
	typ   byte
	link  string
	zeros int64
}

func file(name, body string) entry { return entry{name: name, body: body} }

const goodPackageJSON = `{"name":"left-pad","version":"1.0.0","main":"index.js","big":12345678901234567890}`

func goodEntries() []entry {
	return []entry{
		{name: "package/", typ: tar.TypeDir},
		file("package/package.json", goodPackageJSON),
		file("package/index.js", "module.exports = (s, n) => s.padStart(n)\n"),
		file("package/README.md", "# left-pad\n"),
		{name: "package/lib/", typ: tar.TypeDir},
		file("package/lib/util.js", "exports.x = 1\n"),
		{name: "package/lib/alias.js", typ: tar.TypeSymlink, link: "util.js"},
		{name: "package/up.js", typ: tar.TypeSymlink, link: "lib/../index.js"},
	}
}

// makeTgz writes entries as npm pack would (a gzip'd tar), then appends
// trailingZeros zero bytes inside the gzip stream after the tar end marker.
func makeTgz(tb testing.TB, trailingZeros int64, entries ...entry) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Mode: 0o644, Typeflag: e.typ, Linkname: e.link}
		if e.typ == 0 {
			h.Typeflag = tar.TypeReg
			h.Size = int64(len(e.body)) + e.zeros
		}
		if err := tw.WriteHeader(h); err != nil {
			tb.Fatalf("tar header %q: %v", e.name, err)
		}
		if _, err := io.WriteString(tw, e.body); err != nil {
			tb.Fatal(err)
		}
		if _, err := io.CopyN(tw, zeroReader{}, e.zeros); err != nil {
			tb.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		tb.Fatal(err)
	}
	if _, err := io.CopyN(zw, zeroReader{}, trailingZeros); err != nil {
		tb.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// zeroReader yields zeros without allocating them.
type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
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
