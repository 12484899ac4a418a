// Package fsblob is the filesystem blob.Store: the embedded default, which
// keeps package files under the data folder.
//
// Layout under the store's directory:
//
//	sha512/<d[0:2]>/<d[2:4]>/<d>   one file per blob, named by its digest d
//	tmp/                           blobs being written; New removes stale ones
//
// Every file access goes through an os.Root opened on the directory, so no
// name, symlink or ".." can reach outside it. A blob is written to a fresh
// file in tmp/ (created with O_EXCL), fsync'ed, renamed into place, and the
// directory holding it is fsync'ed, so a crash leaves either the whole blob
// or none of it (plus, at worst, a temporary file that a later New removes).
//
// Several processes may use a directory at once (the server and the admin
// commands run beside it): a Put holds an exclusive lock (flock) on its
// temporary file while it writes, and New removes only temporary files
// whose lock it can take, so it never breaks a Put in progress in another
// process. A crashed process's locks are released by the kernel, so its
// leftovers go at the next New. Files and directories are owner-only
// (0600, 0700): package files of restricted packages are private.
package fsblob

import (
	"context"
	"crypto/rand"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"runtime"
	"sync"
	"time"

	"github.com/rampart/rampart/internal/blob"
	"github.com/rampart/rampart/internal/core"
)

const (
	blobDir = "sha512"
	tmpDir  = "tmp"

	dirPerm  = 0o700
	filePerm = 0o600
)

// Store is a blob.Store on a local directory. It is safe for concurrent use.
type Store struct {
	root *os.Root
	// shards holds an open handle on each first-level shard directory
	// (sha512/ab, at most 256) once a blob in it has been opened, so that
	// opening a blob walks two path elements instead of four: the read
	// path opens a blob for every tarball GET.
	shards sync.Map // "ab" -> *os.Root
}

var (
	_ blob.Store     = (*Store)(nil)
	_ blob.Scratcher = (*Store)(nil)
)

// New opens the store in dir, creating dir and its layout if needed, and
// removes temporary files left by a Put that a crash interrupted (but not
// those of a Put under way in another process). Call Close when done with the store.
func New(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, dirPerm); err != nil {
		return nil, fmt.Errorf("blob store: %w", err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("blob store: %w", err)
	}
	s := &Store{root: root}
	if err := s.init(); err != nil {
		_ = root.Close()
		return nil, fmt.Errorf("blob store %s: %w", dir, err)
	}
	return s, nil
}

func (s *Store) init() error {
	for _, d := range []string{blobDir, tmpDir} {
		if err := s.root.MkdirAll(d, dirPerm); err != nil {
			return err
		}
	}
	if err := s.makePrivate(); err != nil {
		return err
	}
	// A temporary file nobody holds locked was being written when a process
	// stopped; it was never visible as a blob, so it can go. One that is
	// locked belongs to a Put under way in another process (a server beside
	// an admin command), so it stays.
	entries, err := fs.ReadDir(s.root.FS(), tmpDir)
	if err != nil {
		return err
	}
	removed := false
	for _, e := range entries {
		gone, err := s.removeIfAbandoned(path.Join(tmpDir, e.Name()))
		if err != nil {
			return fmt.Errorf("removing stale temporary file: %w", err)
		}
		removed = removed || gone
	}
	if !removed {
		return nil
	}
	return s.syncDir(tmpDir)
}

