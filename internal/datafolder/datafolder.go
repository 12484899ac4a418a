// Package datafolder keeps an embedded registry's data folder sound: it
// verifies the package files against their digests (scrub), collects
// orphaned files, and makes and restores consistent backups, all while a
// server may be running on the folder. The admin commands call it; no
// request path does.
package datafolder

import (
	"context"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/rampart/rampart/internal/blob"
	"github.com/rampart/rampart/internal/blob/fsblob"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/sqlite"
)

// The data folder's layout, as the server opens it.
const (
	DatabaseFile = "metadata.db"
	BlobDir      = "blobs"
)

// Folder is an open data folder: its metadata database and blob store.
type Folder struct {
	Dir   string
	DB    *sqlite.Store
	Blobs *fsblob.Store
}

// Open opens the data folder dir, which must exist. Opening never removes
// anything a running server uses (see fsblob.New).
func Open(ctx context.Context, dir string) (*Folder, error) {
	db, err := sqlite.Open(ctx, filepath.Join(dir, DatabaseFile))
	if err != nil {
		return nil, err
	}
	blobs, err := fsblob.New(filepath.Join(dir, BlobDir))
	if err != nil {
		db.Close()
		return nil, err
	}
	return &Folder{Dir: dir, DB: db, Blobs: blobs}, nil
}

// Close closes the database and the blob store.
func (f *Folder) Close() error {
	return errors.Join(f.Blobs.Close(), f.DB.Close())
}

// Refs reads every file reference in one short read transaction.
func Refs(ctx context.Context, st store.Store) ([]core.FileRef, error) {
	var refs []core.FileRef
	err := st.View(ctx, func(tx store.Tx) error {
		var err error
		refs, err = tx.FileRefs()
		return err
	})
	return refs, err
}

// Problem is a referenced file that is missing or does not hash to its
// digest, with every version that refers to it.
type Problem struct {
	Digest   string
	Corrupt  bool   // present but hashes to HashesTo; otherwise missing
	HashesTo string // for a corrupt file
	Refs     []core.FileRef
}

// Report is what a scrub found.
type Report struct {
	Files    int   // distinct referenced files checked
	Bytes    int64 // bytes hashed
	Problems []Problem
	// Orphans are stored files no version refers to: left by publishes
	// that failed after storing the file, or by a crash. Young ones may
	// belong to a publish still under way.
	Orphans []blob.Digest
}

// Verify re-hashes every referenced file and lists missing, corrupt and
// orphaned ones. It reads the references first and the store after, so a
// file stored by a publish committed meanwhile may show as an orphan.
func Verify(ctx context.Context, st store.Store, blobs blob.Store) (*Report, error) {
	refs, err := Refs(ctx, st)
	if err != nil {
		return nil, err
	}
	byDigest, order := group(refs)
	rep := &Report{Files: len(order)}
	for _, d := range order {
		n, got, err := hashBlob(ctx, blobs, blob.Digest(d))
		rep.Bytes += n
		switch {
		case errors.Is(err, core.ErrNotFound):
			rep.Problems = append(rep.Problems, Problem{Digest: d, Refs: byDigest[d]})
		case err != nil:
			return rep, err
		case got != d:
			rep.Problems = append(rep.Problems, Problem{Digest: d, Corrupt: true, HashesTo: got, Refs: byDigest[d]})
		}
	}
	held, err := heldDigests(ctx, st)
	if err != nil {
		return rep, err
	}
	err = blobs.List(ctx, func(d blob.Digest) error {
		if _, ok := byDigest[string(d)]; !ok && !held[string(d)] {
			rep.Orphans = append(rep.Orphans, d)
		}
		return nil
	})
	return rep, err
}

// group indexes refs by digest, keeping the first-seen order of digests.
func group(refs []core.FileRef) (map[string][]core.FileRef, []string) {
	by := map[string][]core.FileRef{}
	var order []string
	for _, r := range refs {
		if _, ok := by[r.Digest]; !ok {
			order = append(order, r.Digest)
		}
		by[r.Digest] = append(by[r.Digest], r)
	}
	return by, order
}

// hashBlob returns a blob's size and the hex SHA-512 of its bytes.
func hashBlob(ctx context.Context, blobs blob.Store, d blob.Digest) (int64, string, error) {
	r, _, err := blobs.Open(ctx, d)
	if err != nil {
		return 0, "", err
	}
	defer r.Close()
	h := sha512.New()
	n, err := io.Copy(h, r)
	if err != nil {
		return n, "", fmt.Errorf("reading blob %s: %w", d, err)
	}
	return n, hex.EncodeToString(h.Sum(nil)), nil
}

// agedStore is a blob store that knows when each blob was last stored.
type agedStore interface {
	blob.Store
	ModTime(ctx context.Context, d blob.Digest) (time.Time, error)
}

// Collected is what CollectOrphans removed (or, with dryRun, would).
type Collected struct {
	Digests []blob.Digest
	Bytes   int64
	Young   int // orphans spared for being younger than minAge
}

// CollectOrphans deletes stored files that no version refers to and that
// were last stored more than minAge before now. The age spares the file of
// a publish under way: it is stored before the version row is committed,
// and a publish that stores an existing file refreshes its time (fsblob).
// The store is listed before the references are read, and each file's age
// is checked again just before it goes, so a publish that commits during
// the run keeps its file.
func CollectOrphans(ctx context.Context, st store.Store, blobs agedStore, minAge time.Duration, now time.Time, dryRun bool) (*Collected, error) {
	cutoff := now.Add(-minAge)
	var old, young []blob.Digest
	out := &Collected{}
	err := blobs.List(ctx, func(d blob.Digest) error {
		t, err := blobs.ModTime(ctx, d)
		if errors.Is(err, core.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if t.Before(cutoff) {
			old = append(old, d)
		} else {
			young = append(young, d)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	refs, err := Refs(ctx, st)
	if err != nil {
		return nil, err
	}
	byDigest, _ := group(refs)
	held, err := heldDigests(ctx, st)
	if err != nil {
		return nil, err
	}
	for d := range held {
		byDigest[d] = nil
	}
	for _, d := range young {
		if _, ok := byDigest[string(d)]; !ok {
			out.Young++
		}
	}
	for _, d := range old {
		if _, ok := byDigest[string(d)]; ok {
			continue
		}
		t, err := blobs.ModTime(ctx, d)
		if errors.Is(err, core.ErrNotFound) {
			continue
		}
		if err != nil {
			return out, err
		}
		if !t.Before(cutoff) {
			out.Young++
			continue
		}
		size, err := blobs.Stat(ctx, d)
		if err != nil && !errors.Is(err, core.ErrNotFound) {
			return out, err
		}
		if !dryRun {
			if err := blobs.Delete(ctx, d); err != nil {
				return out, err
			}
		}
		out.Digests = append(out.Digests, d)
		out.Bytes += size
	}
	return out, nil
}
