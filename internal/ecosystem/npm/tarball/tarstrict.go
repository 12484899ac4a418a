package tarball

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/rampart/rampart/internal/core"
)

// This file is the second reader of every package tarball. archive/tar,
// which Inspect walks, is not what installs the package: npm 11
// extracts with node-tar, and the two read some archives differently (a
// PAX global header's size, a regular file named "x/", two PAX headers in
// a row, a link name on a file, a checksum field without terminator, a
// base-256 number node-tar refuses, a PAX value with a newline, ...). Each
// such difference lets an attacker hide, in what Go reads as file data,
// a header that npm extracts as a second package/package.json: manifest
// confusion, past every path check.
//
// tarChecker therefore sees every byte archive/tar reads and accepts only
// the plain archives npm pack writes, whose reading both readers agree on
// field by field: ustar headers with regular files, directories and
// symlinks, each optionally preceded by one PAX extended header with a
// small set of records. It refuses everything else, and any data block
// that would parse as a header were a reader to lose its place.
// Inspect then checks that archive/tar saw the same entries.

// blockSize is the tar block size.
const blockSize = 512

// tarState is where in the archive the next block falls.
type tarState int

const (
	stHeader tarState = iota // a header, or the first zero block of the end
	stPAX                    // the records of a PAX extended header
	stData                   // file data
	stEnd                    // after the first zero block: only zeros
)

// rawEntry is an entry as tarChecker read it, PAX records applied.
type rawEntry struct {
	name, linkname string
	typ            byte
	size           int64
}

// tarChecker is a push parser: write feeds it the decompressed archive
// in any pieces, and it checks each block as it completes.
type tarChecker struct {
	blk    [blockSize]byte
	n      int // bytes in blk
	offset int64
	state  tarState
	left   int64 // data bytes left in the current entry or PAX header

	paxSize int64
	paxBuf  []byte
	pending map[string]string // PAX records for the next entry; nil if none

	last    rawEntry // the last entry read
	entries int      // entries read, PAX headers not counted
	err     error
}

// tap makes c see every byte read through r.
func (c *tarChecker) tap(r io.Reader) io.Reader { return &tapReader{r: r, c: c} }

type tapReader struct {
	r io.Reader
	c *tarChecker
}

func (t *tapReader) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if n > 0 {
		if cerr := t.c.write(p[:n]); cerr != nil {
			return 0, cerr
		}
	}
	return n, err
}

func (c *tarChecker) write(p []byte) error {
	for len(p) > 0 && c.err == nil {
		if c.state == stEnd {
			// Past the end marker npm reads nothing, and neither does Go:
			// anything here is hidden from both, so only padding may be.
			if i := bytes.IndexFunc(p, func(r rune) bool { return r != 0 }); i >= 0 {
				c.err = c.fail(c.offset+int64(c.n)+int64(i), "has data after the end of the archive")
			}
			c.offset += int64(len(p))
			return c.err
		}
		k := copy(c.blk[c.n:], p)
		c.n += k
		p = p[k:]
		if c.n == blockSize {
			c.err = c.block(c.blk[:])
			c.n = 0
			c.offset += blockSize
		}
	}
	return c.err
}

// explain turns an error archive/tar met into the strict reader's own
// message when it has one: archive/tar may stop in the middle of a block
// (a PAX header's records) that the strict reader has yet to see whole.
func (c *tarChecker) explain(err error, unpacked io.Reader) error {
	if c.err == nil && c.n > 0 {
		_, _ = io.CopyN(io.Discard, unpacked, int64(blockSize-c.n))
	}
	if c.err != nil {
		return c.err
	}
	return readError(err)
}

// finish reports an archive that ends inside an entry or a block.
func (c *tarChecker) finish() error {
	switch {
	case c.err != nil:
		return c.err
	case c.state == stData || c.state == stPAX || c.n > 0 && c.state != stEnd:
		return c.fail(c.offset, "is cut short")
	case c.pending != nil:
		return c.fail(c.offset, "ends with a PAX header that describes no entry")
	}
	return nil
}

