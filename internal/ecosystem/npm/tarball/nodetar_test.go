package tarball

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"
)

// This file is an independent reading of tar archives with node-tar's
// semantics (npm 11's tar 7.x: lib/parse.js, lib/header.js, lib/pax.js,
// lib/read-entry.js), written from its source and not sharing a line with
// tarstrict.go. The fuzz target compares what Inspect accepts with
// what this reader sees; TestNodeTarOracle compares both with the real
// node-tar.

// nodeEntry is an entry as node-tar emits it.
type nodeEntry struct {
	path, typ string
	data      []byte
}

// nodeTypes is node-tar's lib/types.js name map.
var nodeTypes = map[string]string{
	"0": "File", "": "OldFile", "1": "Link", "2": "SymbolicLink", "3": "CharacterDevice",
	"4": "BlockDevice", "5": "Directory", "6": "FIFO", "7": "ContiguousFile",
	"g": "GlobalExtendedHeader", "x": "ExtendedHeader", "A": "SolarisACL", "D": "GNUDumpDir",
	"I": "Inode", "K": "NextFileHasLongLinkpath", "L": "NextFileHasLongPath", "M": "ContinuationFile",
	"N": "OldGnuLongPath", "S": "SparseFile", "V": "TapeVolumeHeader", "X": "OldExtendedHeader",
}

// nodeNormalFS are the types PAX and GNU headers may apply to.
var nodeNormalFS = map[string]bool{"0": true, "": true, "1": true, "2": true, "3": true, "4": true, "5": true, "6": true, "7": true, "D": true}

// jsCutNUL is s.replace(/\0.*/, ""): from the first NUL up to the next
// newline, since "." does not match one.
func jsCutNUL(s string) string {
	i := strings.IndexByte(s, 0)
	if i < 0 {
		return s
	}
	j := strings.IndexByte(s[i:], '\n')
	if j < 0 {
		return s[:i]
	}
	return s[:i] + s[i+j:]
}

func decString(b []byte) string { return jsCutNUL(strings.ToValidUTF8(string(b), "\uFFFD")) }

// decNumber is header.js decNumber; ok is false where node-tar throws
// (the whole header is then skipped) and undefined is NaN.
func decNumber(b []byte) (v int64, defined, ok bool) {
	if b[0]&0x80 != 0 {
		switch b[0] {
		case 0x80:
			for _, c := range b[1:] {
				v = v*256 + int64(c)
			}
		case 0xff:
			for _, c := range b {
				v = v*256 + int64(c)
			}
			v -= 1 << (8 * len(b)) // two's complement of the whole field
		default:
			return 0, false, false
		}
		return v, true, v > -(1<<53) && v < 1<<53
	}
	s := strings.ToValidUTF8(string(b), "\uFFFD")
	// replace(/\0.*$/, ''): the first NUL with no newline after it.
	for i := 0; i < len(s); i++ {
		if s[i] == 0 && !strings.Contains(s[i:], "\n") {
			s = s[:i]
			break
		}
	}
	s = strings.TrimFunc(s, func(r rune) bool { return strings.ContainsRune(" \t\n\v\f\r\u00a0\ufeff", r) })
	return jsParseInt(s, 8)
}

// jsParseInt is parseInt(s, base) for a string already trimmed.
func jsParseInt(s string, base int) (int64, bool, bool) {
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg, s = s[0] == '-', s[1:]
	}
	var v int64
	n := 0
	for ; n < len(s) && '0' <= s[n] && int(s[n]-'0') < base && n < 18; n++ {
		v = v*int64(base) + int64(s[n]-'0')
	}
	if n == 0 {
		return 0, false, true
	}
	if neg {
		v = -v
	}
	return v, true, true
}

// nodeHeader is what header.js decodes from one block.
type nodeHeader struct {
	path, linkpath, typ string // typ is the type code
	size                int64
	sizeDefined         bool
	cksumValid, null    bool
}

