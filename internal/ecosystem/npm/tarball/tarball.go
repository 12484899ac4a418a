package tarball

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"path"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/secretfind"
)

// Info is what Inspect learned.
type Info struct {
	PackageJSON   map[string]any // parsed package.json; numbers are json.Number
	Name, Version string         // from package.json, not yet validated
	FileCount     int            // regular files
	UnpackedSize  int64          // sum of regular file sizes
	// Readme is the top-level README, cut at MaxReadmeBytes. npm
	// sends the README in the publish document too; this one is what the
	// tarball really holds.
	Readme string
	// Files are the paths of the regular files, in archive order, as they
	// stand in the archive (top-level folder included).
	Files []string
	// Sizes are the Files' sizes in bytes, by position (the version
	// page's file list).
	Sizes []int64
	// PackageJSONBytes is package.json as the tarball holds it.
	PackageJSONBytes []byte
	// BindingGyp is whether the package folder holds a binding.gyp (in
	// any case: macOS and Windows find it so), which npm builds on install.
	BindingGyp bool
	// Secrets are the credentials found in the files (secretscan.go),
	// at most limits.MaxSecretFindings.
	Secrets []Secret
}

// HasInstallScript reports whether npm runs a script when it installs the
// package: a preinstall, install or postinstall script in package.json,
// or, without preinstall and install scripts and unless "gypfile" is
// false, "node-gyp rebuild" for a binding.gyp at the package root
// (@npmcli/run-script). The registry says so in the packument; a package
// that runs code on install must not look as if it does not.
func (t *Info) HasInstallScript() bool {
	scripts, _ := t.PackageJSON["scripts"].(map[string]any)
	// npm drops scripts that are not strings, and skips empty ones.
	has := func(name string) bool { s, _ := scripts[name].(string); return s != "" }
	if has("preinstall") || has("install") || has("postinstall") {
		return true
	}
	return t.BindingGyp && t.PackageJSON["gypfile"] != false
}

const repackFix = "pack the package with npm pack (npm publish does this for you)"

// Inspect reads a gzip'd tar stream and validates it the way npm
// will later extract it: pacote strips the first path segment of every
// entry and skips links, so all entries must live under one top-level
// folder (usually "package/"), and no entry may land outside that folder
// or through a symlink.
//
// npm extracts with node-tar, which reads some archives differently from
// archive/tar. So the stream is read twice at once: by archive/tar and by
// tarChecker (tarstrict.go), which accepts only the plain archives npm
// pack writes; the two must agree on every entry.
//
// It reads r once, as a stream, and holds at most package.json and one
// README in memory. Decompressed bytes are counted as they come out of
// gzip, so a gzip bomb is stopped by lim.UnpackedBytes or
// lim.ExpansionRatio after at most a read buffer's worth of extra work.
//
// The name and version in package.json are returned, not compared with
// the publish document: that is the caller's check.
func Inspect(r io.Reader, lim limits.Limits) (*Info, error) {
	src := &sourceReader{r: r, max: lim.TarballBytes}
	// gzip reads a bufio.Reader as it is, so after the gzip stream the
	// bytes that follow it are still there to be seen.
	buffered := bufio.NewReader(src)
	zr, err := gzip.NewReader(buffered)
	if err != nil {
		var ce *core.Error
		if errors.As(err, &ce) || isSourceError(err) {
			return nil, readError(err)
		}
		return nil, core.Errorf(core.KindInvalid, "tarball is not gzip-compressed (%w); %s", err, repackFix)
	}
	// npm pack writes one gzip stream. Whether node's zlib goes on to a
	// second one depends on where a read happens to end; Go always does.
	zr.Multistream(false)
	check := &tarChecker{}
	unpacked := check.tap(&expansionGuard{r: zr, src: src, lim: lim})
	tr := tar.NewReader(unpacked)

	in := inspector{lim: lim, seen: map[string]byte{}, names: map[string]string{}, symlinks: map[string]symlink{}}
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, check.explain(err, unpacked)
		}
		if err := sameEntry(hdr, check); err != nil {
			return nil, err
		}
		if err := in.entry(hdr, tr); err != nil {
			return nil, err
		}
	}
	// Read gzip to its end so that its CRC is checked: a tarball damaged
	// in transit must not be stored. The guard still counts these bytes,
	// and the checker sees that they are zeros.
	if _, err := io.Copy(io.Discard, unpacked); err != nil {
		return nil, readError(err)
	}
	if err := check.finish(); err != nil {
		return nil, err
	}
	if in.entries != check.entries {
		return nil, disagree(fmt.Sprintf("archive/tar read %d entries, the strict reader %d", in.entries, check.entries))
	}
	if n, err := buffered.Read(make([]byte, 1)); n > 0 {
		return nil, core.Errorf(core.KindInvalid, "the tarball has bytes after its gzip stream, or is several gzip streams joined together; %s", repackFix)
	} else if !errors.Is(err, io.EOF) {
		return nil, readError(err)
	}
	return in.finish()
}