func (c *tarChecker) fail(off int64, what string) error {
	return core.Errorf(core.KindInvalid, "the tarball %s (at byte %d of the tar archive); %s", what, off, repackFix)
}

func (c *tarChecker) block(b []byte) error {
	switch c.state {
	case stData:
		return c.dataBlock(b, "entry "+echo(c.last.name))
	case stPAX:
		if err := c.dataBlock(b, "a PAX header"); err != nil {
			return err
		}
		c.paxBuf = append(c.paxBuf, b[:min(int64(blockSize), c.paxSize-int64(len(c.paxBuf)))]...)
		if c.state == stHeader {
			recs, err := parsePAXRecords(c.paxBuf)
			if err != nil {
				return c.fail(c.offset, err.Error())
			}
			c.pending, c.paxBuf = recs, nil
		}
		return nil
	}
	if isZero(b) {
		if c.pending != nil {
			return c.fail(c.offset, "ends with a PAX header that describes no entry")
		}
		// One zero block may be followed only by zeros: node-tar reads on
		// after a single zero block, Go stops or fails.
		c.state = stEnd
		return nil
	}
	return c.header(b)
}

// dataBlock checks one block of entry data and counts it off.
func (c *tarChecker) dataBlock(b []byte, owner string) error {
	if looksLikeHeader(b) {
		return c.fail(c.offset, owner+" holds data that reads as a tar header, a way to hide files from one tar reader but not another; if the package ships a .tar file, compress it (.tgz)")
	}
	c.left -= blockSize
	if c.left <= 0 {
		c.state = stHeader
	}
	return nil
}

// header checks one header block field by field.
func (c *tarChecker) header(b []byte) error {
	h, err := parseRawHeader(b)
	if err != nil {
		return c.fail(c.offset, err.Error())
	}
	if h.typ == 'x' {
		if c.pending != nil {
			// node-tar merges two PAX headers, Go keeps only the last.
			return c.fail(c.offset, "has two PAX headers in a row")
		}
		if h.name == "" {
			// node-tar skips a nameless header and reads its records as
			// headers; Go reads them as records.
			return c.fail(c.offset, "has a PAX header without a name")
		}
		if h.size > MaxPAXHeaderBytes {
			return c.fail(c.offset, fmt.Sprintf("has a PAX header of %d bytes, over the limit of %d", h.size, MaxPAXHeaderBytes))
		}
		c.paxSize, c.paxBuf = h.size, make([]byte, 0, h.size)
		c.enter(stPAX, h.size)
		if h.size == 0 {
			c.pending = map[string]string{}
		}
		return nil
	}
	e, err := applyPAX(h, c.pending)
	if err != nil {
		return c.fail(c.offset, fmt.Sprintf("entry %s %s", echo(h.name), err))
	}
	c.pending = nil
	if err := checkEntryShape(e); err != nil {
		return c.fail(c.offset, fmt.Sprintf("entry %s %s", echo(e.name), err))
	}
	c.last = e
	c.entries++
	c.enter(stData, e.size)
	return nil
}

// enter starts reading size bytes of data, if any.
func (c *tarChecker) enter(s tarState, size int64) {
	c.left = (size + blockSize - 1) / blockSize * blockSize
	c.state = stHeader
	if c.left > 0 {
		c.state = s
	}
}

// rawHeader is a header block's fields, before PAX records.
type rawHeader struct {
	name, linkname, prefix string
	typ                    byte
	size                   int64
}

