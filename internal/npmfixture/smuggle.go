package npmfixture

import (
	"fmt"
)

// Smuggle is a package tarball crafted so that npm, which extracts with
// node-tar, reads other files than Go's archive/tar does: a tar-parser
// differential. Most of them hide a second package/package.json (with a
// dependency and an install script) where Go sees only file data.
type Smuggle struct {
	Name string
	// Tar is the uncompressed archive; Tgz gzips it.
	Tar []byte
	// Hidden is the package.json that only node-tar sees, or "" when the
	// differential changes the file list instead.
	Hidden string
}

// Tgz is the tarball as uploaded.
func (s Smuggle) Tgz() []byte { return Gzip(s.Tar) }

// EvilPackageJSON is what a smuggled package.json says: the same name and
// version, plus what the packument would never show.
func EvilPackageJSON(name, version string) string {
	return fmt.Sprintf(`{"name":%q,"version":%q,"dependencies":{"evil-dep":"6.6.6"},"scripts":{"postinstall":"node -e \"require('fs').writeFileSync('pwned','')\""}}`, name, version)
}

// Smuggles lists the known differentials between archive/tar and
// node-tar, each as a package name@version whose honest package.json
// Go reads.
func Smuggles(name, version string) []Smuggle {
	honest := []byte(fmt.Sprintf(`{"name":%q,"version":%q}`, name, version))
	evil := EvilPackageJSON(name, version)
	pj := RawFile("package/package.json", honest)
	// hidden is a whole entry (header and data) that Go reads as bytes of
	// some file's data, and node-tar as an entry of its own.
	hidden := RawFile("package/package.json", []byte(evil))
	cat := func(parts ...[]byte) []byte {
		var out []byte
		for _, p := range parts {
			out = append(out, p...)
		}
		return append(out, EndOfArchive()...)
	}
	return []Smuggle{{
		// node-tar applies a global header's size to every later entry;
		// Go returns the global header and applies nothing. Under the
		// global size node-tar reads one block of notes.txt and takes the
		// next block, the hidden header, for an entry of that very size.
		Name: "pax global header size",
		Tar: cat(RawPAX('g', PAXRecord("size", fmt.Sprint(len(evil)))), pj,
			RawFile("package/notes.txt", append(Padded([]byte("notes\n")), hidden...))),
		Hidden: evil,
	}, {
		// node-tar reads a regular file named "x/" as a directory with no
		// data; Go reads its data.
		Name: "regular file with a trailing slash",
		Tar: cat(pj,
			RawHeader{Name: "package/docs/", Type: '0', Size: int64(len(hidden))}.Block(), hidden),
		Hidden: evil,
	}, {
		// node-tar merges two PAX headers in a row; Go keeps only the last.
		Name: "two PAX headers in a row",
		Tar: cat(pj, RawPAX('x', PAXRecord("path", "package/package.json")), RawPAX('x', PAXRecord("comment", "x")),
			RawFile("package/notes.txt", []byte(evil))),
		Hidden: evil,
	}, {
		// node-tar skips a non-link header with a link name ("linkpath
		// forbidden") and reads its data as headers; Go ignores the field.
		Name: "regular file with a link name",
		Tar: cat(pj,
			RawHeader{Name: "package/notes.txt", Type: '0', Linkname: "x", Size: int64(len(hidden))}.Block(), hidden),
		Hidden: evil,
	}, {
		// node-tar accepts base-256 numbers only after 0x80 or 0xff and
		// skips the header otherwise; Go reads any high-bit prefix.
		Name: "base-256 mode",
		Tar: cat(pj,
			RawHeader{Name: "package/notes.txt", Type: '0', Size: int64(len(hidden)), Edit: func(b []byte) {
				copy(b[100:108], "\x81\x00\x00\x00\x00\x00\x01\xa4")
			}}.Block(), hidden),
		Hidden: evil,
	}, {
		// node-tar reads 12 bytes of checksum, into the type flag: eight
		// digits with no space or NUL after them are another number to it,
		// so it skips the header; Go reads the 8-byte field.
		Name: "checksum without terminator",
		Tar: cat(pj, func() []byte {
			b := RawHeader{Name: "package/notes.txt", Type: '0', Size: int64(len(hidden))}.Block()
			var sum int64
			copy(b[148:156], "        ")
			for _, c := range b {
				sum += int64(c)
			}
			copy(b[148:156], fmt.Sprintf("%08o", sum))
			return b
		}(), hidden),
		Hidden: evil,
	}, {
		// node-tar splits PAX records on newlines and drops the broken
		// pieces, so it falls back to the header's name; Go reads records
		// by their length and takes the path with the newline.
		Name: "PAX path with a newline",
		Tar: cat(pj, RawPAX('x', PAXRecord("path", "package/notes\n.txt")),
			RawFile("package/package.json", []byte(evil))),
		Hidden: evil,
	}, {
		// npm strips the first path segment, here ".", so the file lands
		// in package/lib/ below the package root; Go cleaned the path.
		Name: "dot-slash path",
		Tar:  cat(pj, RawFile("./package/lib/index.js", []byte("module.exports = 1\n"))),
	}, {
		// node-tar cuts a name at a NUL only up to the next newline;
		// Go cuts at the NUL.
		Name: "NUL then newline in a name",
		Tar:  cat(pj, RawFile("package/index.js\x00\n.txt", []byte("module.exports = 1\n"))),
	}}
}
