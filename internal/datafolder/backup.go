package datafolder

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/rampart/rampart/internal/blob"
	"github.com/rampart/rampart/internal/blob/fsblob"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store/sqlite"
)

// Copied is what Copy wrote.
type Copied struct {
	Versions int   // version rows in the copy
	Files    int   // distinct package files copied
	Bytes    int64 // their bytes
}

// ErrIncomplete is returned by Copy when a file a version refers to is
// missing or corrupt in the source: the copy would not be a whole backup.
var ErrIncomplete = errors.New("the source is missing package files")

// Copy writes a consistent copy of the data folder src to dst, a path
// that must not exist yet, while a server may run on src and publish:
//
//  1. an online snapshot of the database (sqlite.Store.Backup: one read
//     transaction, which blocks no writer);
//  2. a copy of exactly the package files that snapshot refers to, each
//     re-hashed against its digest as it is written (fsblob.Put), so a
//     damaged file fails the copy instead of spreading to the backup;
//  3. all of it under a temporary name beside dst, renamed to dst only
//     once complete, so a crash or a failure never leaves something that
//     looks like a backup.
//
// Files stored after the snapshot are not copied: the snapshot does not
// refer to them. The signing keys are (signing.go). Mail in the outbox
// and the lock file are not copied.
// The copy is owner-only. Backup and restore are both Copy: a backup
// folder is a data folder.
func Copy(ctx context.Context, src *Folder, dst string) (*Copied, error) {
	dst = filepath.Clean(dst)
	if _, err := os.Lstat(dst); err == nil {
		return nil, fmt.Errorf("%s already exists: give a new folder, so that nothing is overwritten", dst)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return nil, err
	}
	tmp := filepath.Join(filepath.Dir(dst), "."+filepath.Base(dst)+".partial-"+strings.ToLower(rand.Text()[:8]))
	if err := os.Mkdir(tmp, 0o700); err != nil {
		return nil, err
	}
	done := false
	defer func() {
		if !done {
			os.RemoveAll(tmp)
		}
	}()
	dbPath := filepath.Join(tmp, DatabaseFile)
	if err := src.DB.Backup(ctx, dbPath); err != nil {
		return nil, err
	}
	if err := syncFile(dbPath); err != nil {
		return nil, err
	}
	out, err := copyFiles(ctx, src.Blobs, tmp)
	if err != nil {
		return out, err
	}
	if err := copyKeys(src.Dir, tmp); err != nil {
		return out, err
	}
	if err := copyLogKeys(src.Dir, tmp); err != nil {
		return out, err
	}
	if err := syncFile(tmp); err != nil {
		return out, err
	}
	if err := os.Rename(tmp, dst); err != nil {
		return out, err
	}
	done = true
	return out, syncFile(filepath.Dir(dst))
}

// copyFiles opens the snapshot in dir, checks it in full, and copies the
// files it refers to from blobs into dir's blob store.
func copyFiles(ctx context.Context, from blob.Store, dir string) (*Copied, error) {
	snap, err := sqlite.Open(ctx, filepath.Join(dir, DatabaseFile))
	if err != nil {
		return nil, fmt.Errorf("opening the snapshot: %w", err)
	}
	defer snap.Close()
	if err := snap.Check(ctx, true); err != nil {
		return nil, fmt.Errorf("the snapshot: %w", err)
	}
	refs, err := Refs(ctx, snap)
	if err != nil {
		return nil, err
	}
	to, err := fsblob.New(filepath.Join(dir, BlobDir))
	if err != nil {
		return nil, err
	}
	defer to.Close()
	byDigest, order := group(refs)
	out := &Copied{Versions: len(refs)}
	var bad []string
	for _, d := range order {
		n, err := copyBlob(ctx, from, to, blob.Digest(d))
		if err != nil {
			if ctx.Err() != nil {
				return out, ctx.Err()
			}
			r := byDigest[d][0]
			bad = append(bad, fmt.Sprintf("%s@%s (%v)", r.Package, r.Version, err))
			continue
		}
		out.Files++
		out.Bytes += n
	}
	held, err := heldDigests(ctx, snap)
	if err != nil {
		return out, err
	}
	for d := range held {
		if _, ok := byDigest[d]; ok {
			continue
		}
		if n, err := copyBlob(ctx, from, to, blob.Digest(d)); err == nil {
			out.Files++
			out.Bytes += n
		} else if ctx.Err() != nil {
			return out, ctx.Err()
		}
	}
	if len(bad) > 0 {
		return out, fmt.Errorf("%w: %s; run `rampart admin blobs verify` on the source", ErrIncomplete, strings.Join(bad, "; "))
	}
	return out, nil
}

// copyBlob copies one blob; Put re-hashes the bytes against d.
func copyBlob(ctx context.Context, from, to blob.Store, d blob.Digest) (int64, error) {
	r, size, err := from.Open(ctx, d)
	if errors.Is(err, core.ErrNotFound) {
		return 0, errors.New("missing")
	}
	if err != nil {
		return 0, err
	}
	defer r.Close()
	if err := to.Put(ctx, d, r); err != nil {
		if core.KindOf(err) == core.KindInvalid {
			return 0, errors.New("corrupt: its bytes do not match its digest")
		}
		return 0, err
	}
	return size, nil
}

// syncFile fsyncs a file or directory.
func syncFile(p string) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