// parseRawHeader reads a header block the one way that node-tar and
// archive/tar agree on, and refuses every block where they might not.
func parseRawHeader(b []byte) (rawHeader, error) {
	var h rawHeader
	sum, ok := octalField(b[148:156], true)
	if !ok {
		return h, fmt.Errorf("has a tar header whose checksum field is not a plain octal number")
	}
	if sum != unsignedSum(b) {
		return h, fmt.Errorf("has a tar header with a wrong checksum")
	}
	switch string(b[257:265]) {
	case "ustar\x0000":
	case "ustar  \x00":
		// GNU tar's default format. Go reads no prefix from it and neither
		// does node-tar, so the area where GNU keeps times and sparse maps
		// (and ustar its prefix) must be empty for both to read one name.
		if !isZero(b[345:512]) {
			return h, fmt.Errorf("has a GNU tar header with data in its prefix area")
		}
	default:
		return h, fmt.Errorf("has a tar header in another format than the ustar npm pack writes (magic %q)", b[257:265])
	}
	// Numbers: node-tar reads some fields past their end or cuts them at a
	// NUL where Go trims it, and refuses base-256 prefixes Go accepts.
	for _, f := range []struct {
		name       string
		lo, hi     int
		needDigits bool
	}{{"mode", 100, 108, true}, {"uid", 108, 116, false}, {"gid", 116, 124, false}, {"size", 124, 136, true},
		{"mtime", 136, 148, false}, {"devmajor", 329, 337, false}, {"devminor", 337, 345, false}} {
		v, ok := octalField(b[f.lo:f.hi], f.needDigits)
		if !ok {
			return h, fmt.Errorf("has a tar header whose %s field is not a plain octal number", f.name)
		}
		if f.name == "size" {
			h.size = v
		}
	}
	// Strings: node-tar cuts at a NUL only up to the next newline; Go
	// cuts at the NUL. Padding must be NULs for both to read the same.
	for _, f := range []struct {
		name   string
		lo, hi int
	}{{"name", 0, 100}, {"linkname", 157, 257}, {"uname", 265, 297}, {"gname", 297, 329}, {"prefix", 345, 500}} {
		s, ok := cString(b[f.lo:f.hi])
		if !ok {
			return h, fmt.Errorf("has a tar header whose %s field has bytes after its end", f.name)
		}
		switch f.name {
		case "name":
			h.name = s
		case "linkname":
			h.linkname = s
		case "prefix":
			h.prefix = s
		}
	}
	// Bytes 500-511 are where star puts atime, ctime and a trailer that
	// makes Go read a shorter prefix than node-tar does.
	if !isZero(b[500:512]) {
		return h, fmt.Errorf("has a tar header with data in its padding")
	}
	if h.prefix != "" {
		h.name = h.prefix + "/" + h.name
	}
	h.typ = b[156]
	if err := checkType(h); err != nil {
		return h, err
	}
	return h, nil
}

// checkType allows regular files, directories, symlinks and local PAX
// headers; the messages name what the others are.
func checkType(h rawHeader) error {
	switch h.typ {
	case '0', '5', '2', 'x':
		return nil
	case 'g':
		return fmt.Errorf("has a PAX global header, which npm applies to every later entry and other tar readers do not")
	case 'L', 'K':
		return fmt.Errorf("has a GNU long-name header, which npm pack never writes")
	case 0:
		return fmt.Errorf("entry %s has the old-style type flag NUL, which tar readers treat differently", echo(h.name))
	case '1':
		return fmt.Errorf("entry %s is a hard link; hard links are not allowed in packages", echo(h.name))
	case '3', '4':
		return fmt.Errorf("entry %s is a device file; packages may hold only files, directories and symlinks", echo(h.name))
	case '6':
		return fmt.Errorf("entry %s is a FIFO; packages may hold only files, directories and symlinks", echo(h.name))
	}
	return fmt.Errorf("entry %s has type %q, which npm does not extract; packages may hold only files, directories and symlinks", echo(h.name), h.typ)
}

// paxKeys are the PAX records npm pack and common tars write, and that
// node-tar and archive/tar both read, or both ignore. Others ("type",
// "mode", GNU.sparse.*, ...) change an entry for one reader only.
var paxKeys = map[string]bool{
	"path": true, "linkpath": true, "size": true,
	"mtime": true, "atime": true, "ctime": true,
	"uid": true, "gid": true, "uname": true, "gname": true,
	"charset": true, "comment": true,
	"SCHILY.dev": true, "SCHILY.ino": true, "SCHILY.nlink": true,
}

