package datafolder

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// LogKeysDir is the folder of the transparency log's checkpoint keys
// (internal/tlog), one file per key.
const LogKeysDir = "tlog/keys"

// copyLogKeys copies the transparency log's checkpoint keys of the data
// folder src into dst, owner-only: clients pinned them, so a restored
// registry must sign with the same keys. The log itself is not copied: a
// server started on the copy rebuilds it from the snapshot's events,
// with the same leaves (docs/transparency-log.md).
func copyLogKeys(src, dst string) error {
	from := filepath.Join(src, LogKeysDir)
	entries, err := os.ReadDir(from)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading the log's checkpoint keys: %w", err)
	}
	to := filepath.Join(dst, LogKeysDir)
	if err := os.MkdirAll(to, 0o700); err != nil {
		return err
	}
	for _, e := range entries {
		if !e.Type().IsRegular() || !strings.HasSuffix(e.Name(), ".key") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			return fmt.Errorf("copying the log's checkpoint keys: %w", err)
		}
		if err := os.WriteFile(filepath.Join(to, e.Name()), b, 0o600); err != nil {
			return fmt.Errorf("copying the log's checkpoint keys: %w", err)
		}
		if err := syncFile(filepath.Join(to, e.Name())); err != nil {
			return err
		}
	}
	if err := syncFile(to); err != nil {
		return err
	}
	return syncFile(filepath.Dir(to))
}
