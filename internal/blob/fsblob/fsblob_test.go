package fsblob_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/rampart/rampart/internal/blob"
	"github.com/rampart/rampart/internal/blob/blobtest"
	"github.com/rampart/rampart/internal/blob/fsblob"
	"github.com/rampart/rampart/internal/core"
)

func TestConformance(t *testing.T) { blobtest.Run(t, newStore) }

func newStore(t *testing.T) blob.Store {
	return open(t, t.TempDir())
}

func open(t *testing.T, dir string) *fsblob.Store {
	t.Helper()
	s, err := fsblob.New(dir)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func entries(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

func TestLayout(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	b := []byte("layout")
	d := blob.DigestOf(b)
	if err := s.Put(context.Background(), d, bytes.NewReader(b)); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, "sha512", string(d[:2]), string(d[2:4]), string(d)))
	if err != nil {
		t.Fatalf("blob not at sha512/xx/yy/<digest>: %v", err)
	}
	if !bytes.Equal(got, b) {
		t.Errorf("file holds %q, want %q", got, b)
	}
	if left := entries(t, filepath.Join(dir, "tmp")); len(left) != 0 {
		t.Errorf("tmp/ after a successful Put holds %v", left)
	}
}

func TestFailedPutLeavesNoTempFile(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	d := blob.DigestOf([]byte("right"))
	err := s.Put(context.Background(), d, strings.NewReader("wrong"))
	if core.KindOf(err) != core.KindInvalid {
		t.Fatalf("Put of mismatched bytes: %v, want an invalid error", err)
	}
	if left := entries(t, filepath.Join(dir, "tmp")); len(left) != 0 {
		t.Errorf("tmp/ after a refused Put holds %v", left)
	}
}

// TestNewRemovesCrashLeftovers simulates a process killed in the middle of
// a Put: its temporary file is still in tmp/. New must remove it and it
// must never have been visible as a blob.
func TestNewRemovesCrashLeftovers(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	b := []byte("complete blob")
	d := blob.DigestOf(b)
	if err := s.Put(context.Background(), d, bytes.NewReader(b)); err != nil {
		t.Fatal(err)
	}

	half := []byte("half of a blob that was being writ")
	if err := os.WriteFile(filepath.Join(dir, "tmp", "put-CRASHED"), half, 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "tmp", "stray-dir", "sub"), 0o750); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Stat(context.Background(), blob.DigestOf(half)); core.KindOf(err) != core.KindNotFound {
		t.Errorf("a temporary file is visible as a blob: Stat = %v", err)
	}

	s2 := open(t, dir)
	if left := entries(t, filepath.Join(dir, "tmp")); len(left) != 0 {
		t.Errorf("New left stale temporary files: %v", left)
	}
	// Complete blobs survive New.
	size, err := s2.Stat(context.Background(), d)
	if err != nil || size != int64(len(b)) {
		t.Errorf("Stat after New = %d, %v; want %d, nil", size, err, len(b))
	}
}

// TestSymlinkCannotEscape plants a symlink from a shard directory to a
// directory outside the store: Put must fail rather than write through it.
func TestSymlinkCannotEscape(t *testing.T) {
	dir := t.TempDir()
	outside := t.TempDir()
	s := open(t, dir)
	b := []byte("escape attempt")
	d := blob.DigestOf(b)
	if err := os.Symlink(outside, filepath.Join(dir, "sha512", string(d[:2]))); err != nil {
		t.Skipf("cannot create symlinks here: %v", err)
	}
	if err := s.Put(context.Background(), d, bytes.NewReader(b)); err == nil {
		t.Errorf("Put through a symlink that leaves the store succeeded")
	}
	if left := entries(t, outside); len(left) != 0 {
		t.Errorf("Put wrote outside the store: %v", left)
	}
	if _, _, err := s.Open(context.Background(), d); err == nil {
		t.Errorf("Open through a symlink that leaves the store succeeded")
	}
}

func TestNewCreatesDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	open(t, dir)
	for _, sub := range []string{"sha512", "tmp"} {
		if fi, err := os.Stat(filepath.Join(dir, sub)); err != nil || !fi.IsDir() {
			t.Errorf("%s/ not created: %v", sub, err)
		}
	}
}

var digestRE = regexp.MustCompile(`^[0-9a-f]{128}$`)

