// Package npmfixture builds what `npm pack` and `npm publish` produce, for
// tests and benchmarks that talk to the registry without the npm CLI: a
// package tarball, and the publish document that carries it.
//
// It is deliberately independent of internal/ecosystem/npm (whose own tests use
// it), so it recomputes the digests npm sends rather than sharing the
// parser's code: a fixture that agreed with the parser by construction
// could not catch the parser's mistakes.
package npmfixture

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha1"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// npmEpoch is the modification time `npm pack` gives every entry, so that
// the same files always pack to the same bytes.
var npmEpoch = time.Date(1985, 10, 26, 8, 15, 0, 0, time.UTC)

// Entry is one tar entry. A zero Type means a regular file holding Body
// followed by Zeros zero bytes (a large file that costs no memory to
// describe); other types (directories, links to Link) carry no body.
type Entry struct {
	Name  string
	Body  string
	Type  byte
	Link  string
	Zeros int64
}

// File is a regular file entry.
func File(name, body string) Entry { return Entry{Name: name, Body: body} }

// Files lists files (path -> content) as regular entries in path order,
// so that a map always packs the same way.
func Files(files map[string]string) []Entry {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	entries := make([]Entry, len(names))
	for i, n := range names {
		entries[i] = File(n, files[n])
	}
	return entries
}

// Tarball writes entries as `npm pack` does, a gzip'd tar, then
// trailingZeros zero bytes inside the gzip stream after the tar's end
// marker (how tests build a small file that unpacks to a lot). It panics
// if tar refuses a header: only a test's own mistake causes that.
func Tarball(trailingZeros int64, entries ...Entry) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, e := range entries {
		h := &tar.Header{Name: e.Name, Mode: 0o644, Typeflag: e.Type, Linkname: e.Link, ModTime: npmEpoch}
		if e.Type == 0 {
			h.Typeflag = tar.TypeReg
			h.Size = int64(len(e.Body)) + e.Zeros
		}
		must(tw.WriteHeader(h), "tar header %q", e.Name)
		_, err := io.WriteString(tw, e.Body)
		must(err, "tar body %q", e.Name)
		_, err = io.CopyN(tw, zeros{}, e.Zeros)
		must(err, "tar body %q", e.Name)
	}
	must(tw.Close(), "closing tar")
	_, err := io.CopyN(zw, zeros{}, trailingZeros)
	must(err, "trailing zeros")
	must(zw.Close(), "closing gzip")
	return buf.Bytes()
}

// Package is the tarball of a package with the given package.json fields
// and extra files (path under package/ -> content).
func Package(manifest map[string]any, extra map[string]string) []byte {
	pj, err := json.Marshal(manifest)
	must(err, "package.json")
	files := map[string]string{"package/package.json": string(pj)}
	for name, body := range extra {
		files["package/"+name] = body
	}
	return Tarball(0, Files(files)...)
}

// Integrity is the SRI string npm sends for b: sha512-<base64>.
func Integrity(b []byte) string {
	sum := sha512.Sum512(b)
	return "sha512-" + base64.StdEncoding.EncodeToString(sum[:])
}

// Shasum is the legacy SHA-1 hex digest npm still sends.
func Shasum(b []byte) string {
	sum := sha1.Sum(b)
	return hex.EncodeToString(sum[:])
}

// Publish describes one `npm publish` request.
type Publish struct {
	// Manifest is the version's package.json; "name" and "version" are
	// required.
	Manifest map[string]any
	// Tarball is the package file, attached as base64.
	Tarball []byte
	// Tag is the dist-tag to set; "" means "latest".
	Tag string
	// Access is "public" or "restricted"; "" sends null, as npm does
	// when --access is not given.
	Access string
	// Readme, when set, is sent as npm sends it (readme and
	// readmeFilename in the version).
	Readme string
	// Integrity overrides the declared integrity (to send a wrong one).
	Integrity string
	// TarballBase is where the declared dist.tarball points (npm sends
	// its registry URL); "" means "http://localhost/".
	TarballBase string
}

// Doc is the publish document as a map, for tests that edit it before
// encoding.
func (p Publish) Doc() map[string]any {
	name, _ := p.Manifest["name"].(string)
	version, _ := p.Manifest["version"].(string)
	tag, base, integrity := p.Tag, p.TarballBase, p.Integrity
	if tag == "" {
		tag = "latest"
	}
	if base == "" {
		base = "http://localhost/"
	}
	if integrity == "" {
		integrity = Integrity(p.Tarball)
	}
	manifest := map[string]any{
		"_id":          name + "@" + version,
		"_nodeVersion": "20.20.2",
		"_npmVersion":  "11.19.1",
	}
	for k, v := range p.Manifest {
		manifest[k] = v
	}
	if p.Readme != "" {
		manifest["readme"], manifest["readmeFilename"] = p.Readme, "README.md"
	}
	manifest["dist"] = map[string]any{
		"integrity": integrity,
		"shasum":    Shasum(p.Tarball),
		"tarball":   base + name + "/-/" + baseName(name) + "-" + version + ".tgz",
	}
	var access any
	if p.Access != "" {
		access = p.Access
	}
	return map[string]any{
		"_id":         name,
		"name":        name,
		"description": p.Manifest["description"],
		"dist-tags":   map[string]any{tag: version},
		"versions":    map[string]any{version: manifest},
		"access":      access,
		"_attachments": map[string]any{
			name + "-" + version + ".tgz": map[string]any{
				"content_type": "application/octet-stream",
				"data":         base64.StdEncoding.EncodeToString(p.Tarball),
				"length":       len(p.Tarball),
			},
		},
	}
}

// Body is the publish document as npm sends it.
func (p Publish) Body() []byte {
	b, err := json.Marshal(p.Doc())
	must(err, "publish document")
	return b
}

// baseName is a package name without its scope.
func baseName(name string) string {
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		return name[i+1:]
	}
	return name
}

func must(err error, format string, args ...any) {
	if err != nil {
		panic(fmt.Sprintf("npmfixture: "+format+": %v", append(args, err)...))
	}
}

// zeros yields zero bytes without allocating them.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