// sameEntry checks that archive/tar read the entry tarChecker read last.
// tarChecker accepts only archives on which the two agree, so this never
// fails unless one of them has a bug; it is what makes that a refusal
// rather than a tarball npm reads differently from us.
func sameEntry(hdr *tar.Header, check *tarChecker) error {
	e := check.last
	if hdr.Name != e.name || hdr.Typeflag != e.typ || hdr.Size != e.size || hdr.Linkname != e.linkname {
		return disagree(fmt.Sprintf("archive/tar read %s (type %q, %d bytes), the strict reader %s (type %q, %d bytes)",
			echo(hdr.Name), hdr.Typeflag, hdr.Size, echo(e.name), e.typ, e.size))
	}
	return nil
}

func disagree(detail string) error {
	return core.Errorf(core.KindInvalid, "tar readers disagree about this tarball (%s), so npm might extract other files than the registry checked; %s", detail, repackFix)
}

// inspector holds what Inspect has seen so far.
type inspector struct {
	lim     limits.Limits
	info    Info
	entries int
	top     string // the first path segment shared by all entries
	// seen maps each entry's dupKey to its type flag. Folded, because two
	// names that differ only in case or Unicode normalization are one file
	// on macOS and Windows, and which one wins there is up to the
	// extractor (node-tar: the later one).
	seen        map[string]byte
	names       map[string]string  // the entry's path, by the key of seen
	symlinks    map[string]symlink // by foldPath
	havePkgJSON bool
	readmeRank  int
	// finder scans every file's bytes for credentials as they stream past.
	finder secretfind.Finder
}

// entry checks one tar header and reads the files Inspect keeps.
func (in *inspector) entry(hdr *tar.Header, tr *tar.Reader) error {
	in.entries++
	if in.entries > in.lim.Files {
		return core.Errorf(core.KindTooLarge,
			`the tarball has more than %d entries, over this registry's limit (limits.files); publish fewer files (see "files" in package.json and .npmignore)`,
			in.lim.Files)
	}
	name, err := cleanEntryPath(hdr.Name)
	if err != nil {
		return err
	}
	if err := in.placeUnderTop(name, hdr.Typeflag == tar.TypeDir); err != nil {
		return err
	}
	for k := range hdr.PAXRecords {
		if strings.HasPrefix(k, "GNU.sparse.") {
			return core.Errorf(core.KindInvalid, "tarball entry %s is a sparse file, which npm cannot extract; %s", echo(hdr.Name), repackFix)
		}
	}

	key := foldPath(name)
	if prev, dup := in.seen[dupKey(key)]; dup && (prev != tar.TypeDir || hdr.Typeflag != tar.TypeDir) {
		return core.Errorf(core.KindInvalid,
			"the tarball has two entries named %s (names that differ only in case, Unicode normalization or trailing dots and spaces count as one, as on macOS and Windows); %s", echo(name), repackFix)
	}
	in.seen[dupKey(key)] = hdr.Typeflag
	in.names[dupKey(key)] = name

	switch hdr.Typeflag {
	case tar.TypeReg:
		return in.file(name, hdr, tr)
	case tar.TypeDir:
		return nil
	case tar.TypeSymlink:
		if err := checkLinkTarget(name, hdr.Linkname); err != nil {
			return err
		}
		in.symlinks[key] = symlink{path: name, target: hdr.Linkname}
		return nil
	case tar.TypeLink:
		return core.Errorf(core.KindInvalid, "tarball entry %s is a hard link; hard links are not allowed in packages, %s", echo(name), repackFix)
	case tar.TypeChar, tar.TypeBlock:
		return core.Errorf(core.KindInvalid, "tarball entry %s is a device file; packages may hold only files, directories and symlinks, %s", echo(name), repackFix)
	case tar.TypeFifo:
		return core.Errorf(core.KindInvalid, "tarball entry %s is a FIFO; packages may hold only files, directories and symlinks, %s", echo(name), repackFix)
	default:
		return core.Errorf(core.KindInvalid, "tarball entry %s has type %q, which npm does not extract; packages may hold only files, directories and symlinks, %s", echo(name), hdr.Typeflag, repackFix)
	}
}

