package datafolder_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rampart/rampart/internal/datafolder"
)

// TestCopyKeepsLogKeys: a backup holds the transparency log's checkpoint
// keys, owner-only (clients pinned them), and not the log itself, which
// a server rebuilds from the events.
func TestCopyKeepsLogKeys(t *testing.T) {
	src := t.TempDir()
	keys := filepath.Join(src, datafolder.LogKeysDir)
	if err := os.MkdirAll(keys, 0o700); err != nil {
		t.Fatal(err)
	}
	const name, body = "0001.key", "PRIVATE+KEY+x/-/log+00000000+not really\n"
	if err := os.WriteFile(filepath.Join(keys, name), []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(src, "tlog", "log"), 0o700); err != nil {
		t.Fatal(err)
	}
	f, err := datafolder.Open(t.Context(), src)
	if err != nil {
		t.Fatal(err)
	}
	defer f.DB.Close()
	dst := filepath.Join(t.TempDir(), "backup")
	if _, err := datafolder.Copy(t.Context(), f, dst); err != nil {
		t.Fatal(err)
	}
	copied := filepath.Join(dst, datafolder.LogKeysDir, name)
	b, err := os.ReadFile(copied)
	if err != nil || string(b) != body {
		t.Fatalf("backup's log key: %q, %v; want the source's", b, err)
	}
	if fi, err := os.Stat(copied); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("%s: %v, %v; want 0600", copied, fi, err)
	}
	if _, err := os.Stat(filepath.Join(dst, "tlog", "log")); !os.IsNotExist(err) {
		t.Errorf("the backup holds the log itself: %v", err)
	}
}
