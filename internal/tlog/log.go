// Package tlog is the registry's transparency log (GEN-3b): a sequencer
// that follows the event outbox (store.Events) in commit order and
// appends each event's public form (Entry) to a Merkle log written by
// Tessera's POSIX driver in <data>/tlog/log, in the C2SP tlog-tiles
// layout (checkpoint, tile/, tile/entries/), with C2SP checkpoints signed
// as notes with an Ed25519 key from <data>/tlog/keys.
//
// Leaf i is event i+1. The log's integrated size is therefore the
// sequencer's cursor: nothing else is kept, so there is nothing to keep
// consistent with it. Tessera's POSIX driver writes a batch's entry
// bundles and tiles and then, last, its tree state (a file renamed into
// place): a process killed mid-batch leaves the size of the last whole
// batch, and the next start appends from the event after it. Files it
// had written past that size are written again with the same bytes,
// since an event's entry is a function of the event and of a version's
// row, which never changes.
//
// The log is served as static files (internal/logapi); clients verify
// with internal/tlogclient. docs/transparency-log.md is the user's and
// operator's page.
package tlog

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/transparency-dev/formats/log"
	"github.com/transparency-dev/tessera"
	"github.com/transparency-dev/tessera/api/layout"
	"github.com/transparency-dev/tessera/client"
	"github.com/transparency-dev/tessera/storage/posix"
	"golang.org/x/mod/sumdb/note"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
)

// Config says where the log lives and how it batches.
type Config struct {
	Dir    string // <data>/tlog: keys/ and log/
	Origin string // the checkpoints' origin line for a new log (Origin(publicURL)); a log keeps the one of its first key
	// Batch is the most events one read of the outbox takes (and
	// Tessera's batch size); 0 means 256.
	Batch int
	// Poll is how often the sequencer looks for new events when nothing
	// woke it; 0 means 200 ms. CheckpointEvery is how often a new
	// checkpoint may be signed; 0 means 500 ms. Together they bound the
	// integration lag.
	Poll, CheckpointEvery time.Duration
	Log                   *slog.Logger
	// Seal decides, once per event, whether its leaf is sealed (seal.go;
	// SealPolicy is the usual one); nil seals nothing.
	Seal func(tx store.Tx, e *core.Event) (bool, error)
}

// Origin is the origin line of a log served under publicURL: its host
// and path, then "/-/log", without a scheme (C2SP tlog-checkpoint).
func Origin(publicURL string) string {
	u, err := url.Parse(publicURL)
	if err != nil || u.Host == "" {
		return "rampart/-/log"
	}
	return u.Host + strings.TrimSuffix(u.Path, "/") + "/-/log"
}

// KeysDir and LogDir are the folders of a log in its data folder.
func KeysDir(dir string) string { return filepath.Join(dir, "keys") }
func LogDir(dir string) string  { return filepath.Join(dir, "log") }

// Log is the sequencer and the reader of the log.
type Log struct {
	st       store.Store
	cfg      Config
	origin   string
	keys     []Key
	verifier note.Verifiers
	add      tessera.AddFn
	shutdown func(context.Context) error
	reader   tessera.LogReader
	stop     context.CancelFunc
	wake     chan struct{}

	mu     sync.Mutex // one Sync at a time
	next   int64      // the seq of the next event to append
	broken error      // set when an append failed: restart to resume from the log
	// legacy is the log's size when it opened: an event up to it without
	// a sealing decision was appended before sealing existed, plain.
	legacy int64
}

// Open opens the log in cfg.Dir, making its first key if it has none,
// and reads its size: appending resumes at the event after it.
func Open(ctx context.Context, st store.Store, cfg Config) (*Log, error) {
	if cfg.Batch <= 0 {
		cfg.Batch = 256
	}
	if cfg.Poll <= 0 {
		cfg.Poll = 200 * time.Millisecond
	}
	if cfg.CheckpointEvery <= 0 {
		cfg.CheckpointEvery = 500 * time.Millisecond
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	keys, err := Keys(KeysDir(cfg.Dir))
	if err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		if _, err := RotateKey(KeysDir(cfg.Dir), cfg.Origin); err != nil {
			return nil, fmt.Errorf("making the log's first checkpoint key: %w", err)
		}
		if keys, err = Keys(KeysDir(cfg.Dir)); err != nil {
			return nil, err
		}
	}
	primary, more, err := signers(keys)
	if err != nil {
		return nil, err
	}
	vs, err := verifiers(keys)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(LogDir(cfg.Dir), 0o755); err != nil {
		return nil, err
	}
	drv, err := posix.New(ctx, posix.Config{Path: LogDir(cfg.Dir)})
	if err != nil {
		return nil, err
	}
	opts := tessera.NewAppendOptions().
		WithCheckpointSigner(primary, more...).
		WithBatching(uint(cfg.Batch), 10*time.Millisecond).
		WithPushback(uint(4 * cfg.Batch)).
		WithCheckpointInterval(cfg.CheckpointEvery)
	// Tessera's own goroutines live until Close, not until the caller's
	// ctx (the start-up's) ends.
	lctx, stop := context.WithCancel(context.Background())
	a, shutdown, r, err := tessera.NewAppender(lctx, drv, opts)
	if err != nil {
		stop()
		return nil, fmt.Errorf("opening the transparency log in %s: %w", LogDir(cfg.Dir), err)
	}
	size, err := r.IntegratedSize(ctx)
	if err != nil {
		stop()
		return nil, err
	}
	l := &Log{st: st, cfg: cfg, origin: primary.Name(), keys: keys, verifier: vs, add: a.Add, shutdown: shutdown, reader: r,
		stop: stop, wake: make(chan struct{}, 1), next: int64(size) + 1, legacy: int64(size)}
	if err := l.checkEnd(ctx, size); err != nil {
		stop()
		return nil, err
	}
	return l, nil
}