func decodeNodeHeader(b []byte, ex, gex map[string]string) (nodeHeader, bool) {
	var h nodeHeader
	t := decString(b[156:157])
	normal := nodeNormalFS[t]
	if normal {
		for _, m := range []map[string]string{gex, ex} {
			if v, ok := m["type"]; ok && !nodeTypeName(v) {
				return h, false // the type setter throws
			}
		}
	}
	h.path = decString(b[0:100])
	if p, ok := ex["path"]; ok && normal {
		h.path = p
	}
	for _, f := range [][2]int{{100, 108}, {108, 116}, {116, 124}, {136, 148}} {
		if _, _, ok := decNumber(b[f[0]:f[1]]); !ok {
			return h, false
		}
	}
	size, sizeDef, ok := decNumber(b[124:136])
	if !ok {
		return h, false
	}
	if normal {
		if s, ok := gex["size"]; ok {
			size, _ = strconv.ParseInt(s, 10, 64)
			sizeDef = true
		}
		if s, ok := ex["size"]; ok {
			size, _ = strconv.ParseInt(s, 10, 64)
			sizeDef = true
		}
	}
	if sizeDef && size < 0 {
		sizeDef = false
	}
	h.size, h.sizeDefined = size, sizeDef
	cksum, cksumDef, ok := decNumber(b[148:160])
	if !ok {
		return h, false
	}
	h.typ = "Unsupported"
	if _, known := nodeTypes[t]; known {
		h.typ = t
		if t == "" {
			h.typ = "0"
		}
	}
	if h.typ == "0" && strings.HasSuffix(h.path, "/") {
		h.typ = "5"
	}
	if h.typ == "5" {
		h.size, h.sizeDefined = 0, true
	}
	h.linkpath = decString(b[157:257])
	if string(b[257:265]) == "ustar\x0000" {
		for _, f := range [][2]int{{329, 337}, {337, 345}} {
			if _, _, ok := decNumber(b[f[0]:f[1]]); !ok {
				return h, false
			}
		}
		var prefix string
		if b[475] != 0 {
			prefix = decString(b[345:500])
		} else {
			prefix = decString(b[345:475])
			for _, f := range [][2]int{{476, 488}, {488, 500}} { // atime, ctime
				if _, _, ok := decNumber(b[f[0]:f[1]]); !ok {
					return h, false
				}
			}
		}
		if prefix != "" {
			h.path = prefix + "/" + h.path
		}
	}
	var sum int64 = 8 * 0x20
	for i, c := range b[:512] {
		if i < 148 || i >= 156 {
			sum += int64(c)
		}
	}
	h.cksumValid = cksumDef && sum == cksum
	h.null = !cksumDef && sum == 8*0x20
	return h, true
}

// nodePAX is pax.js parse: line by line, silently skipping what it cannot
// read, merged over the previous records.
func nodePAX(meta string, prev map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range prev {
		out[k] = v
	}
	for _, line := range strings.Split(strings.TrimSuffix(meta, "\n"), "\n") {
		n, def, _ := jsParseInt(strings.TrimLeft(line, " \t"), 10)
		if !def || n != int64(len(line))+1 {
			continue
		}
		line = line[len(fmt.Sprint(n))+1:]
		k, v, _ := strings.Cut(line, "=")
		if k == "" {
			continue
		}
		v = jsCutNUL(v)
		switch k {
		case "size":
			// const s = +v; if (s >= 0) set.size = s
			if n, ok := jsNumber(v); ok && n >= 0 && n == float64(int64(n)) {
				out[k] = strconv.FormatInt(int64(n), 10)
			}
		case "path", "linkpath", "type":
			out[k] = v
		}
	}
	return out
}

