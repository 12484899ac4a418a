package registry

import (
	"bytes"
	"context"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/store"
)

// verifyFile makes sure r holds the bytes recorded at publish before a
// byte of it is sent, and leaves r at its start. A name@version is never
// served with other bytes: a flipped bit on disk must not reach a client
// with a 200, an ETag naming the original integrity and a one-year
// immutable cache header. Hashing first costs a second read of the file,
// from the page cache (measured in docs/benchmarks.md); verifying while
// sending instead would have sent the headers, and most of the bytes,
// before knowing.
//
// A file that hashed right is trusted for verifiedFor, and concurrent
// requests for one file wait for one hash: otherwise anyone could make the
// server hash a 100 MiB file for each HEAD, one-byte Range or 304 it asks
// for, and a popular package would be hashed on every download. Rot that
// happens within that minute of a check is caught at the next one (and by
// `rampart admin blobs verify`).
func (s *Service) verifyFile(ctx context.Context, r io.ReadSeeker, name string, v *core.Version) error {
	call, leader, ok := s.verified.Join(v.Digest, s.now())
	if ok {
		return nil
	}
	if !leader {
		select {
		case <-call.Done():
		case <-ctx.Done():
			return ctx.Err()
		}
		if call.Err() == nil {
			return nil
		}
		// The other request found damage: hash this one too, so that
		// the answer and the log say what this request found.
		return s.hashFile(ctx, r, name, v)
	}
	err := s.hashFile(ctx, r, name, v)
	s.verified.Finish(v.Digest, call, err, s.now())
	return err
}

// hashFile reads the whole of r through SHA-512, compares it with the
// digest recorded at publish, and leaves r at its start.
func (s *Service) hashFile(ctx context.Context, r io.ReadSeeker, name string, v *core.Version) error {
	h := sha512.New()
	buf := hashBuffers.Get().(*[]byte)
	defer hashBuffers.Put(buf)
	// The struct hides *os.File's WriteTo, which would allocate a buffer
	// of its own on every request.
	if _, err := io.CopyBuffer(h, struct{ io.Reader }{r}, *buf); err != nil {
		return fmt.Errorf("reading the file of %s@%s: %w", name, v.Version, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != v.Digest {
		return s.fileDamaged(ctx, name, v, "corrupt", got)
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("reading the file of %s@%s: %w", name, v.Version, err)
	}
	return nil
}

// verifiedFor is how long a file that hashed to its digest is served
// without hashing it again (readcache.Verified).
const verifiedFor = time.Minute

// hashBuffers keep the read path from allocating 32 KiB per download.
var hashBuffers = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// missingFile turns a blob store's not-found for a listed version into a
// data fault: the version exists, so its file is missing, which is ours
// to repair, not the client's to be told "not found".
func (s *Service) missingFile(ctx context.Context, name string, v *core.Version, err error) error {
	if !errors.Is(err, core.ErrNotFound) {
		return err
	}
	return s.fileDamaged(ctx, name, v, "missing", "")
}

// reportedDamage remembers which digests this process has reported.
var reportedDamage sync.Map

// fileDamaged logs at ERROR, records an event (once per file per process)
// and returns the error the client sees.
func (s *Service) fileDamaged(ctx context.Context, name string, v *core.Version, what, got string) error {
	s.log.ErrorContext(ctx, "refused to serve a package file: the stored file is "+what+"; run `rampart admin blobs verify` and restore it from a backup",
		"package", name, "version", v.Version, "digest", v.Digest, "hashes_to", got, "integrity", v.Integrity)
	if _, seen := reportedDamage.LoadOrStore(what+v.Digest, true); !seen {
		err := s.store.Update(ctx, func(tx store.Tx) error {
			return tx.AppendEvent(event.FileDamaged{Digest: v.Digest, Problem: what, HashesTo: got}.At(s.now(), "rampart", name, v.Version))
		})
		if err != nil {
			reportedDamage.Delete(what + v.Digest)
			s.log.ErrorContext(ctx, "recording a damaged package file", "package", name, "version", v.Version, "err", err)
		}
	}
	why := "damaged: its bytes no longer match the integrity recorded at publish"
	if what == "missing" {
		why = "missing from the registry's storage"
	}
	return core.Errorf(core.KindDataFault, "the file of %s@%s is %s, so it is not served; the registry operator has been alerted and must restore it from a backup. Try again later, or install another version", name, v.Version, why)
}

// Small files are kept in memory once read and verified (readcache.Hot):
// a tarball GET of one then costs no file system call at all. The copy is
// dropped after verifiedFor, as a verified file is, so that damage on disk
// is still found and reported within that minute.

// bytesFile is a file kept in memory, as a Tarball's reader.
type bytesFile struct{ *bytes.Reader }

func (bytesFile) Close() error { return nil }

// readSmallFile reads the whole of a small file, checks it against the
// digest recorded at publish, and keeps it in memory (see readcache.Hot).
func (s *Service) readSmallFile(ctx context.Context, r io.Reader, size int64, name string, v *core.Version) ([]byte, error) {
	now := s.now()
	b := make([]byte, size)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, fmt.Errorf("reading the file of %s@%s: %w", name, v.Version, err)
	}
	sum := sha512.Sum512(b)
	if got := hex.EncodeToString(sum[:]); got != v.Digest {
		return nil, s.fileDamaged(ctx, name, v, "corrupt", got)
	}
	s.hot.Put(v.Digest, b, now)
	return b, nil
}