// checkEnd makes sure the log's last leaf is the store's event of that
// number, byte for byte: a log that ran ahead of its store (a database
// restored from an older backup beside a newer log) would otherwise
// skip the new events that reuse those numbers.
func (l *Log) checkEnd(ctx context.Context, size uint64) error {
	if size == 0 {
		return nil
	}
	b, err := client.GetEntryBundle(ctx, l.reader.ReadEntryBundle, (size-1)/layout.EntryBundleWidth, size)
	if err != nil {
		return fmt.Errorf("reading the transparency log's last entry: %w", err)
	}
	j := (size - 1) % layout.EntryBundleWidth
	if j >= uint64(len(b.Entries)) {
		return fmt.Errorf("the transparency log's last entry bundle ends before leaf %d", size-1)
	}
	l.next = int64(size)
	entries, err := l.read(ctx)
	l.next = int64(size) + 1
	if err != nil {
		return err
	}
	if len(entries) == 0 || !bytes.Equal(entries[0].Marshal(), b.Entries[j]) {
		return fmt.Errorf("the transparency log in %s has %d entries, but its last one is not the event store's event %d: "+
			"the database is older than the log (restored from a backup?) or was changed. Move %s away to rebuild the log from the events; "+
			"clients that saw later checkpoints will then report a split view", LogDir(l.cfg.Dir), size, size, LogDir(l.cfg.Dir))
	}
	return nil
}

// Origin is the log's origin line.
func (l *Log) Origin() string { return l.origin }

// VerifierKeys are the public keys checkpoints are signed with, current first.
func (l *Log) VerifierKeys() []string {
	out := make([]string, 0, len(l.keys))
	for i := len(l.keys) - 1; i >= 0; i-- {
		out = append(out, l.keys[i].Verifier)
	}
	return out
}

// Reader reads the log's static resources (checkpoint, tiles, bundles).
func (l *Log) Reader() tessera.LogReader { return l.reader }

