package server

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/rampart/rampart/internal/config"
	"github.com/rampart/rampart/internal/store/sqlite"
)

// lockFile is the data folder's lock: `rampart serve` holds an exclusive
// flock on it for its whole life, and writes who it is into it.
const lockFile = "lock"

// DataDir is a server's exclusive hold on its data folder. Two servers on
// one folder would each rebuild the package documents for their own public
// URL, leaving the other handing out tarball links to a port nobody
// listens on; the lock makes the second refuse to start instead. Admin
// commands do not take it: they work beside a running server.
type DataDir struct {
	f    *os.File
	path string
}

// AcquireDataDir locks cfg.Data for a server, or fails at once naming the
// process that holds it, and checks the folder is fit to serve from: a
// schema this binary knows (sqlite.ErrSchemaTooNew) and a database that
// passes SQLite's quick check (sqlite.ErrCorrupt), so that a folder copied
// while a server ran, or damaged on disk, is refused rather than served.
// Call Release when the server has stopped.
func AcquireDataDir(ctx context.Context, cfg config.Config) (*DataDir, error) {
	if err := cfg.EnsureDataDir(); err != nil {
		return nil, err
	}
	// The data folder is owner-only, also one an older release made wider.
	if err := os.Chmod(cfg.Data, 0o700); err != nil {
		return nil, fmt.Errorf("data folder %s: %w", cfg.Data, err)
	}
	path := filepath.Join(cfg.Data, lockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("data folder lock %s: %w", path, err)
	}
	held, err := tryLock(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("data folder lock %s: %w", path, err)
	}
	if held {
		holder := describeHolder(path)
		f.Close()
		return nil, fmt.Errorf("data folder %s is in use by another rampart serve (%s); stop that server first, or give this one its own --data folder (admin commands may run beside it)", cfg.Data, holder)
	}
	d := &DataDir{f: f, path: path}
	if err := d.record(fmt.Sprintf("pid=%d\nstarted=%s\n", os.Getpid(), time.Now().UTC().Format(time.RFC3339))); err != nil {
		d.Release()
		return nil, err
	}
	if err := checkDatabase(ctx, cfg.Data); err != nil {
		d.Release()
		return nil, err
	}
	return d, nil
}

// checkDatabase opens the metadata database (which refuses a newer schema)
// and runs SQLite's quick check.
func checkDatabase(ctx context.Context, data string) error {
	path := filepath.Join(data, "metadata.db")
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		if errors.Is(err, sqlite.ErrSchemaTooNew) {
			return fmt.Errorf("refusing to start: %w", err)
		}
		return corruptHint(path, err)
	}
	defer st.Close()
	return corruptHint(path, st.Check(ctx, false))
}

func corruptHint(path string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sqlite.ErrCorrupt) || strings.Contains(err.Error(), "malformed") || strings.Contains(err.Error(), "not a database") {
		return fmt.Errorf("refusing to start: %s failed SQLite's integrity check (%w). A data folder copied while a server ran is not a backup; restore one made with `rampart admin backup` (see the README, Backups)", path, err)
	}
	return err
}

// Record adds the server's listen address and public URL to the lock
// file, so that a second server's error names them.
func (d *DataDir) Record(listen, publicURL string) error {
	return d.record(fmt.Sprintf("pid=%d\nlisten=%s\npublic_url=%s\nstarted=%s\n", os.Getpid(), listen, publicURL, time.Now().UTC().Format(time.RFC3339)))
}

func (d *DataDir) record(s string) error {
	if err := d.f.Truncate(0); err != nil {
		return fmt.Errorf("data folder lock %s: %w", d.path, err)
	}
	if _, err := d.f.WriteAt([]byte(s), 0); err != nil {
		return fmt.Errorf("data folder lock %s: %w", d.path, err)
	}
	return nil
}

// Release gives up the lock. The file stays: removing it would let a
// server that opened the old file and one that creates a new one both
// hold "the" lock.
func (d *DataDir) Release() error {
	_ = d.f.Truncate(0)
	return d.f.Close() // closing releases the flock
}

// describeHolder reads what the holder wrote into the lock file.
func describeHolder(path string) string {
	b, err := os.ReadFile(path)
	if err != nil || len(b) == 0 {
		return "it has not said which; look for a rampart process using this folder"
	}
	var parts []string
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		k, v, ok := strings.Cut(line, "=")
		if !ok || len(v) > 200 {
			continue
		}
		switch k {
		case "pid":
			parts = append(parts, "pid "+v)
		case "listen":
			parts = append(parts, "listening on "+v)
		case "started":
			parts = append(parts, "started "+v)
		}
	}
	if len(parts) == 0 {
		return "it has not said which; look for a rampart process using this folder"
	}
	return strings.Join(parts, ", ")
}
