package sqlite

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
)

// filePerm is the mode of the database file. SQLite gives its -wal and
// -shm files the mode of the database file, so all three are owner-only:
// the database holds password hashes, token hashes and second factors.
const filePerm = 0o600

// makePrivate creates the database file owner-only before SQLite does
// (SQLite would create it 0644, less the umask), and narrows the files an
// older release left readable by others.
func makePrivate(path string) error {
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE, filePerm)
	if err != nil {
		return err
	}
	f.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm", path + "-journal"} {
		fi, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		if fi.Mode().Perm()&0o077 != 0 {
			if err := os.Chmod(p, filePerm); err != nil {
				return err
			}
		}
	}
	return nil
}

// ErrSchemaTooNew is returned by Open for a database that a newer Rampart
// migrated: this binary does not know its tables, so it must not write.
var ErrSchemaTooNew = errors.New("database schema is newer than this binary")

// checkSchemaKnown refuses a database with migrations this binary does not
// have: an older binary started on a folder a newer one upgraded would
// otherwise write rows that the newer schema's rules (new columns, new
// tables kept in step) do not expect.
func (s *Store) checkSchemaKnown(ctx context.Context, known []string) error {
	var exists int
	if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`).Scan(&exists); err != nil {
		return err
	}
	if exists == 0 {
		return nil
	}
	rows, err := s.r.QueryContext(ctx, `SELECT version FROM schema_migrations ORDER BY version`)
	if err != nil {
		return err
	}
	defer rows.Close()
	var unknown []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return err
		}
		if !slices.Contains(known, v) {
			unknown = append(unknown, v)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(unknown) > 0 {
		return fmt.Errorf("%w: it has migration %s, and this binary knows migrations up to %s only; run the newer Rampart that upgraded it (or restore a backup made before the upgrade)",
			ErrSchemaTooNew, strings.Join(unknown, ", "), known[len(known)-1])
	}
	return nil
}

// ErrCorrupt is returned by Check for a database that fails SQLite's
// integrity check.
var ErrCorrupt = errors.New("database is corrupt")

// Check runs SQLite's quick_check (the b-trees and their pages, without
// matching every index against its table), or integrity_check when full
// is set, and fails with ErrCorrupt and SQLite's findings if either
// finds a fault. quick_check reads the whole file once: cheap enough for
// every start-up of the embedded store.
func (s *Store) Check(ctx context.Context, full bool) error {
	pragma := "PRAGMA quick_check(20)"
	if full {
		pragma = "PRAGMA integrity_check(20)"
	}
	rows, err := s.r.QueryContext(ctx, pragma)
	if err != nil {
		if isCorruptErr(err) {
			return fmt.Errorf("%w: %v", ErrCorrupt, err)
		}
		return fmt.Errorf("checking the database: %w", err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return fmt.Errorf("%w: %v", ErrCorrupt, err)
		}
		if line != "ok" {
			problems = append(problems, line)
		}
	}
	if err := rows.Err(); err != nil {
		if isCorruptErr(err) {
			return fmt.Errorf("%w: %v", ErrCorrupt, err)
		}
		return fmt.Errorf("checking the database: %w", err)
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s", ErrCorrupt, strings.Join(problems, "; "))
	}
	return nil
}

// isCorruptErr reports SQLite's "not a database" and "malformed" errors.
func isCorruptErr(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "malformed") || strings.Contains(msg, "not a database") || strings.Contains(msg, "SQLITE_CORRUPT") || strings.Contains(msg, "SQLITE_NOTADB")
}

// Backup writes a consistent copy of the database to dst, a file that must
// not exist, while other connections and processes go on reading and
// writing: VACUUM INTO reads one snapshot (a read transaction, which in
// WAL mode blocks no writer) and writes a compact database from it. The
// copy is owner-only.
func (s *Store) Backup(ctx context.Context, dst string) error {
	if _, err := os.Stat(dst); err == nil {
		return fmt.Errorf("backup: %s already exists", dst)
	}
	// Created empty and owner-only first: VACUUM INTO fills an empty file,
	// and would otherwise create it with SQLite's default mode.
	f, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, filePerm)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	f.Close()
	conn, err := s.r.Conn(ctx)
	if err != nil {
		os.Remove(dst)
		return fmt.Errorf("backup: %w", err)
	}
	defer conn.Close()
	// The read pool opens the file read-only; VACUUM INTO only reads it.
	if _, err := conn.ExecContext(ctx, `VACUUM INTO ?`, dst); err != nil {
		os.Remove(dst)
		return fmt.Errorf("backup of the database: %w", err)
	}
	return nil
}