// Wake asks the sequencer to look for new events now.
func (l *Log) Wake() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// Run appends new events until ctx ends: when woken, and every Poll.
func (l *Log) Run(ctx context.Context) {
	t := time.NewTicker(l.cfg.Poll)
	defer t.Stop()
	for {
		if err := l.Sync(ctx); err != nil && ctx.Err() == nil {
			l.cfg.Log.Error("transparency log: appending events failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-l.wake:
		case <-t.C:
		}
	}
}

// Sync appends every committed event after the log's end, batch by
// batch, and returns once each is integrated (a checkpoint committing to
// it follows within CheckpointEvery).
func (l *Log) Sync(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.broken != nil {
		return l.broken
	}
	for {
		entries, err := l.read(ctx)
		if err != nil || len(entries) == 0 {
			return err
		}
		futures := make([]tessera.IndexFuture, len(entries))
		for i, e := range entries {
			futures[i] = l.add(ctx, tessera.NewEntry(e.Marshal()))
		}
		for i, f := range futures {
			idx, err := f()
			if err == nil && idx.Index != uint64(entries[i].Seq-1) {
				err = fmt.Errorf("event %d went to leaf %d, not %d: the log and the event store disagree", entries[i].Seq, idx.Index, entries[i].Seq-1)
			}
			if err != nil {
				// What was queued may still be integrated: only a restart,
				// which reads the size again, knows where to resume.
				l.broken = fmt.Errorf("transparency log stopped at event %d (restart the server to resume): %w", entries[i].Seq, err)
				return l.broken
			}
		}
		l.next = entries[len(entries)-1].Seq + 1
	}
}

// read returns the entries of the next batch of events. An event that
// has no sealing decision yet gets one first, in a write transaction,
// and keeps it: its leaf never changes afterwards.
func (l *Log) read(ctx context.Context) ([]Entry, error) {
	var out []Entry
	err := l.st.View(ctx, func(tx store.Tx) (err error) {
		out, err = l.batch(tx, false)
		return err
	})
	if errors.Is(err, errUndecided) {
		err = l.st.Update(ctx, func(tx store.Tx) (err error) {
			out, err = l.batch(tx, true)
			return err
		})
	}
	return out, err
}

// errUndecided is batch's answer when an event needs a decision and it
// may not write.
var errUndecided = errors.New("an event has no sealing decision yet")

// batch builds the next batch's entries; decide lets it record the
// decisions that are missing.
func (l *Log) batch(tx store.Tx, decide bool) ([]Entry, error) {
	evs, err := tx.EventsAfter(l.next-1, l.cfg.Batch)
	if err != nil || len(evs) == 0 {
		return nil, err
	}
	decided, err := seals(tx, evs[0].Seq, evs[len(evs)-1].Seq)
	if err != nil {
		return nil, err
	}
	out := make([]Entry, 0, len(evs))
	sealedPkg := map[string]bool{} // decisions of this batch, by package: one read of each package's access
	for i := range evs {
		e := &evs[i]
		if e.Seq != l.next+int64(i) {
			return nil, fmt.Errorf("the event store gave event %d where %d was next", e.Seq, l.next+int64(i))
		}
		salt, ok := decided[e.Seq]
		if !ok && e.Seq > l.legacy {
			if !decide {
				return nil, errUndecided
			}
			if salt, err = l.decide(tx, e, sealedPkg); err != nil {
				return nil, err
			}
		}
		plain, err := l.entry(tx, e)
		if err != nil {
			return nil, err
		}
		if salt != nil {
			plain = Seal(plain, salt)
		}
		out = append(out, plain)
	}
	return out, nil
}

// decide makes and records e's sealing decision: its salt, or nil.
// known holds the decisions already made in this transaction, by
// package (an event about no package is decided each time).
func (l *Log) decide(tx store.Tx, e *core.Event, known map[string]bool) ([]byte, error) {
	var salt []byte
	if l.cfg.Seal != nil {
		sealed, ok := known[e.Package]
		if !ok || e.Package == "" {
			var err error
			if sealed, err = l.cfg.Seal(tx, e); err != nil {
				return nil, fmt.Errorf("deciding whether event %d is sealed: %w", e.Seq, err)
			}
			known[e.Package] = sealed
		}
		if sealed {
			salt = newSalt()
		}
	}
	return salt, tx.PutLogSeal(store.LogSeal{Seq: e.Seq, Salt: salt})
}

// entry is e's plain entry.
func (l *Log) entry(tx store.Tx, e *core.Event) (Entry, error) {
	var art *Artifact
	if artifactEvents[e.Type] {
		var err error
		if art, err = artifactOf(tx, e); err != nil {
			return Entry{}, err
		}
	}
	return newEntry(e, art), nil
}

// artifactOf reads the facts of the version an event is about.
func artifactOf(tx store.Tx, e *core.Event) (*Artifact, error) {
	pkg, err := tx.PackageByRef(core.NPM(e.Package))
	if errors.Is(err, core.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	v, err := tx.Version(pkg.ID, e.Version)
	if errors.Is(err, core.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	a := &Artifact{Integrity: v.Integrity, SHA512: v.Digest, Shasum: v.Shasum, Size: v.Size, Provenance: v.Provenance}
	p, err := tx.VersionProvenance(pkg.ID, e.Version)
	if err != nil && !errors.Is(err, core.ErrNotFound) {
		return nil, err
	}
	if p != nil {
		a.SourceRepository, a.Workflow, a.Issuer = p.SourceRepository, p.WorkflowPath, p.Issuer
	}
	return a, nil
}

// Checkpoint returns the latest published checkpoint and its parsed body.
func (l *Log) Checkpoint(ctx context.Context) ([]byte, log.Checkpoint, error) {
	raw, err := l.reader.ReadCheckpoint(ctx)
	if err != nil {
		return nil, log.Checkpoint{}, err
	}
	n, err := note.Open(raw, l.verifier)
	if err != nil {
		return nil, log.Checkpoint{}, fmt.Errorf("the log's own checkpoint does not verify: %w", err)
	}
	var cp log.Checkpoint
	if _, err := cp.Unmarshal([]byte(n.Text)); err != nil {
		return nil, log.Checkpoint{}, err
	}
	return raw, cp, nil
}

// Close stops appending, waits (until ctx ends) for what was queued to
// be integrated, and stops Tessera's jobs.
func (l *Log) Close(ctx context.Context) error {
	defer l.stop()
	return l.shutdown(ctx)
}

// verifiers returns note verifiers for keys.
func verifiers(keys []Key) (note.Verifiers, error) {
	vs := make([]note.Verifier, 0, len(keys))
	for _, k := range keys {
		v, err := note.NewVerifier(k.Verifier)
		if err != nil {
			return nil, err
		}
		vs = append(vs, v)
	}
	return note.VerifierList(vs...), nil
}
