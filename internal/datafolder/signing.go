package datafolder

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// SigningDir is the folder of the registry's private signing keys
// (internal/signing), one PEM file per key.
const SigningDir = "signing"

// copyKeys copies the signing keys of the data folder src into dst,
// owner-only. A key file is written once and never changed, and it is
// written before the database lists its key, so the keys copied after
// the database's snapshot include every key the snapshot lists.
func copyKeys(src, dst string) error {
	from := filepath.Join(src, SigningDir)
	entries, err := os.ReadDir(from)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading the signing keys: %w", err)
	}
	to := filepath.Join(dst, SigningDir)
	if err := os.Mkdir(to, 0o700); err != nil {
		return err
	}
	for _, e := range entries {
		if !e.Type().IsRegular() || !strings.HasSuffix(e.Name(), ".pem") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			return fmt.Errorf("copying the signing keys: %w", err)
		}
		if err := os.WriteFile(filepath.Join(to, e.Name()), b, 0o600); err != nil {
			return fmt.Errorf("copying the signing keys: %w", err)
		}
		if err := syncFile(filepath.Join(to, e.Name())); err != nil {
			return err
		}
	}
	return syncFile(to)
}
