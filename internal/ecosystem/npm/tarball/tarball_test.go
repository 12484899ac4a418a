package tarball

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/npmfixture"
)

func TestInspectGood(t *testing.T) {
	info, err := Inspect(bytes.NewReader(npmfixture.Tarball(0, goodEntries()...)), limits.Default())
	if err != nil {
		t.Fatal(err)
	}
	if info.Name != "left-pad" || info.Version != "1.0.0" {
		t.Fatalf("name/version = %q/%q", info.Name, info.Version)
	}
	if info.FileCount != 4 {
		t.Fatalf("FileCount = %d, want 4 (symlinks and directories are not files)", info.FileCount)
	}
	var size int64
	for _, e := range goodEntries() {
		if e.Type == 0 {
			size += int64(len(e.Body))
		}
	}
	if info.UnpackedSize != size {
		t.Fatalf("UnpackedSize = %d, want %d", info.UnpackedSize, size)
	}
	if info.Readme != "# left-pad\n" {
		t.Fatalf("Readme = %q", info.Readme)
	}
	if info.PackageJSON["main"] != "index.js" || info.PackageJSON["big"].(interface{ String() string }).String() != "12345678901234567890" {
		t.Fatalf("PackageJSON = %v; numbers must survive as sent", info.PackageJSON)
	}
}

func TestInspectTarballReadme(t *testing.T) {
	// Random text with 2-byte runes, so that the cut at MaxReadmeBytes can
	// fall inside one; random so that it compresses like a real README.
	var sb strings.Builder
	rng := rand.New(rand.NewChaCha8([32]byte{2}))
	for sb.Len() < 2*MaxReadmeBytes {
		if rng.IntN(4) == 0 {
			sb.WriteString("é")
		} else {
			sb.WriteByte(byte('a' + rng.IntN(26)))
		}
	}
	long := sb.String()
	info, err := Inspect(bytes.NewReader(npmfixture.Tarball(0,
		npmfixture.File("package/package.json", goodPackageJSON),
		npmfixture.File("package/README", "plain"),
		npmfixture.File("package/docs/README.md", "not top-level"),
		npmfixture.File("package/readme.markdown", long),
		npmfixture.File("package/README.md", "second markdown loses"),
	)), limits.Default())
	if err != nil {
		t.Fatal(err)
	}
	if len(info.Readme) > MaxReadmeBytes || !strings.HasPrefix(long, info.Readme) || len(info.Readme) < MaxReadmeBytes-4 || !utf8.ValidString(info.Readme) {
		t.Fatalf("Readme is %d bytes; want the markdown README cut at %d bytes on a rune boundary", len(info.Readme), MaxReadmeBytes)
	}
}

func TestInspectTarballRandomDataPassesRatio(t *testing.T) {
	// Incompressible content must never trip the expansion-ratio check.
	b := make([]byte, 3*limits.MiB)
	rand.NewChaCha8([32]byte{1}).Read(b)
	tgz := npmfixture.Tarball(0, npmfixture.File("package/package.json", goodPackageJSON), npmfixture.File("package/blob.bin", string(b)))
	if _, err := Inspect(bytes.NewReader(tgz), limits.Default()); err != nil {
		t.Fatal(err)
	}
}