// makePrivate makes the store owner-only. A store made by an older release
// (group-readable) is walked once and every file and directory narrowed;
// after that, blobDir's mode says the work is done.
func (s *Store) makePrivate() error {
	fi, err := s.root.Stat(blobDir)
	if err != nil {
		return err
	}
	if fi.Mode().Perm()&0o077 != 0 {
		err := fs.WalkDir(s.root.FS(), blobDir, func(p string, e fs.DirEntry, err error) error {
			if err != nil || p == blobDir {
				return err
			}
			switch {
			case e.IsDir():
				return s.root.Chmod(p, dirPerm)
			case e.Type().IsRegular():
				return s.root.Chmod(p, filePerm)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("making the blob store owner-only: %w", err)
		}
	}
	for _, d := range []string{".", blobDir, tmpDir} {
		if err := s.root.Chmod(d, dirPerm); err != nil {
			return err
		}
	}
	return nil
}

// Close releases the store's directory handle. Readers returned by Open
// stay usable.
func (s *Store) Close() error {
	s.shards.Range(func(k, r any) bool {
		_ = r.(*os.Root).Close()
		s.shards.Delete(k)
		return true
	})
	return s.root.Close()
}

// blobPath returns where blob d lives, relative to the root. d must be valid.
func blobPath(d blob.Digest) (dir, name string) {
	dir = path.Join(blobDir, string(d[0:2]), string(d[2:4]))
	return dir, path.Join(dir, string(d))
}

func check(ctx context.Context, d blob.Digest) error {
	if !d.Valid() {
		return core.Errorf(core.KindInvalid, "invalid blob digest %q: want 128 lowercase hex characters (SHA-512)", truncate(string(d)))
	}
	return ctx.Err()
}

// truncate keeps an invalid digest short enough to quote in a message.
func truncate(s string) string {
	if len(s) > 140 {
		return s[:140] + "..."
	}
	return s
}

// Put implements blob.Store.
func (s *Store) Put(ctx context.Context, d blob.Digest, r io.Reader) error {
	if err := check(ctx, d); err != nil {
		return err
	}
	dir, name := blobPath(d)
	if _, err := s.root.Stat(name); err == nil {
		// Already stored: check the bytes all the same, so that a caller
		// who sent the wrong bytes hears about it, but do not rewrite.
		h := sha512.New()
		if _, err := io.Copy(h, ctxReader{ctx, r}); err != nil {
			return fmt.Errorf("blob %s: reading: %w", d, err)
		}
		if err := verify(d, h.Sum(nil)); err != nil {
			return err
		}
		// The blob may be an orphan about to be referenced again (a publish
		// that failed before, retried): a fresh modification time keeps
		// the orphan collector, which spares young blobs, off it.
		now := time.Now()
		if err := s.root.Chtimes(name, now, now); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("blob %s: %w", d, err)
		}
		return nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("blob %s: %w", d, err)
	}

	tmp, f, err := s.createTemp()
	if err != nil {
		return fmt.Errorf("blob %s: %w", d, err)
	}
	committed, closed := false, false
	defer func() {
		if !closed {
			_ = f.Close()
		}
		if !committed {
			_ = s.root.Remove(tmp)
		}
	}()

	h := sha512.New()
	if _, err := io.Copy(io.MultiWriter(f, h), ctxReader{ctx, r}); err != nil {
		return fmt.Errorf("blob %s: writing: %w", d, err)
	}
	if err := verify(d, h.Sum(nil)); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("blob %s: %w", d, err)
	}
	// The file stays open, so locked, until it is renamed into place:
	// closing it earlier would let another process's New take it for
	// abandoned and remove it under our feet. Where open files cannot be
	// renamed (no flock there either), it is closed first.
	if !renameOpen {
		closed = true
		if err := f.Close(); err != nil {
			return fmt.Errorf("blob %s: %w", d, err)
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := s.mkdirs(dir); err != nil {
		return fmt.Errorf("blob %s: %w", d, err)
	}
	// Rename replaces atomically: a concurrent Put of the same digest that
	// renamed first put identical bytes there, and open readers keep theirs.
	if err := s.root.Rename(tmp, name); err != nil {
		return fmt.Errorf("blob %s: %w", d, err)
	}
	committed = true
	if !closed {
		closed = true
		if err := f.Close(); err != nil {
			return fmt.Errorf("blob %s: %w", d, err)
		}
	}
	if err := s.syncDir(dir); err != nil {
		return fmt.Errorf("blob %s: %w", d, err)
	}
	return nil
}

func verify(d blob.Digest, sum []byte) error {
	if got := hex.EncodeToString(sum); got != string(d) {
		return core.Errorf(core.KindInvalid, "blob bytes do not match their digest: they hash to sha512 %s, not %s", got, d)
	}
	return nil
}

// createTemp creates a new, empty file in tmp/ that no one else has opened,
// and locks it for as long as it stays open, so that another process's New
// leaves it alone.
func (s *Store) createTemp() (string, *os.File, error) {
	for range 10 {
		name := path.Join(tmpDir, "put-"+rand.Text())
		f, err := s.root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, filePerm)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return "", nil, err
		}
		// Between creating and locking, another process's New may have
		// taken the file for abandoned and removed it: then start over.
		ok, err := lockTemp(f)
		if err != nil || !ok {
			_ = f.Close()
			if err != nil {
				return "", nil, err
			}
			continue
		}
		return name, f, nil
	}
	return "", nil, errors.New("could not create a unique temporary file")
}

// Scratch implements blob.Scratcher: a read-write file in tmp/, unlinked
// at once, so that it disappears when closed or when the process dies.
func (s *Store) Scratch() (*os.File, error) {
	for range 10 {
		name := path.Join(tmpDir, "scratch-"+rand.Text())
		f, err := s.root.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, filePerm)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("blob store: scratch file: %w", err)
		}
		// Another process's New may have removed it first (it holds no
		// lock): unlinked either way, which is all that is wanted.
		if err := s.root.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
			_ = f.Close()
			return nil, fmt.Errorf("blob store: scratch file: %w", err)
		}
		return f, nil
	}
	return nil, errors.New("blob store: could not create a unique scratch file")
}

// removeIfAbandoned removes the temporary file or directory p unless a Put
// in some process holds it locked, and reports whether it removed it.
func (s *Store) removeIfAbandoned(p string) (bool, error) {
	f, err := s.root.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil // renamed into place or removed meanwhile
	}
	if err != nil {
		return false, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
		held, err := heldByOther(f)
		if err != nil || held {
			return false, err
		}
	}
	// Removed while we hold its lock (closing f releases it), so a Put
	// that opens it next finds it gone (lockTemp) and starts over.
	if err := s.root.RemoveAll(p); err != nil {
		return false, err
	}
	return true, nil
}