// placeUnderTop learns the top-level folder from the first entry and
// refuses entries outside it. pacote strips the first segment of every
// path, so a second top-level folder would be merged into the first one
// at install time: its package.json could replace the one checked here.
func (in *inspector) placeUnderTop(name string, isDir bool) error {
	top, _, nested := strings.Cut(name, "/")
	if in.top == "" && (nested || isDir) {
		in.top = top
	}
	if in.top == "" || top != in.top || (!nested && !isDir) {
		folder := "one folder"
		if in.top != "" {
			folder = echo(in.top + "/")
		}
		return core.Errorf(core.KindInvalid,
			"tarball entry %s is outside the package folder: npm tarballs keep every file under %s; %s", echo(name), folder, repackFix)
	}
	return nil
}

// file accounts for a regular file, reads package.json and the README,
// and scans the file's bytes for credentials (secretscan.go): every byte
// passes the finder once, in the one pass over the stream.
func (in *inspector) file(name string, hdr *tar.Header, tr *tar.Reader) error {
	if err := in.readFile(name, hdr, io.TeeReader(tr, &in.finder)); err != nil {
		return err
	}
	if _, err := io.Copy(&in.finder, tr); err != nil {
		return readError(err)
	}
	in.noteSecrets(name, in.finder.Done())
	return nil
}

// readFile accounts for a regular file and reads package.json and the
// README from r.
func (in *inspector) readFile(name string, hdr *tar.Header, tr io.Reader) error {
	in.info.FileCount++
	in.info.Files = append(in.info.Files, name)
	in.info.Sizes = append(in.info.Sizes, hdr.Size)
	// Sizes are summed from the headers as well as counted off the gzip
	// stream: a sparse or truncated entry can claim more than it carries.
	in.info.UnpackedSize += hdr.Size
	if in.info.UnpackedSize > in.lim.UnpackedBytes {
		return unpackedTooLarge(in.lim)
	}
	dir, base := path.Split(name)
	if dir != in.top+"/" {
		return nil
	}
	if foldPath(base) == "binding.gyp" {
		in.info.BindingGyp = true
	}
	if base == "package.json" {
		return in.packageJSON(hdr, tr)
	}
	if rank := readmeRank(base); rank > in.readmeRank {
		b, err := io.ReadAll(io.LimitReader(tr, MaxReadmeBytes))
		if err != nil {
			return readError(err)
		}
		in.info.Readme = string(trimPartialRune(b))
		in.readmeRank = rank
	}
	return nil
}

func (in *inspector) packageJSON(hdr *tar.Header, tr io.Reader) error {
	if hdr.Size > MaxPackageJSONBytes {
		return core.Errorf(core.KindTooLarge, "package.json in the tarball is %s, over the limit of %s; move data out of package.json",
			mib(hdr.Size), mib(MaxPackageJSONBytes))
	}
	b, err := io.ReadAll(io.LimitReader(tr, MaxPackageJSONBytes))
	if err != nil {
		return readError(err)
	}
	in.info.PackageJSONBytes = b
	// npm's JSON reader skips a byte order mark; encoding/json does not.
	b = bytes.TrimPrefix(b, []byte("\uFEFF"))
	if !json.Valid(b) {
		return core.Errorf(core.KindInvalid, "package.json in the tarball is not valid JSON; fix it and %s", repackFix)
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return core.Errorf(core.KindInvalid, "package.json in the tarball is not valid JSON (%w); fix it and %s", err, repackFix)
	}
	pj, ok := v.(map[string]any)
	if !ok {
		return core.Errorf(core.KindInvalid, "package.json in the tarball must be a JSON object, got %s; fix it and %s", echoAny(v), repackFix)
	}
	name, _ := pj["name"].(string)
	version, _ := pj["version"].(string)
	if name == "" || version == "" {
		return core.Errorf(core.KindInvalid, `package.json in the tarball needs string "name" and "version" fields; fix it and %s`, repackFix)
	}
	in.info.PackageJSON, in.info.Name, in.info.Version = pj, name, version
	in.havePkgJSON = true
	return nil
}

