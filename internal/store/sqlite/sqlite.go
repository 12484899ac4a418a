// Package sqlite is the embedded metadata store: SQLite in WAL mode with a
// single writer connection, so that writers never see SQLITE_BUSY, and a
// pool of readers that run alongside it.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"sort"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Store is a SQLite-backed store.Store.
type Store struct {
	w *sql.DB // one connection: SQLite allows one writer at a time
	r *sql.DB

	docStmts map[store.DocPart]*sql.Stmt
}

var _ store.Store = (*Store)(nil)

// Open opens (creating if needed) the database file at path and applies
// pending migrations.
func Open(ctx context.Context, path string) (*Store, error) {
	// synchronous(FULL): an acknowledged publish survives power loss, not
	// just a crash of the process. journal_mode is not among these: it is
	// stored in the file and set once, by setWAL.
	if err := makePrivate(path); err != nil {
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	pragmas := "_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(FULL)"
	base := "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + pragmas
	w, err := sql.Open("sqlite", base+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	r, err := sql.Open("sqlite", base+"&mode=ro")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	r.SetMaxOpenConns(8)
	r.SetMaxIdleConns(8)
	s := &Store{w: w, r: r}
	if err := s.setWAL(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := s.prepareDocuments(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Close closes both pools.
func (s *Store) Close() error {
	var errs []error
	for _, st := range s.docStmts {
		errs = append(errs, st.Close())
	}
	return errors.Join(append(errs, s.r.Close(), s.w.Close())...)
}

// busyTimeout is how long a connection waits for another's lock; it
// matches the busy_timeout pragma.
const busyTimeout = 10 * time.Second

// setWAL puts the file in WAL mode, so that readers run alongside the
// writer. The mode is stored in the file, so once per Open is enough.
// Switching a new file to WAL takes an exclusive lock and, unlike other
// statements, does not wait on busy_timeout: when two processes open a new
// file at once, one of them gets SQLITE_BUSY at once, so retry here.
func (s *Store) setWAL(ctx context.Context) error {
	deadline := time.Now().Add(busyTimeout)
	for {
		var mode string
		err := s.w.QueryRowContext(ctx, `PRAGMA journal_mode=WAL`).Scan(&mode)
		if err == nil {
			if !strings.EqualFold(mode, "wal") {
				return fmt.Errorf("journal_mode is %q, want wal", mode)
			}
			return nil
		}
		if !isBusy(err) || time.Now().After(deadline) {
			return fmt.Errorf("setting WAL mode: %w", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func isBusy(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_BUSY
}

func (s *Store) migrate(ctx context.Context) error {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	known := make([]string, len(names))
	for i, name := range names {
		known[i] = strings.TrimSuffix(strings.TrimPrefix(name, "migrations/"), ".sql")
	}
	if err := s.checkSchemaKnown(ctx, known); err != nil {
		return err
	}
	for i, name := range names {
		version := known[i]
		if err := s.applyMigration(ctx, name, version); err != nil {
			return fmt.Errorf("migration %s: %w", version, err)
		}
	}
	return nil
}

// applyMigration applies one migration unless it was applied already.
// Everything, the bookkeeping table included, runs inside the migration's
// write transaction (BEGIN IMMEDIATE), so that two processes opening a new
// file at once wait for each other (busy_timeout) and apply it only once.
// Outside a transaction, a statement that reads and then writes may get
// SQLITE_BUSY at once instead of waiting.
func (s *Store) applyMigration(ctx context.Context, name, version string) error {
	body, err := migrations.ReadFile(name)
	if err != nil {
		return err
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() // no-op after Commit
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT PRIMARY KEY)`); err != nil {
		return err
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, version).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, string(body)); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version) VALUES (?)`, version); err != nil {
		return err
	}
	return tx.Commit()
}

// Update runs f in a write transaction (BEGIN IMMEDIATE).
func (s *Store) Update(ctx context.Context, f func(store.Tx) error) error {
	return s.run(ctx, s.w, false, f)
}

// View runs f in a read-only transaction.
func (s *Store) View(ctx context.Context, f func(store.Tx) error) error {
	return s.run(ctx, s.r, true, f)
}

func (s *Store) run(ctx context.Context, db *sql.DB, readOnly bool, f func(store.Tx) error) error {
	sqlTx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: readOnly})
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	// Roll back however f ends, a panic included: a transaction left open
	// would hold the one writer connection forever. After Commit this is a
	// no-op.
	defer sqlTx.Rollback()
	t := &tx{ctx: ctx, tx: sqlTx}
	if err := f(t); err != nil {
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// docColumns names the columns of each document part.
var docColumns = map[store.DocPart]string{
	store.DocMeta:     "",
	store.DocFull:     ", full",
	store.DocFullGz:   ", full_gz",
	store.DocAbbrev:   ", abbrev",
	store.DocAbbrevGz: ", abbrev_gz",
	store.DocAll:      ", full, full_gz, abbrev, abbrev_gz",
}

// prepareDocuments prepares the read path's queries once, so that serving
// a document does not parse SQL on every request.
func (s *Store) prepareDocuments(ctx context.Context) error {
	s.docStmts = map[store.DocPart]*sql.Stmt{}
	for part, cols := range docColumns {
		st, err := s.r.PrepareContext(ctx, `SELECT etag, restricted, gen, stale`+cols+` FROM documents WHERE name = ?`)
		if err != nil {
			return fmt.Errorf("preparing document query: %w", err)
		}
		s.docStmts[part] = st
	}
	return nil
}

// Document reads a precomputed packument without a transaction: one
// prepared, indexed SELECT, the whole of the read path's database work.
func (s *Store) Document(ctx context.Context, name string, part store.DocPart) (*core.Document, error) {
	st, ok := s.docStmts[part]
	if !ok {
		return nil, fmt.Errorf("unknown document part %d", part)
	}
	d := &core.Document{Name: name}
	var restricted, stale int
	dest := []any{&d.ETag, &restricted, &d.Gen, &stale}
	switch part {
	case store.DocMeta:
	case store.DocAll:
		dest = append(dest, &d.Full, &d.FullGz, &d.Abbrev, &d.AbbrevGz)
	default:
		dest = append(dest, part.In(d))
	}
	if err := st.QueryRowContext(ctx, name).Scan(dest...); err != nil {
		return nil, notFound(err, "document %s", name)
	}
	d.Restricted, d.Stale = restricted == 1, stale == 1
	return d, nil
}

// notFound maps sql.ErrNoRows to core.ErrNotFound.
func notFound(err error, format string, args ...any) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), core.ErrNotFound)
	}
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), err)
}

// conflict maps a uniqueness violation to core.ErrConflict.
func conflict(err error, format string, args ...any) error {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), core.ErrConflict)
		}
	}
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), err)
}