func TestInspectTarballRejects(t *testing.T) {
	pj := npmfixture.File("package/package.json", goodPackageJSON)
	many := []npmfixture.Entry{pj}
	for i := range 60 {
		many = append(many, npmfixture.File("package/f"+strings.Repeat("x", i), "x"))
	}
	gz := func(entries ...npmfixture.Entry) []byte { return npmfixture.Tarball(0, entries...) }

	for _, tc := range []struct {
		name   string
		tgz    []byte
		lim    limits.Limits
		kind   core.Kind
		substr string
	}{
		{"not gzip", []byte("PK\x03\x04 this is a zip"), limits.Default(), core.KindInvalid, "tarball is not gzip-compressed"},
		{"empty input", nil, limits.Default(), core.KindInvalid, "tarball is not gzip-compressed"},
		{"plain tar", plainTar(t, pj), limits.Default(), core.KindInvalid, "tarball is not gzip-compressed"},
		{"truncated gzip", func() []byte { b := gz(goodEntries()...); return b[:len(b)-40] }(), limits.Default(), core.KindInvalid, "corrupt or cut short"},
		{"bad gzip checksum", func() []byte { b := gz(goodEntries()...); b[len(b)-6] ^= 0xff; return b }(), limits.Default(), core.KindInvalid, "corrupt or cut short"},
		{"dot-dot", gz(pj, npmfixture.File("package/../x", "evil")), limits.Default(), core.KindInvalid, `tarball entry "package/../x" escapes the package folder`},
		{"leading dot-dot", gz(npmfixture.File("../x", "evil"), pj), limits.Default(), core.KindInvalid, `tarball entry "../x" escapes the package folder`},
		{"absolute", gz(pj, npmfixture.File("/abs", "evil")), limits.Default(), core.KindInvalid, `tarball entry "/abs" has an absolute path`},
		{"drive letter", gz(pj, npmfixture.File("C:/x", "evil")), limits.Default(), core.KindInvalid, "has an absolute path"},
		{"backslash", gz(pj, npmfixture.File(`package\..\..\x`, "evil")), limits.Default(), core.KindInvalid, "has a backslash"},
		{"long path", gz(pj, npmfixture.File("package/"+strings.Repeat("a", MaxPathLength), "x")), limits.Default(), core.KindInvalid, "has a path longer than 1024 bytes"},
		{"symlink escapes", gz(pj, npmfixture.Entry{Name: "package/passwd", Type: tar.TypeSymlink, Link: "../../etc/passwd"}), limits.Default(), core.KindInvalid, "escapes the package folder"},
		{"symlink just out", gz(pj, npmfixture.Entry{Name: "package/lib/x", Type: tar.TypeSymlink, Link: "../../other/x"}), limits.Default(), core.KindInvalid, "escapes the package folder"},
		{"symlink absolute", gz(pj, npmfixture.Entry{Name: "package/passwd", Type: tar.TypeSymlink, Link: "/etc/passwd"}), limits.Default(), core.KindInvalid, "points to an absolute path"},
		{"entry under symlink", gz(pj, npmfixture.Entry{Name: "package/s", Type: tar.TypeSymlink, Link: "."}, npmfixture.File("package/s/x", "x")), limits.Default(), core.KindInvalid, `lies under the symlink "package/s"`},
		{"symlink through symlink", gz(pj,
			npmfixture.Entry{Name: "package/s", Type: tar.TypeSymlink, Link: "a/b"},
			npmfixture.Entry{Name: "package/l", Type: tar.TypeSymlink, Link: "s/../x"}), limits.Default(), core.KindInvalid, `resolves through the symlink "package/s"`},
		{"symlink through later symlink", gz(pj,
			npmfixture.Entry{Name: "package/l", Type: tar.TypeSymlink, Link: "S/../x"},
			npmfixture.Entry{Name: "package/s", Type: tar.TypeSymlink, Link: "."}), limits.Default(), core.KindInvalid, `resolves through the symlink "package/s"`},
		{"hard link", gz(pj, npmfixture.Entry{Name: "package/h", Type: tar.TypeLink, Link: "package/package.json"}), limits.Default(), core.KindInvalid, "is a hard link"},
		{"char device", gz(pj, npmfixture.Entry{Name: "package/null", Type: tar.TypeChar}), limits.Default(), core.KindInvalid, "is a device file"},
		{"block device", gz(pj, npmfixture.Entry{Name: "package/sda", Type: tar.TypeBlock}), limits.Default(), core.KindInvalid, "is a device file"},
		{"fifo", gz(pj, npmfixture.Entry{Name: "package/pipe", Type: tar.TypeFifo}), limits.Default(), core.KindInvalid, "is a FIFO"},
		{"too many files", gz(many...), smallLimits(), core.KindTooLarge, "more than 50 entries"},
		{"missing package.json", gz(npmfixture.File("package/index.js", "x")), limits.Default(), core.KindInvalid, `has no "package/package.json"`},
		{"package.json elsewhere", gz(npmfixture.File("package/lib/package.json", goodPackageJSON)), limits.Default(), core.KindInvalid, `has no "package/package.json"`},
		{"no entries", gz(), limits.Default(), core.KindInvalid, "holds no files"},
		{"package.json not object", gz(npmfixture.File("package/package.json", `["left-pad"]`)), limits.Default(), core.KindInvalid, "must be a JSON object, got an array"},
		{"package.json not JSON", gz(npmfixture.File("package/package.json", `{"name":`)), limits.Default(), core.KindInvalid, "is not valid JSON"},
		{"package.json no version", gz(npmfixture.File("package/package.json", `{"name":"x","version":1}`)), limits.Default(), core.KindInvalid, `string "name" and "version"`},
		{"package.json too large", gz(npmfixture.File("package/package.json", `{"name":"x","version":"1.0.0","pad":"`+strings.Repeat("a", MaxPackageJSONBytes)+`"}`)), limits.Default(), core.KindTooLarge, "package.json in the tarball is"},
		{"two package.json", gz(pj, npmfixture.File("package/package.json", `{"name":"evil","version":"6.6.6"}`)), limits.Default(), core.KindInvalid, `two entries named "package/package.json"`},
		{"case-variant package.json", gz(pj, npmfixture.File("package/Package.json", `{"name":"evil","version":"6.6.6"}`)), limits.Default(), core.KindInvalid, "differ only in case"},
		{"second top folder", gz(pj, npmfixture.File("other/package.json", `{"name":"evil","version":"6.6.6"}`)), limits.Default(), core.KindInvalid, `is outside the package folder: npm tarballs keep every file under "package/"`},
		{"top-level file", gz(npmfixture.File("evil.js", "x"), pj), limits.Default(), core.KindInvalid, "is outside the package folder"},
		{"tarball over limit", gz(pj, npmfixture.File("package/a", strings.Repeat("a", 10))), limits.Limits{TarballBytes: 30, UnpackedBytes: 1 << 20, ExpansionRatio: 200, Files: 10}, core.KindTooLarge, "limits.tarball_bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			info, err := Inspect(bytes.NewReader(tc.tgz), tc.lim)
			if info != nil {
				t.Fatalf("got info with error %v", err)
			}
			wantErr(t, err, tc.kind, tc.substr)
		})
	}
}

