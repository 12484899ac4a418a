package upstream

import (
	"context"
	"crypto/sha1"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/rampart/rampart/internal/blob"
	"github.com/rampart/rampart/internal/config"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/ecosystem/npm"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/store"
)

// Tarball is a proxied tarball to serve.
type Tarball struct {
	io.ReadSeekCloser
	Size      int64
	Integrity string
	Modified  time.Time
	Version   string // the proxied version, for the download counts
}

// Tarball returns the tarball file of name from upstream u: from the blob
// store when it was fetched before, else fetched from the upstream's own
// origin and checked against the pinned integrity before it is stored
// and served.
func (s *Service) Tarball(ctx context.Context, u *config.Upstream, name, fileName string) (*Tarball, error) {
	doc, err := s.Packument(ctx, u, name)
	if err != nil {
		return nil, err
	}
	f, ok := doc.files[fileName]
	if err := doc.refused[fileName]; !ok && err != nil {
		return nil, err
	}
	if !ok {
		return nil, core.Errorf(core.KindNotFound, "%s is not a tarball of %s served here (a version in its cooldown, or none of that name)", fileName, name)
	}
	sc, err := s.check(ctx, u, name, f)
	if err != nil {
		return nil, err
	}
	if err := s.checkProvenance(ctx, u, doc, name, f); err != nil {
		return nil, err
	}
	digest, known := storedDigest(sc, f)
	if known {
		if r, size, err := s.d.Blobs.Open(ctx, digest); err == nil {
			return &Tarball{ReadSeekCloser: r, Size: size, Integrity: f.integrity, Modified: doc.Modified, Version: f.version}, nil
		}
	}
	tmp, digest, err := s.download(ctx, u, name, f)
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	if err := s.scanFetched(ctx, u, sc, name, f, tmp); err != nil {
		return nil, err
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	if err := s.d.Blobs.Put(ctx, digest, tmp); err != nil {
		return nil, err
	}
	r, size, err := s.d.Blobs.Open(ctx, digest)
	if err != nil {
		return nil, err
	}
	return &Tarball{ReadSeekCloser: r, Size: size, Integrity: f.integrity, Modified: doc.Modified, Version: f.version}, nil
}

// digestOf is the blob digest a sha512 integrity names.
func digestOf(integrity string) (blob.Digest, bool) {
	sum, ok := npm.SHA512OfIntegrity(integrity)
	if !ok {
		return "", false
	}
	return blob.Digest(hex.EncodeToString(sum)), true
}

// download fetches f into a temporary file, bounded, and checks it
// against the pinned integrity. Other bytes are refused and reported.
func (s *Service) download(ctx context.Context, u *config.Upstream, name string, f file) (*os.File, blob.Digest, error) {
	resp, cancel, err := s.get(ctx, u, f.from, "application/octet-stream", "")
	if core.KindOf(err) == core.KindRateLimited {
		return nil, "", err
	}
	if err != nil {
		return nil, "", unavailable(u, err)
	}
	defer cancel()
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, "", core.Errorf(core.KindUpstream, "the upstream registry %q answered %s for %s@%s's tarball", u.Name, resp.Status, name, f.version)
	}
	if err := os.MkdirAll(s.d.Dir, 0o700); err != nil {
		return nil, "", err
	}
	tmp, err := os.CreateTemp(s.d.Dir, ".tarball-*")
	if err != nil {
		return nil, "", err
	}
	fail := func(err error) (*os.File, blob.Digest, error) {
		tmp.Close()
		os.Remove(tmp.Name())
		return nil, "", err
	}
	h512, h1 := sha512.New(), sha1.New()
	n, err := io.Copy(io.MultiWriter(tmp, h512, h1), io.LimitReader(resp.Body, s.d.MaxTarball+1))
	if err != nil {
		return fail(unavailable(u, err))
	}
	if n > s.d.MaxTarball {
		return fail(core.Errorf(core.KindUpstream, "the upstream's tarball of %s@%s is larger than this registry accepts (%d bytes)", name, f.version, s.d.MaxTarball))
	}
	got := sri(h512, "sha512")
	if strings.HasPrefix(f.integrity, "sha1-") {
		got = sri(h1, "sha1")
	}
	if got != f.integrity {
		s.d.Log.Warn("upstream: tarball bytes differ from the pinned integrity; refused", "upstream", u.Name, "package", name, "version", f.version, "pinned", f.integrity, "got", got)
		now := s.d.Now()
		if err := s.d.Store.Update(ctx, func(tx store.Tx) error {
			return tx.AppendEvent(event.UpstreamMismatch{Upstream: u.Name, Pinned: f.integrity, Offered: got}.At(now, name, f.version))
		}); err != nil {
			s.d.Log.Error("upstream: recording a mismatch failed", "err", err)
		}
		return fail(core.Errorf(core.KindUpstream,
			"the upstream registry %q served bytes for %s@%s that differ from what it first offered (integrity %s, first seen by this registry); refused, and the operators were told in the event log",
			u.Name, name, f.version, f.integrity))
	}
	return tmp, blob.Digest(hex.EncodeToString(h512.Sum(nil))), nil
}

func sri(h hash.Hash, algo string) string {
	return algo + "-" + base64.StdEncoding.EncodeToString(h.Sum(nil))
}
