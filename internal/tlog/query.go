package tlog

import (
	"context"
	"fmt"

	"github.com/transparency-dev/tessera/api/layout"
	"github.com/transparency-dev/tessera/client"

	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/store"
)

// Located is one leaf of the log that a lookup found.
type Located struct {
	Index uint64 `json:"index"` // the leaf index
	Seq   int64  `json:"seq"`   // the event's sequence number (Index+1)
	Type  string `json:"type"`
}

// Lookup returns the leaves about name@version that the latest
// checkpoint commits to, oldest first, and that checkpoint's size.
// Events after it are left out: no proof could show them yet.
func (l *Log) Lookup(ctx context.Context, name, version string) ([]Located, uint64, error) {
	_, cp, err := l.Checkpoint(ctx)
	if err != nil {
		return nil, 0, err
	}
	var out []Located
	err = l.st.View(ctx, func(tx store.Tx) error {
		evs, err := tx.EventsFor(name, limits.LogLookupEvents)
		if err != nil {
			return err
		}
		for i := len(evs) - 1; i >= 0; i-- { // newest first: reverse
			e := evs[i]
			if e.Version != version || e.Package != name || e.Seq < 1 || uint64(e.Seq) > cp.Size {
				continue
			}
			out = append(out, Located{Index: uint64(e.Seq - 1), Seq: e.Seq, Type: e.Type})
		}
		return nil
	})
	return out, cp.Size, err
}

// FeedItem is one entry of the changes feed.
type FeedItem struct {
	Index uint64 `json:"index"`
	Entry Entry  `json:"entry"`
}

// Feed returns up to limit entries from leaf index from (event from+1)
// on, read from the log's entry bundles within the latest checkpoint,
// and that checkpoint's size.
func (l *Log) Feed(ctx context.Context, from uint64, limit int) ([]FeedItem, uint64, error) {
	_, cp, err := l.Checkpoint(ctx)
	if err != nil {
		return nil, 0, err
	}
	var out []FeedItem
	for i := from; i < cp.Size && len(out) < limit; {
		b, err := client.GetEntryBundle(ctx, l.reader.ReadEntryBundle, i/layout.EntryBundleWidth, cp.Size)
		if err != nil {
			return nil, 0, err
		}
		for j := i % layout.EntryBundleWidth; int(j) < len(b.Entries) && i < cp.Size && len(out) < limit; j++ {
			e, err := ParseEntry(b.Entries[j])
			if err != nil {
				return nil, 0, fmt.Errorf("leaf %d: %w", i, err)
			}
			out = append(out, FeedItem{Index: i, Entry: e})
			i++
		}
		if i%layout.EntryBundleWidth != 0 && len(out) < limit && i < cp.Size {
			return nil, 0, fmt.Errorf("entry bundle %d ends early at leaf %d", i/layout.EntryBundleWidth, i)
		}
	}
	return out, cp.Size, nil
}