// parsePAXRecords reads "length key=value\n" records strictly: node-tar
// splits on newlines and skips what it cannot parse, Go goes by the
// lengths, so every record must be well-formed and free of newlines.
func parsePAXRecords(b []byte) (map[string]string, error) {
	recs := map[string]string{}
	for len(b) > 0 {
		sp := bytes.IndexByte(b, ' ')
		if sp <= 0 || sp > 5 || (b[0] == '0') {
			return nil, fmt.Errorf("has a malformed PAX record")
		}
		n, err := strconv.Atoi(string(b[:sp]))
		if err != nil || n <= sp+1 || n > len(b) || b[n-1] != '\n' {
			return nil, fmt.Errorf("has a malformed PAX record")
		}
		kv := b[sp+1 : n-1]
		b = b[n:]
		eq := bytes.IndexByte(kv, '=')
		if eq <= 0 {
			return nil, fmt.Errorf("has a malformed PAX record")
		}
		k, v := string(kv[:eq]), string(kv[eq+1:])
		switch {
		case !paxKeys[k]:
			return nil, fmt.Errorf("has a PAX record %s that npm and other tar readers apply differently", echo(k))
		case v == "" || strings.ContainsAny(v, "\n\x00") || !utf8.ValidString(v):
			return nil, fmt.Errorf("has a PAX record %s with an empty value, a newline, a NUL or invalid UTF-8", echo(k))
		case recs[k] != "":
			return nil, fmt.Errorf("has two PAX records %s for one entry", echo(k))
		case !paxValueOK(k, v):
			return nil, fmt.Errorf("has a PAX record %s with the value %s, which is not a plain number", echo(k), echo(v))
		}
		recs[k] = v
	}
	return recs, nil
}

// paxValueOK checks numbers in the one spelling both readers parse alike.
func paxValueOK(k, v string) bool {
	switch k {
	case "size", "uid", "gid", "SCHILY.dev", "SCHILY.ino", "SCHILY.nlink":
		return decimal(v, 15)
	case "mtime", "atime", "ctime":
		whole, frac, dot := strings.Cut(v, ".")
		return decimal(whole, 15) && (!dot || len(frac) > 0 && len(frac) <= 9 && allDigits(frac))
	}
	return true
}