// mkdirs creates the shard directories sha512/xx and sha512/xx/yy as
// needed. A new directory's entry is made durable by syncing its parent
// before anything is renamed into it.
func (s *Store) mkdirs(dir string) error {
	shard := path.Dir(dir)
	for _, p := range []string{shard, dir} {
		err := s.root.Mkdir(p, dirPerm)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return err
		}
		if err := s.syncDir(path.Dir(p)); err != nil {
			return err
		}
	}
	return nil
}

// syncDir fsyncs a directory so that entries created or renamed in it
// survive a crash.
func (s *Store) syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil // directories cannot be fsync'ed there; renames are durable
	}
	f, err := s.root.Open(dir)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Open implements blob.Store.
func (s *Store) Open(ctx context.Context, d blob.Digest) (io.ReadSeekCloser, int64, error) {
	if err := check(ctx, d); err != nil {
		return nil, 0, err
	}
	f, err := s.openBlob(d)
	if err != nil {
		return nil, 0, notFound(d, err)
	}
	fi, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return nil, 0, fmt.Errorf("blob %s: %w", d, err)
	}
	if !fi.Mode().IsRegular() {
		_ = f.Close()
		return nil, 0, fmt.Errorf("blob %s: not a regular file", d)
	}
	return f, fi.Size(), nil
}

// openBlob opens blob d through its shard's handle, opening and keeping
// that handle on first use. The handles stay inside the store's root (an
// os.Root each), and shard directories are never removed (Delete), so a
// handle never goes stale; should one fail all the same, the blob is
// opened from the store's root and the handle replaced.
func (s *Store) openBlob(d blob.Digest) (*os.File, error) {
	shard := string(d[0:2])
	rest := string(d[2:4]) + "/" + string(d)
	if r, ok := s.shards.Load(shard); ok {
		if f, err := r.(*os.Root).Open(rest); err == nil {
			return f, nil
		}
	}
	_, name := blobPath(d)
	f, err := s.root.Open(name)
	if err != nil {
		return nil, err
	}
	if r, err := s.root.OpenRoot(path.Join(blobDir, shard)); err == nil {
		if old, loaded := s.shards.Swap(shard, r); loaded {
			_ = old.(*os.Root).Close() // calls under way on it finish first
		}
	}
	return f, nil
}

// ModTime returns when blob d was stored, or last put again: the orphan
// collector's measure of whether a publish may still be about to refer to
// it.
func (s *Store) ModTime(ctx context.Context, d blob.Digest) (time.Time, error) {
	if err := check(ctx, d); err != nil {
		return time.Time{}, err
	}
	_, name := blobPath(d)
	fi, err := s.root.Stat(name)
	if err != nil {
		return time.Time{}, notFound(d, err)
	}
	return fi.ModTime(), nil
}

// Stat implements blob.Store.
func (s *Store) Stat(ctx context.Context, d blob.Digest) (int64, error) {
	if err := check(ctx, d); err != nil {
		return 0, err
	}
	_, name := blobPath(d)
	fi, err := s.root.Stat(name)
	if err != nil {
		return 0, notFound(d, err)
	}
	if !fi.Mode().IsRegular() {
		return 0, fmt.Errorf("blob %s: not a regular file", d)
	}
	return fi.Size(), nil
}

func notFound(d blob.Digest, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("blob %s: %w", d, core.ErrNotFound)
	}
	return fmt.Errorf("blob %s: %w", d, err)
}

// Delete implements blob.Store. Shard directories are left in place, even
// when empty, so that a concurrent Put never finds its directory gone.
func (s *Store) Delete(ctx context.Context, d blob.Digest) error {
	if err := check(ctx, d); err != nil {
		return err
	}
	dir, name := blobPath(d)
	if err := s.root.Remove(name); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("blob %s: %w", d, err)
	}
	if err := s.syncDir(dir); err != nil {
		return fmt.Errorf("blob %s: %w", d, err)
	}
	return nil
}

// List implements blob.Store. Files in the blob tree that are not named by
// a valid digest in the right shard (which Put never creates) are skipped.
func (s *Store) List(ctx context.Context, fn func(blob.Digest) error) error {
	err := fs.WalkDir(s.root.FS(), blobDir, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if !e.Type().IsRegular() {
			return nil
		}
		d := blob.Digest(e.Name())
		if !d.Valid() {
			return nil
		}
		if _, want := blobPath(d); want != p {
			return nil
		}
		if err := fn(d); err != nil {
			// Boxed so that WalkDir gives fs.SkipDir and fs.SkipAll
			// no special meaning here.
			return fnError{err}
		}
		return nil
	})
	var fe fnError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &fe):
		return fe.err
	case ctx.Err() != nil && errors.Is(err, ctx.Err()):
		return err
	default:
		return fmt.Errorf("listing blobs: %w", err)
	}
}

// fnError carries an error returned by List's callback through WalkDir.
type fnError struct{ err error }

func (e fnError) Error() string { return e.err.Error() }

// ctxReader stops a copy once its context is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (r ctxReader) Read(p []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	return r.r.Read(p)
}