// jsNumber is +s for the spellings that matter here: "" is 0, decimal
// and 0x/0o/0b numbers parse, the rest is NaN.
func jsNumber(s string) (float64, bool) {
	s = strings.TrimFunc(s, func(r rune) bool { return strings.ContainsRune(" \t\n\v\f\r\u00a0\ufeff", r) })
	if s == "" {
		return 0, true
	}
	if len(s) > 2 && s[0] == '0' {
		base := map[byte]int{'x': 16, 'o': 8, 'b': 2}[s[1]|0x20]
		if base != 0 {
			n, err := strconv.ParseInt(s[2:], base, 64)
			return float64(n), err == nil
		}
	}
	if strings.ContainsAny(s, "_pPxXnN") {
		return 0, false // not JavaScript number syntax (or NaN/Infinity spelled as Go does)
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil
}

// nodeTypeName reports whether node-tar's type setter accepts v, a type
// name or code from a PAX "type" record; it throws otherwise.
func nodeTypeName(v string) bool {
	if _, ok := nodeTypes[v]; ok {
		return true
	}
	for _, name := range nodeTypes {
		if name == v {
			return true
		}
	}
	return false
}

// readNodeTar walks an uncompressed archive the way node-tar's Parser
// does and returns the entries it emits (meta and ignored ones left out).
func readNodeTar(tarball []byte) []nodeEntry {
	var (
		entries []nodeEntry
		ex, gex map[string]string
		sawNull bool
		pos     int
	)
	for pos+512 <= len(tarball) {
		b := tarball[pos : pos+512]
		pos += 512
		h, ok := decodeNodeHeader(b, ex, gex)
		if !ok {
			continue // TAR_ENTRY_INVALID: the block is skipped
		}
		if h.null {
			if sawNull {
				break
			}
			sawNull = true
			continue
		}
		sawNull = false
		link := h.typ == "1" || h.typ == "2"
		ext := h.typ == "x" || h.typ == "g"
		if !h.cksumValid || h.path == "" || (link && h.linkpath == "") || (!link && !ext && h.linkpath != "") {
			continue
		}
		size := int64(0)
		if h.sizeDefined {
			size = h.size
		}
		blocks := int((size + 511) / 512 * 512)
		end := min(pos+blocks, len(tarball))
		data := tarball[pos:min(pos+int(size), len(tarball))]
		pos = end
		switch h.typ {
		case "x", "X", "g", "L", "N", "K":
			if size > 1<<20 || size == 0 {
				continue
			}
			switch h.typ {
			case "x", "X":
				ex = nodePAX(string(data), ex)
			case "g":
				gex = nodePAX(string(data), gex)
			case "L", "N":
				ex = nodePAX("", ex)
				ex["path"] = jsCutNUL(string(data))
			case "K":
				ex = nodePAX("", ex)
				ex["linkpath"] = jsCutNUL(string(data))
			}
			continue
		}
		e := nodeEntry{path: h.path, typ: nodeTypes[h.typ], data: data}
		if h.typ == "Unsupported" {
			e.typ = "Unsupported"
		}
		if p, ok := ex["path"]; ok {
			e.path = p
		}
		// ReadEntry slurps ex, then gex: either's "type" replaces the
		// header's, the global one last.
		for _, m := range []map[string]string{ex, gex} {
			if t, ok := m["type"]; ok {
				e.typ = t // as written: pacote's filter then matches no type
			}
		}
		ex = nil
		entries = append(entries, e)
	}
	return entries
}

// gunzip decompresses b as one gzip stream.
func gunzip(t testing.TB, b []byte) []byte {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	zr.Multistream(false)
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// checkNodeTarAgrees fails t unless node-tar's reading of an accepted
// tarball has the same regular files, in the same order, and the same
// package.json bytes as Inspect recorded, and nothing else but
// directories and symlinks.
func checkNodeTarAgrees(t testing.TB, tgz []byte, info *Info) {
	t.Helper()
	var files []string
	var pj []byte
	for _, e := range readNodeTar(gunzip(t, tgz)) {
		switch e.typ {
		case "File", "OldFile", "ContiguousFile":
			files = append(files, e.path)
			if e.path == info.Files[0][:strings.IndexByte(info.Files[0], '/')]+"/package.json" {
				pj = e.data
			}
		case "Directory", "SymbolicLink":
		default:
			t.Fatalf("node-tar reads an entry %q of type %s in a tarball Rampart accepted", e.path, e.typ)
		}
	}
	if strings.Join(files, "\n") != strings.Join(info.Files, "\n") {
		t.Fatalf("node-tar reads the files\n%q\nRampart recorded\n%q", files, info.Files)
	}
	if !bytes.Equal(pj, info.PackageJSONBytes) {
		t.Fatalf("node-tar reads package.json as %q, Rampart as %q", pj, info.PackageJSONBytes)
	}
}
