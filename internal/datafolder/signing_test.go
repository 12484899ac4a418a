package datafolder_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rampart/rampart/internal/datafolder"
)

// TestCopyKeepsSigningKeys: a backup holds the registry's private
// signing keys, owner-only, so that a restored registry signs with the
// same key.
func TestCopyKeepsSigningKeys(t *testing.T) {
	src := t.TempDir()
	keys := filepath.Join(src, datafolder.SigningDir)
	if err := os.Mkdir(keys, 0o700); err != nil {
		t.Fatal(err)
	}
	const name, body = "0123abcd.pem", "-----BEGIN PRIVATE KEY-----\nnot really\n-----END PRIVATE KEY-----\n"
	if err := os.WriteFile(filepath.Join(keys, name), []byte(body), 0o600); err != nil {
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
	copied := filepath.Join(dst, datafolder.SigningDir, name)
	b, err := os.ReadFile(copied)
	if err != nil || string(b) != body {
		t.Fatalf("backup's key: %q, %v; want the source's", b, err)
	}
	for path, want := range map[string]os.FileMode{copied: 0o600, filepath.Dir(copied): 0o700} {
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != want {
			t.Errorf("%s: mode %v, %v; want %v", path, fi.Mode().Perm(), err, want)
		}
	}
}