// finish runs the checks that need every entry seen.
func (in *inspector) finish() (*Info, error) {
	if in.top == "" {
		return nil, core.Errorf(core.KindInvalid, "the tarball holds no files; %s", repackFix)
	}
	if !in.havePkgJSON {
		return nil, core.Errorf(core.KindInvalid, "the tarball has no %s; %s", echo(in.top+"/package.json"), repackFix)
	}
	if err := in.checkSymlinkPaths(); err != nil {
		return nil, err
	}
	if err := in.checkFilesAreLeaves(); err != nil {
		return nil, err
	}
	return &in.info, nil
}

// checkFilesAreLeaves refuses a file with other entries under its path
// ("package/a" and "package/a/b"): extracting, node-tar replaces the one
// by the other, so npm would not get the files the registry recorded.
// Sorted keys put every path under "x/" right after the search point.
func (in *inspector) checkFilesAreLeaves() error {
	keys := slices.Sorted(maps.Keys(in.seen))
	for _, k := range keys {
		if in.seen[k] == tar.TypeDir {
			continue
		}
		i, _ := slices.BinarySearch(keys, k+"/")
		if i < len(keys) && strings.HasPrefix(keys[i], k+"/") {
			return core.Errorf(core.KindInvalid,
				"tarball entry %s is not a folder, yet %s lies under it; npm would extract only one of them; %s",
				echo(in.names[k]), echo(in.names[keys[i]]), repackFix)
		}
	}
	return nil
}

// checkSymlinkPaths refuses paths that go through a symlink in the
// archive. checkLinkTarget resolves targets lexically, which is only right
// if every directory on the way is a real directory: with "package/s" ->
// ".", the entry "package/s/l" -> "../x" lands outside the package.
// Symlinks may come after the entries that use them, so this runs last.
func (in *inspector) checkSymlinkPaths() error {
	if len(in.symlinks) == 0 {
		return nil
	}
	for _, p := range slices.Sorted(maps.Keys(in.seen)) {
		for dir := path.Dir(p); dir != "."; dir = path.Dir(dir) {
			if link, ok := in.symlinks[dir]; ok {
				return core.Errorf(core.KindInvalid,
					"tarball entry %s lies under the symlink %s; %s", echo(p), echo(link.path), repackFix)
			}
		}
	}
	for _, key := range slices.Sorted(maps.Keys(in.symlinks)) {
		link := in.symlinks[key]
		if via, ok := in.symlinkOnWay(link); ok {
			return core.Errorf(core.KindInvalid,
				"symlink %s -> %s resolves through the symlink %s, so where it lands depends on that link; %s",
				echo(link.path), echo(link.target), echo(via.path), repackFix)
		}
	}
	return nil
}

// symlink is a symlink entry of the archive.
type symlink struct{ path, target string }

// symlinkOnWay walks link's target from link's folder and returns the
// first archive symlink it steps into or out of. Landing on a symlink is
// fine: that link's own target is checked in turn.
func (in *inspector) symlinkOnWay(link symlink) (symlink, bool) {
	cur := foldPath(path.Dir(link.path))
	for _, seg := range strings.Split(foldPath(link.target), "/") {
		if seg == "" || seg == "." {
			continue
		}
		if via, ok := in.symlinks[cur]; ok {
			return via, true
		}
		if seg == ".." {
			cur = path.Dir(cur)
		} else {
			cur = cur + "/" + seg
		}
	}
	return symlink{}, false
}