// plainTar is an uncompressed tar of entries.
func plainTar(t *testing.T, entries ...npmfixture.Entry) []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		if err := tw.WriteHeader(&tar.Header{Name: e.Name, Mode: 0o644, Size: int64(len(e.Body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(tw, e.Body); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestInspectTarballGzipBombs checks each bomb defence, and that none of
// them works by first reading the whole stream into memory.
func TestInspectTarballGzipBombs(t *testing.T) {
	const twenty = 20 * limits.MiB
	pj := npmfixture.File("package/package.json", goodPackageJSON)
	noRatio := limits.Limits{TarballBytes: 1 * limits.MiB, UnpackedBytes: 4 * limits.MiB, ExpansionRatio: 1 << 40, Files: 100}

	for _, tc := range []struct {
		name   string
		tgz    []byte
		lim    limits.Limits
		substr string
	}{
		// The header announces 20 MiB: refused before any of it is inflated.
		{"one 20 MiB file of zeros", npmfixture.Tarball(0, pj, npmfixture.Entry{Name: "package/zeros", Zeros: twenty}), noRatio, "unpacks to more than 4 MiB"},
		// Within UnpackedBytes, but it expands about 1000 times.
		{"ratio", npmfixture.Tarball(0, pj, npmfixture.Entry{Name: "package/zeros", Zeros: twenty}), limits.Default(), "expands more than 200 times"},
		// No header announces these bytes: only the stream count sees them.
		{"zeros after the tar end", npmfixture.Tarball(twenty, pj), noRatio, "unpacks to more than 4 MiB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if len(tc.tgz) > limits.MiB {
				t.Fatalf("test bomb is %d bytes compressed; it should be tiny", len(tc.tgz))
			}
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			info, err := Inspect(bytes.NewReader(tc.tgz), tc.lim)
			runtime.ReadMemStats(&after)
			if info != nil {
				t.Fatal("got info for a gzip bomb")
			}
			wantErr(t, err, core.KindTooLarge, tc.substr)
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 2*limits.MiB {
				t.Fatalf("Inspect allocated %d bytes on a bomb; it must stream, not buffer", alloc)
			}
		})
	}
}

type failingReader struct{ err error }

func (r failingReader) Read([]byte) (int, error) { return 0, r.err }

func TestInspectTarballSourceErrorIsInternal(t *testing.T) {
	boom := errors.New("disk on fire")
	tgz := npmfixture.Tarball(0, goodEntries()...)
	r := io.MultiReader(bytes.NewReader(tgz[:100]), failingReader{boom})
	_, err := Inspect(r, limits.Default())
	if !errors.Is(err, boom) || core.KindOf(err) != core.KindInternal {
		t.Fatalf("got %v (kind %v); a failing reader is our fault, not the tarball's", err, core.KindOf(err))
	}
}

func TestCleanEntryPath(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"package/a.js", "package/a.js"},
		{"package/lib/", "package/lib"},
		{"package/é.js", "package/é.js"},
	} {
		got, err := cleanEntryPath(tc.in)
		if err != nil || got != tc.want {
			t.Fatalf("cleanEntryPath(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{"", "..", "a/../..", "a/..", "/etc/passwd", "c:/x", `C:\x`, `a\b`, "a\x00b", "a/\xff", strings.Repeat("a", 1025),
		// Not canonical: npm strips the first segment as written.
		"./package/a.js", "package//a.js", "package/./a.js", "package/.", "./", "package//",
		"package/a\nb", "package/a\x7fb", "package/\ufffd"} {
		if _, err := cleanEntryPath(in); core.KindOf(err) != core.KindInvalid {
			t.Fatalf("cleanEntryPath(%q) = %v, want a KindInvalid error", in, err)
		}
	}
}

func TestTrimPartialRune(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"abc", "abc"},
		{"ab\xc3", "ab"},            // first byte of é
		{"a\xf0\x9f\x98", "a"},      // three bytes of 😀
		{"a\xf0\x9f\x98\x80", "a😀"}, // whole
		{"é", "é"},
	} {
		if got := string(trimPartialRune([]byte(tc.in))); got != tc.want {
			t.Fatalf("trimPartialRune(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