// FuzzDigest feeds arbitrary digests, as a request path would carry them,
// to the store: anything but 128 lowercase hex characters must be refused
// as invalid before the disk is touched, and nothing may be created.
func FuzzDigest(f *testing.F) {
	good := string(blob.DigestOf([]byte("x")))
	f.Add(good)
	f.Add("")
	f.Add("../../../../etc/passwd")
	f.Add(good[:62] + "/../" + good[66:])
	f.Add(strings.ToUpper(good))
	dir := f.TempDir()
	s, err := fsblob.New(dir)
	if err != nil {
		f.Fatal(err)
	}
	defer s.Close()
	f.Fuzz(func(t *testing.T, in string) {
		d := blob.Digest(in)
		if d.Valid() != digestRE.MatchString(in) {
			t.Fatalf("Digest(%q).Valid() = %v", in, d.Valid())
		}
		ctx := context.Background()
		_, err := s.Stat(ctx, d)
		perr := s.Put(ctx, d, strings.NewReader("fuzz"))
		derr := s.Delete(ctx, d)
		if err := s.List(ctx, func(d blob.Digest) error {
			return fmt.Errorf("store holds %s", d)
		}); err != nil {
			t.Fatalf("after digest %q: %v", in, err)
		}
		if !d.Valid() {
			for _, err := range []error{err, perr, derr} {
				if core.KindOf(err) != core.KindInvalid {
					t.Fatalf("invalid digest %q: error %v, want kind invalid", in, err)
				}
			}
			return
		}
		if !errors.Is(err, core.ErrNotFound) || core.KindOf(perr) != core.KindInvalid || derr != nil {
			t.Fatalf("valid digest %q: Stat %v, Put %v, Delete %v", in, err, perr, derr)
		}
	})
}

// TestScratchLeavesNothing checks that a scratch file is usable and that
// nothing of it stays under the store, even before it is closed: a crash
// while an upload is spooled must not leave a file behind.
func TestScratchLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	s, err := fsblob.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	f, err := s.Scratch()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString("spooled"); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, 7)
	if _, err := f.ReadAt(got, 0); err != nil || string(got) != "spooled" {
		t.Fatalf("read back %q, %v", got, err)
	}
	entries, err := os.ReadDir(filepath.Join(dir, "tmp"))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 0 {
		t.Fatalf("tmp/ holds %v while a scratch file is open; it must be unlinked at once", entries)
	}
}

// TestOpenThroughShardHandle: Open keeps a handle on each shard folder;
// what it opens through it is always the store's current state: a blob
// deleted is gone, put again is back, and a shard folder replaced behind
// the store's back (restored from a backup, say) is read afresh.
func TestOpenThroughShardHandle(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := open(t, dir)
	b := []byte("through the shard handle")
	d := blob.DigestOf(b)
	read := func() error {
		r, _, err := s.Open(ctx, d)
		if err != nil {
			return err
		}
		defer r.Close()
		got := new(bytes.Buffer)
		if _, err := got.ReadFrom(r); err != nil {
			return err
		}
		if !bytes.Equal(got.Bytes(), b) {
			return fmt.Errorf("read %q, want %q", got, b)
		}
		return nil
	}
	if err := s.Put(ctx, d, bytes.NewReader(b)); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := read(); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Delete(ctx, d); err != nil {
		t.Fatal(err)
	}
	if err := read(); !errors.Is(err, core.ErrNotFound) {
		t.Fatalf("Open after Delete: %v, want not found", err)
	}
	if err := s.Put(ctx, d, bytes.NewReader(b)); err != nil {
		t.Fatal(err)
	}
	if err := read(); err != nil {
		t.Fatalf("Open after a second Put: %v", err)
	}
	shard := filepath.Join(dir, "sha512", string(d[:2]))
	if err := os.Rename(shard, shard+".old"); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(shard, string(d[2:4])), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(shard+".old", string(d[2:4]), string(d)), filepath.Join(shard, string(d[2:4]), string(d))); err != nil {
		t.Fatal(err)
	}
	if err := read(); err != nil {
		t.Fatalf("Open after its shard folder was replaced: %v", err)
	}
	if err := os.RemoveAll(shard + ".old"); err != nil {
		t.Fatal(err)
	}
}
