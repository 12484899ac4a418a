package ops

import (
	"context"
	"io"
	"os"

	"github.com/rampart/rampart/internal/blob"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
)

// The stores as the operator sees them: every fault counted for the
// metrics, and a write refused before it starts when the disk has no room
// (Ops.roomToWrite), so that a full disk answers "registry out of space"
// instead of failing half-way.

// observedBlobs wraps the blob store. It keeps blob.Scratcher when the
// store has it (observedScratcher): callers find it by type assertion.
type observedBlobs struct {
	blob.Store
	Ops *Ops
}

func (ops *Ops) WrapBlobs(s blob.Store) blob.Store {
	b := observedBlobs{Store: s, Ops: ops}
	if _, ok := s.(blob.Scratcher); ok {
		return observedScratcher{b}
	}
	return b
}

func (b observedBlobs) Put(ctx context.Context, d blob.Digest, r io.Reader) error {
	if err := b.Ops.roomToWrite(); err != nil {
		return err
	}
	err := b.Store.Put(ctx, d, r)
	b.Ops.blobFailed("put", err)
	return err
}

func (b observedBlobs) Open(ctx context.Context, d blob.Digest) (io.ReadSeekCloser, int64, error) {
	rc, n, err := b.Store.Open(ctx, d)
	b.Ops.blobFailed("open", err)
	return rc, n, err
}

func (b observedBlobs) Stat(ctx context.Context, d blob.Digest) (int64, error) {
	n, err := b.Store.Stat(ctx, d)
	b.Ops.blobFailed("stat", err)
	return n, err
}

func (b observedBlobs) Delete(ctx context.Context, d blob.Digest) error {
	err := b.Store.Delete(ctx, d)
	b.Ops.blobFailed("delete", err)
	return err
}

type observedScratcher struct{ observedBlobs }

// Scratch is where an upload is spooled: refused too when there is no room.
func (b observedScratcher) Scratch() (*os.File, error) {
	if err := b.Ops.roomToWrite(); err != nil {
		return nil, err
	}
	f, err := b.Store.(blob.Scratcher).Scratch()
	b.Ops.blobFailed("scratch", err)
	return f, err
}

// ObservedStore wraps the metadata store: faults counted, and the events
// each committed transaction appended counted by type.
type ObservedStore struct {
	store.Store
	Ops *Ops
}

func (s ObservedStore) Update(ctx context.Context, f func(tx store.Tx) error) error {
	var types []string
	err := s.Store.Update(ctx, func(tx store.Tx) error {
		types = types[:0] // a retried transaction counts once
		return f(countingTx{Tx: tx, types: &types})
	})
	s.Ops.storeFailed("update", err)
	if err == nil {
		for _, t := range types {
			s.Ops.events.Inc(t)
			if t == core.EventPublish {
				s.Ops.publishes.Inc()
			}
		}
	}
	return err
}

func (s ObservedStore) View(ctx context.Context, f func(tx store.Tx) error) error {
	err := s.Store.View(ctx, f)
	s.Ops.storeFailed("view", err)
	return err
}

func (s ObservedStore) Document(ctx context.Context, name string, part store.DocPart) (*core.Document, error) {
	d, err := s.Store.Document(ctx, name, part)
	s.Ops.storeFailed("document", err)
	return d, err
}

// countingTx notes the type of each event appended in the transaction.
type countingTx struct {
	store.Tx
	types *[]string
}

func (tx countingTx) AppendEvent(e *core.Event) error {
	err := tx.Tx.AppendEvent(e)
	if err == nil {
		*tx.types = append(*tx.types, e.Type)
	}
	return err
}