// cleanEntryPath checks a tar entry name and returns it without the
// trailing slash of a directory. Every name that could land outside the
// extraction folder on any system npm runs on is refused, not repaired: a
// tarball made by npm pack has none. So is every name that is not in
// canonical form ("./a", "a//b", "a/./b"): npm strips the first segment
// as it stands, so "./package/x" lands at package/x inside the package,
// not at x where path.Clean would put it.
func cleanEntryPath(name string) (string, error) {
	bad := func(why string) error {
		return core.Errorf(core.KindInvalid, "tarball entry %s %s; %s", echo(name), why, repackFix)
	}
	switch {
	case name == "":
		return "", bad("has an empty name")
	case len(name) > MaxPathLength:
		return "", bad(fmt.Sprintf("has a path longer than %d bytes", MaxPathLength))
	case strings.IndexByte(name, 0) >= 0:
		return "", bad("has a NUL byte in its path")
	case strings.IndexByte(name, '\\') >= 0:
		// On Windows a backslash separates folders: "a\..\..\x" escapes.
		return "", bad(`has a backslash in its path, which Windows reads as a folder separator`)
	case isAbsolute(name):
		return "", bad("has an absolute path")
	case !utf8.ValidString(name):
		return "", bad("has a path that is not valid UTF-8")
	case hasControl(name):
		// node-tar splits PAX records at newlines, so such a name is read
		// differently by different tars; no real file name needs one.
		return "", bad("has a control character in its path")
	case strings.ContainsRune(name, utf8.RuneError):
		// node-tar decodes a PAX record split across two reads into U+FFFD;
		// refusing it keeps such a mangled name from meeting a real one.
		return "", bad("has the character U+FFFD in its path")
	}
	clean := strings.TrimSuffix(name, "/")
	for _, seg := range strings.Split(clean, "/") {
		if seg == ".." {
			return "", bad("escapes the package folder")
		}
	}
	for _, seg := range strings.Split(clean, "/") {
		if seg == "" || seg == "." {
			return "", bad(`is not a plain path (it has "./", "//" or a trailing "/."), which npm extracts somewhere else than it seems`)
		}
	}
	return clean, nil
}

// hasControl reports an ASCII control character.
func hasControl(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0
}

// foldPath maps a path to what decides which file it is on a
// case-insensitive, normalization-insensitive file system (macOS,
// Windows): Unicode NFC, case folded both ways (NTFS upper-cases, APFS
// folds), trailing dots and spaces dropped (Windows), and the characters
// node-tar renames on Windows replaced as it does. "." and ".." stay.
func foldPath(p string) string {
	segs := strings.Split(norm.NFC.String(p), "/")
	for i, seg := range segs {
		if seg == "" || seg == "." || seg == ".." {
			continue
		}
		seg = strings.ToLower(strings.ToUpper(seg))
		seg = strings.TrimRight(seg, ". ")
		segs[i] = winChars.Replace(seg)
	}
	return strings.Join(segs, "/")
}

// winChars is node-tar's encoding of characters Windows forbids in names
// (lib/winchars.js): each becomes a private-use character, so "a:b" and
// "a\uf03ab" are the same file there.
var winChars = strings.NewReplacer("|", "\uf07c", "<", "\uf03c", ">", "\uf03e", "?", "\uf03f", ":", "\uf03a")

// dupKey is foldPath of a file's path as npm extracts it: pacote renames
// a .gitignore to .npmignore, so the two are one file.
func dupKey(folded string) string {
	if dir, base := path.Split(folded); base == ".gitignore" {
		return dir + ".npmignore"
	}
	return folded
}

// checkLinkTarget refuses a symlink whose target is absolute or, resolved
// from the link's folder, leaves the package folder (the link's first
// path segment). pacote skips links when it extracts, but other tools
// that unpack stored tarballs may not.
func checkLinkTarget(link, target string) error {
	bad := func(why string) error {
		return core.Errorf(core.KindInvalid, "symlink %s -> %s %s; %s", echo(link), echo(target), why, repackFix)
	}
	switch {
	case target == "":
		return bad("has an empty target")
	case len(target) > MaxPathLength:
		return bad(fmt.Sprintf("has a target longer than %d bytes", MaxPathLength))
	case strings.IndexByte(target, 0) >= 0 || strings.IndexByte(target, '\\') >= 0:
		return bad("has a NUL byte or backslash in its target")
	case isAbsolute(target):
		return bad("points to an absolute path")
	case hasControl(target) || !utf8.ValidString(target):
		return bad("has a control character or invalid UTF-8 in its target")
	}
	depth := strings.Count(path.Dir(link), "/") // folders below the package folder
	for _, seg := range strings.Split(target, "/") {
		switch seg {
		case "", ".":
		case "..":
			if depth == 0 {
				return bad("escapes the package folder")
			}
			depth--
		default:
			depth++
		}
	}
	return nil
}

