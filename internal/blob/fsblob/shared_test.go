package fsblob_test

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/blob"
)

// TestNewLeavesPutUnderWayAlone: an admin command opens the store while
// the server is writing a blob. Its New must not remove the server's
// temporary file, and the server's Put must succeed with the blob stored.
func TestNewLeavesPutUnderWayAlone(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("temporary files are not locked without flock")
	}
	dir := t.TempDir()
	server := open(t, dir)
	content := bytes.Repeat([]byte("forty megabytes, in spirit "), 4096)
	d := blob.DigestOf(content)
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- server.Put(context.Background(), d, pr) }()
	if _, err := pw.Write(content[:len(content)/2]); err != nil {
		t.Fatal(err)
	}
	// The first half is written (the pipe returned), so the temporary file
	// exists and is locked.
	if left := entries(t, filepath.Join(dir, "tmp")); len(left) != 1 {
		t.Fatalf("tmp/ during a Put holds %v, want one file", left)
	}

	open(t, dir) // the admin command, in another process in real life

	if left := entries(t, filepath.Join(dir, "tmp")); len(left) != 1 {
		t.Errorf("New removed the temporary file of a Put under way: tmp/ holds %v", left)
	}
	if _, err := pw.Write(content[len(content)/2:]); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Put beside another New failed: %v", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("Put did not finish")
	}
	if size, err := server.Stat(context.Background(), d); err != nil || size != int64(len(content)) {
		t.Fatalf("Stat after the Put = %d, %v; want %d", size, err, len(content))
	}
}

// TestModesOwnerOnly: package files of restricted packages are private,
// so nothing in the store is readable by other users, also in a folder an
// older release left with wider modes.
func TestModesOwnerOnly(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix modes")
	}
	dir := filepath.Join(t.TempDir(), "blobs")
	for _, sub := range []string{"sha512", "tmp"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// A blob an older release stored, group-readable.
	old := []byte("stored by an older release")
	od := blob.DigestOf(old)
	oldDir := filepath.Join(dir, "sha512", string(od[0:2]), string(od[2:4]))
	if err := os.MkdirAll(oldDir, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(oldDir, string(od)), old, 0o640); err != nil {
		t.Fatal(err)
	}
	s := open(t, dir)
	b := []byte("private package bytes")
	if err := s.Put(context.Background(), blob.DigestOf(b), bytes.NewReader(b)); err != nil {
		t.Fatal(err)
	}
	err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := e.Info()
		if err != nil {
			return err
		}
		if fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s has mode %v, want owner-only", p, fi.Mode().Perm())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestPutAgainRefreshesModTime: a publish that stores a file already there
// (an orphan a failed publish left, now about to be referred to) makes it
// young again, so the orphan collector, which spares young files, keeps it.
func TestPutAgainRefreshesModTime(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	b := []byte("stored by a publish that failed")
	d := blob.DigestOf(b)
	if err := s.Put(context.Background(), d, bytes.NewReader(b)); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-48 * time.Hour)
	if err := os.Chtimes(filepath.Join(dir, "sha512", string(d[0:2]), string(d[2:4]), string(d)), old, old); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(context.Background(), d, bytes.NewReader(b)); err != nil {
		t.Fatal(err)
	}
	got, err := s.ModTime(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	if time.Since(got) > time.Hour {
		t.Fatalf("ModTime after putting the blob again = %v; want now", got)
	}
}