func decimal(s string, maxDigits int) bool {
	return s != "" && len(s) <= maxDigits && allDigits(s) && (s == "0" || s[0] != '0')
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// applyPAX turns a header and its PAX records into the entry both
// readers see.
func applyPAX(h rawHeader, recs map[string]string) (rawEntry, error) {
	e := rawEntry{name: h.name, linkname: h.linkname, typ: h.typ, size: h.size}
	if p, ok := recs["path"]; ok {
		if h.prefix != "" {
			// node-tar's header joins the prefix to the PAX path.
			return e, fmt.Errorf("has both a PAX path and a ustar prefix")
		}
		e.name = p
	}
	if l, ok := recs["linkpath"]; ok {
		switch {
		case h.typ != '2':
			return e, fmt.Errorf("has a PAX link target but is not a symlink")
		case h.linkname == "":
			// node-tar checks the header's own field and skips the entry.
			return e, fmt.Errorf("is a symlink with a PAX link target but none in its header")
		}
		e.linkname = l
	}
	if s, ok := recs["size"]; ok {
		e.size, _ = strconv.ParseInt(s, 10, 64)
	}
	return e, nil
}

// checkEntryShape refuses entries whose type and other fields contradict
// each other, which node-tar resolves one way and Go another.
func checkEntryShape(e rawEntry) error {
	switch {
	case e.name == "":
		return fmt.Errorf("has an empty name")
	case e.typ != '2' && e.linkname != "":
		// node-tar skips such a header and reads its data as headers.
		return fmt.Errorf("has a link target but is not a symlink")
	case e.typ == '2' && (e.linkname == "" || e.size != 0):
		return fmt.Errorf("is a symlink without a target or with data")
	case e.typ == '0' && strings.HasSuffix(e.name, "/"):
		// node-tar reads it as a directory with no data, Go reads its data.
		return fmt.Errorf("is a regular file whose name ends in \"/\", which npm reads as a directory")
	case e.typ == '5' && e.size != 0:
		return fmt.Errorf("is a directory with data")
	}
	return nil
}

// octalField reads a numeric header field in the one spelling both
// readers parse alike: optional leading spaces, octal digits, then at
// least one space or NUL and nothing but spaces and NULs.
func octalField(f []byte, needDigits bool) (int64, bool) {
	i := 0
	for i < len(f) && f[i] == ' ' {
		i++
	}
	start := i
	for i < len(f) && '0' <= f[i] && f[i] <= '7' {
		i++
	}
	digits := f[start:i]
	if i == len(f) || (needDigits && len(digits) == 0) {
		return 0, false // no terminator: node-tar reads on into the next field
	}
	for _, c := range f[i:] {
		if c != ' ' && c != 0 {
			return 0, false
		}
	}
	if len(digits) == 0 {
		return 0, true
	}
	v, err := strconv.ParseInt(string(digits), 8, 64)
	return v, err == nil
}

// cString reads a NUL-padded string field; after the first NUL there
// must be only NULs.
func cString(f []byte) (string, bool) {
	i := bytes.IndexByte(f, 0)
	if i < 0 {
		return string(f), true
	}
	return string(f[:i]), isZero(f[i:])
}

// unsignedSum is the ustar checksum: the unsigned sum of the block with
// the checksum field counted as spaces.
func unsignedSum(b []byte) int64 {
	var s int64
	for i, c := range b[:blockSize] {
		if 148 <= i && i < 156 {
			c = ' '
		}
		s += int64(c)
	}
	return s
}

// signedSum is the sum some old tars wrote, with bytes taken as signed;
// Go accepts it.
func signedSum(b []byte) int64 {
	var s int64
	for i, c := range b[:blockSize] {
		if 148 <= i && i < 156 {
			c = ' '
		}
		s += int64(int8(c))
	}
	return s
}

// looksLikeHeader reports a block that some tar reader, lost in the
// middle of file data, would take for a header, reading its checksum the
// way that reader does:
//
//   - node-tar: the 12-byte field as parseInt reads it (leading space,
//     digits up to the first other byte; base-256 after a high bit),
//     against the unsigned sum only;
//   - archive/tar: the 8-byte field as parseOctal reads it (spaces and
//     NULs trimmed, cut at a NUL, then octal digits only), against the
//     unsigned or the signed sum.
//
// Each reader's own rule, not the union of their leniencies: a looser
// test (any leading digit against either sum) matches about one block of
// random data in 20 000, so ordinary binary files (images, wasm, native
// addons) would be refused. Zero blocks are the end marker to every
// reader, not a header.
func looksLikeHeader(b []byte) bool {
	if isZero(b) {
		return false
	}
	u := unsignedSum(b)
	if v, ok := looseNumber(b[148:160]); ok && v == u {
		return true
	}
	if v, ok := goOctal(b[148:156]); ok && (v == u || v == signedSum(b)) {
		return true
	}
	return false
}

// goOctal reads a checksum field as archive/tar's parseOctal does.
func goOctal(f []byte) (int64, bool) {
	f = bytes.Trim(f, " \x00")
	if i := bytes.IndexByte(f, 0); i >= 0 {
		f = f[:i]
	}
	if len(f) == 0 {
		return 0, true
	}
	v, err := strconv.ParseUint(string(f), 8, 63)
	return int64(v), err == nil
}

// looseNumber reads a numeric field as leniently as any tar reader does:
// base-256 after a high bit, else octal digits after whitespace and NULs.
func looseNumber(f []byte) (int64, bool) {
	if f[0]&0x80 != 0 {
		var x int64
		for i, c := range f {
			if i == 0 {
				c &= 0x7f
			}
			if x>>48 != 0 {
				return 0, false
			}
			x = x<<8 | int64(c)
		}
		return x, true
	}
	i := 0
	for i < len(f) && (f[i] == ' ' || f[i] == 0 || '\t' <= f[i] && f[i] <= '\r') {
		i++
	}
	if i < len(f) && (f[i] == '+' || f[i] == '-') {
		i++
	}
	var x int64
	n := 0
	for ; i < len(f) && '0' <= f[i] && f[i] <= '7'; i++ {
		x = x*8 + int64(f[i]-'0')
		n++
	}
	return x, n > 0
}

func isZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