// isAbsolute reports a path that is absolute on Unix or Windows.
func isAbsolute(p string) bool {
	if strings.HasPrefix(p, "/") {
		return true
	}
	return len(p) >= 2 && p[1] == ':' && ('a' <= p[0]|0x20 && p[0]|0x20 <= 'z')
}

// readmeRank says how much a top-level file name is a README, following
// npm's own pick (@npmcli/package-json): README or README.* in any case,
// markdown preferred. 0 means it is not one.
func readmeRank(base string) int {
	lower := strings.ToLower(base)
	if lower != "readme" && !strings.HasPrefix(lower, "readme.") {
		return 0
	}
	switch path.Ext(lower) {
	case ".md", ".markdown", ".mdown", ".mkdn":
		return 2
	}
	return 1
}

// trimPartialRune drops a UTF-8 sequence cut short at the end of b.
func trimPartialRune(b []byte) []byte {
	for i := 1; i < utf8.UTFMax && i <= len(b); i++ {
		if utf8.RuneStart(b[len(b)-i]) {
			if !utf8.FullRune(b[len(b)-i:]) {
				return b[:len(b)-i]
			}
			break
		}
	}
	return b
}

func unpackedTooLarge(lim limits.Limits) error {
	return core.Errorf(core.KindTooLarge,
		`the tarball unpacks to more than %s, over this registry's limit (limits.unpacked_bytes); publish fewer or smaller files (see "files" in package.json and .npmignore)`,
		mib(lim.UnpackedBytes))
}

// sourceReader counts the compressed bytes read and stops past
// lim.TarballBytes, so that Inspect is bounded on its own and not
// only behind ParsePublish. Errors of the underlying reader are marked, so
// that a failing disk or connection is not blamed on the tarball.
type sourceReader struct {
	r   io.Reader
	n   int64
	max int64
}

func (s *sourceReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	s.n += int64(n)
	if s.n > s.max {
		return 0, core.Errorf(core.KindTooLarge,
			`the tarball is over this registry's limit of %s (limits.tarball_bytes); publish fewer files (see "files" in package.json and .npmignore)`,
			mib(s.max))
	}
	if err != nil && err != io.EOF {
		err = sourceError{err}
	}
	return n, err
}

// sourceError marks an error of the reader handed to Inspect.
type sourceError struct{ err error }

func (e sourceError) Error() string { return e.err.Error() }
func (e sourceError) Unwrap() error { return e.err }

func isSourceError(err error) bool {
	var se sourceError
	return errors.As(err, &se)
}

// expansionGuard counts bytes as gzip produces them and stops the stream
// once they pass lim.UnpackedBytes, or, past ExpansionGraceBytes,
// lim.ExpansionRatio times the compressed bytes read so far.
type expansionGuard struct {
	r   io.Reader
	src *sourceReader
	lim limits.Limits
	n   int64
}

func (g *expansionGuard) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	g.n += int64(n)
	if g.n > g.lim.UnpackedBytes {
		return 0, unpackedTooLarge(g.lim)
	}
	if g.n > ExpansionGraceBytes && g.lim.ExpansionRatio > 0 &&
		g.src.n <= math.MaxInt64/g.lim.ExpansionRatio && g.n > g.src.n*g.lim.ExpansionRatio {
		return 0, core.Errorf(core.KindTooLarge,
			"the tarball expands more than %d times when unpacked (limits.expansion_ratio), which is how a decompression bomb looks; publish a package that compresses less extremely",
			g.lim.ExpansionRatio)
	}
	return n, err
}

// readError turns an error met while reading the archive into what the
// user should see: our own limit errors as they are, faults of the source
// reader as internal, and everything else as a corrupt tarball.
func readError(err error) error {
	var ce *core.Error
	switch {
	case errors.As(err, &ce):
		return err
	case isSourceError(err):
		return fmt.Errorf("reading tarball: %w", err)
	default:
		return core.Errorf(core.KindInvalid, "the tarball is corrupt or cut short (%w); %s", err, repackFix)
	}
}
