package malscan

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/rampart/rampart/internal/limits"
)

// ReadTarGz unpacks a gzip'd tar artifact (an npm tarball) into an
// Input, in one pass and within the limits of limits.MaxScanFileBytes and
// MaxScanTotalBytes: every byte is hashed, the first bytes of each file
// are kept for the rules. The artifact was validated by the publish
// before (tarball.Inspect: one top folder, no links out, bounded), so
// this only reads; a broken archive is an error all the same.
// maxUnpacked bounds the bytes read out of gzip (the publish's
// UnpackedBytes), for an artifact read back from the store.
func ReadTarGz(r io.Reader, maxUnpacked int64) (*Input, error) {
	h256, h512 := sha256.New(), sha512.New()
	zr, err := gzip.NewReader(io.TeeReader(r, io.MultiWriter(h256, h512)))
	if err != nil {
		return nil, fmt.Errorf("malscan: the artifact is not gzip'd: %w", err)
	}
	zr.Multistream(false)
	unpacked := &countingReader{r: zr, left: maxUnpacked}
	tr := tar.NewReader(unpacked)
	in := &Input{}
	kept := int64(0)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("malscan: reading the artifact: %w", err)
		}
		if hdr.Typeflag != tar.TypeReg {
			continue
		}
		name := hdr.Name
		if _, rest, ok := strings.Cut(name, "/"); ok {
			name = rest
		}
		f := File{Path: name, Size: hdr.Size}
		keep := min(int64(limits.MaxScanFileBytes), max(0, int64(limits.MaxScanTotalBytes)-kept))
		fh := sha256.New()
		head, err := io.ReadAll(io.LimitReader(io.TeeReader(tr, fh), keep))
		if err != nil {
			return nil, fmt.Errorf("malscan: reading %s: %w", name, err)
		}
		n, err := io.Copy(fh, tr)
		if err != nil {
			return nil, fmt.Errorf("malscan: reading %s: %w", name, err)
		}
		f.Data, f.Truncated, f.SHA256 = head, n > 0, hex.EncodeToString(fh.Sum(nil))
		kept += int64(len(head))
		if name == "package.json" && in.Manifest == nil {
			in.Manifest = head
			in.Scripts = installScripts(head)
		}
		in.Files = append(in.Files, f)
	}
	// Read to the end, so that the artifact's digests cover every byte.
	if _, err := io.Copy(io.Discard, unpacked); err != nil {
		return nil, fmt.Errorf("malscan: reading the artifact: %w", err)
	}
	if _, err := io.Copy(io.Discard, r); err != nil {
		return nil, fmt.Errorf("malscan: reading the artifact: %w", err)
	}
	in.SHA256, in.SHA512 = hex.EncodeToString(h256.Sum(nil)), hex.EncodeToString(h512.Sum(nil))
	return in, nil
}

// installScripts are the scripts npm runs on install, from a manifest.
func installScripts(manifest []byte) map[string]string {
	var pj struct {
		Scripts map[string]any `json:"scripts"`
	}
	if json.Unmarshal(manifest, &pj) != nil {
		return nil
	}
	out := map[string]string{}
	for _, k := range []string{"preinstall", "install", "postinstall", "prepare"} {
		if s, ok := pj.Scripts[k].(string); ok && s != "" {
			out[k] = s
		}
	}
	return out
}

type countingReader struct {
	r    io.Reader
	left int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	if c.left <= 0 {
		return 0, fmt.Errorf("malscan: the artifact unpacks to more than the limit")
	}
	if int64(len(p)) > c.left {
		p = p[:c.left+1]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	if c.left < 0 {
		return n, fmt.Errorf("malscan: the artifact unpacks to more than the limit")
	}
	return n, err
}
