package registry

import (
	"context"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
)

// verifyFile reads the whole of r through SHA-512 before a byte of it is
// sent, and leaves r at its start. A name@version is never served with
// other bytes: a flipped bit on disk must not reach a client with a 200,
// an ETag naming the original integrity and a one-year immutable cache
// header. Hashing first costs a second read of the file, from the page
// cache (measured in docs/benchmarks.md); verifying while sending instead
// would have sent the headers, and most of the bytes, before knowing.
//
// Nothing is cached between requests: the point is to notice rot that
// happens after a file was last read, and a package file costs about a
// millisecond per megabyte to hash.
func (s *Service) verifyFile(ctx context.Context, r io.ReadSeeker, name string, v *core.Version) error {
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
			return tx.AppendEvent(&core.Event{At: s.now(), Type: core.EventFileDamaged, Actor: "rampart", Package: name, Version: v.Version,
				Data: jsonData(map[string]any{"digest": v.Digest, "problem": what, "hashes_to": got})})
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
