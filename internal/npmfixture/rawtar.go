package npmfixture

import (
	"bytes"
	"compress/gzip"
	"fmt"
)

// RawHeader is one 512-byte tar header written field by field, for tests
// that need archives archive/tar would refuse to write: the tarballs an
// attacker crafts so that two tar readers see different files.
type RawHeader struct {
	Name, Linkname, Prefix string
	Type                   byte
	Size                   int64
	// Mode defaults to 0644 when zero.
	Mode int64
	// Magic replaces "ustar\x0000" (magic and version) when set.
	Magic string
	// Edit, when set, changes the block before its checksum is computed.
	Edit func(block []byte)
}

// Block is the header as a checksummed 512-byte block, in the layout
// node-tar writes (ustar; octal numbers ending in a space and a NUL).
func (h RawHeader) Block() []byte {
	b := make([]byte, 512)
	copy(b[0:100], h.Name)
	mode := h.Mode
	if mode == 0 {
		mode = 0o644
	}
	octal(b[100:108], mode)
	octal(b[108:116], 0)
	octal(b[116:124], 0)
	octal(b[124:136], h.Size)
	octal(b[136:148], npmEpoch.Unix())
	b[156] = h.Type
	copy(b[157:257], h.Linkname)
	magic := h.Magic
	if magic == "" {
		magic = "ustar\x0000"
	}
	copy(b[257:265], magic)
	copy(b[345:500], h.Prefix)
	if h.Edit != nil {
		h.Edit(b)
	}
	Checksum(b)
	return b
}

// Checksum writes the checksum of a header block into it: the unsigned
// sum of its bytes with the checksum field counted as spaces.
func Checksum(b []byte) {
	copy(b[148:156], "        ")
	sum := 0
	for _, c := range b[:512] {
		sum += int(c)
	}
	octal(b[148:156], int64(sum))
}

// octal writes n as zero-padded octal digits followed by a space and a
// NUL, filling the field.
func octal(field []byte, n int64) {
	s := fmt.Sprintf("%0*o \x00", len(field)-2, n)
	copy(field, s)
}

// Padded is data followed by zeros up to a whole number of blocks.
func Padded(data []byte) []byte {
	n := (len(data) + 511) / 512 * 512
	out := make([]byte, n)
	copy(out, data)
	return out
}

// RawFile is a regular file entry: its header and padded data.
func RawFile(name string, body []byte) []byte {
	return append(RawHeader{Name: name, Type: '0', Size: int64(len(body))}.Block(), Padded(body)...)
}

// PAXRecord is one "length key=value\n" record of a PAX extended header.
func PAXRecord(key, value string) string {
	rest := " " + key + "=" + value + "\n"
	n := len(rest) + 1
	for len(fmt.Sprint(n))+len(rest) != n {
		n++
	}
	return fmt.Sprint(n) + rest
}

// RawPAX is a PAX extended header of type typ ('x' for the next entry,
// 'g' for all that follow) holding records, with its padded data.
func RawPAX(typ byte, records ...string) []byte {
	var body bytes.Buffer
	for _, r := range records {
		body.WriteString(r)
	}
	h := RawHeader{Name: "PaxHeader/x", Type: typ, Size: int64(body.Len())}
	return append(h.Block(), Padded(body.Bytes())...)
}

// EndOfArchive is the two zero blocks that end a tar archive.
func EndOfArchive() []byte { return make([]byte, 1024) }

// Gzip joins parts into one gzip stream, as npm pack compresses.
func Gzip(parts ...[]byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	for _, p := range parts {
		_, err := zw.Write(p)
		must(err, "gzip")
	}
	must(zw.Close(), "closing gzip")
	return buf.Bytes()
}
