package tlog

import (
	"context"
	"fmt"
	"slices"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/tessera/api/layout"
	"github.com/transparency-dev/tessera/client"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/store"
)

// Located is one leaf that a lookup found.
type Located struct {
	Index uint64 `json:"index"` // the leaf index
	Seq   int64  `json:"seq"`   // the event's sequence number (Index+1)
	Type  string `json:"type"`
	// Opening opens a sealed leaf; only a lookup asked to open sealed
	// leaves (by a reader who may read the package) has it.
	Opening *Opening `json:"opening,omitempty"`
}

// Lookup returns the leaves about name@version that the latest
// checkpoint commits to, oldest first, and that checkpoint's size.
// Events after it are left out: no proof could show them yet. A sealed
// leaf is left out too unless open, and then comes with its opening: the
// caller decides open on whether the reader may read the package.
func (l *Log) Lookup(ctx context.Context, name, version string, open bool) ([]Located, uint64, error) {
	found, size, err := l.about(ctx, name, open, func(e *core.Event) bool { return e.Version == version })
	slices.Reverse(found) // oldest first
	out := make([]Located, len(found))
	for i, f := range found {
		out[i] = f.Located
	}
	return out, size, err
}

// VersionEntry is one leaf about a version of a package.
type VersionEntry struct {
	Version string
	Located
}

// PackageEntries returns the leaves about a package's versions that the
// latest checkpoint covers, newest first (at most
// limits.LogLookupEvents of its events are searched), and that
// checkpoint's size. Sealed leaves are left out unless open, as for
// Lookup.
func (l *Log) PackageEntries(ctx context.Context, name string, open bool) ([]VersionEntry, uint64, error) {
	return l.about(ctx, name, open, func(*core.Event) bool { return true })
}

// about returns the leaves about name whose event keep accepts, newest
// first.
func (l *Log) about(ctx context.Context, name string, open bool, keep func(*core.Event) bool) ([]VersionEntry, uint64, error) {
	_, cp, err := l.Checkpoint(ctx)
	if err != nil {
		return nil, 0, err
	}
	var out []VersionEntry
	err = l.st.View(ctx, func(tx store.Tx) error {
		out = nil
		evs, err := tx.EventsFor(name, limits.LogLookupEvents)
		if err != nil || len(evs) == 0 {
			return err
		}
		decided, err := seals(tx, evs[len(evs)-1].Seq, evs[0].Seq)
		if err != nil {
			return err
		}
		for i := range evs {
			e := &evs[i]
			if e.Package != name || e.Seq < 1 || uint64(e.Seq) > cp.Size || !keep(e) {
				continue
			}
			loc := Located{Index: uint64(e.Seq - 1), Seq: e.Seq, Type: e.Type}
			// An event in the checkpoint without a decision was appended
			// plain, before sealing existed.
			if salt := decided[e.Seq]; salt != nil {
				if !open {
					continue
				}
				plain, err := l.entry(tx, e)
				if err != nil {
					return err
				}
				loc.Opening = newOpening(plain, salt)
			}
			out = append(out, VersionEntry{Version: e.Version, Located: loc})
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

// Proof is a leaf with its inclusion proof in the latest checkpoint.
type Proof struct {
	Index      uint64
	Entry      Entry
	Leaf       []byte   // the leaf's bytes
	LeafHash   []byte   // RFC 6962 leaf hash
	Hashes     [][]byte // the inclusion proof, from the tiles
	Checkpoint []byte   // the signed checkpoint it is proved against
	Size       uint64
	Root       []byte
}

// Prove returns leaf index and its inclusion proof in the latest
// checkpoint, checked before it is returned.
func (l *Log) Prove(ctx context.Context, index uint64) (*Proof, error) {
	raw, cp, err := l.Checkpoint(ctx)
	if err != nil {
		return nil, err
	}
	if index >= cp.Size {
		return nil, core.Errorf(core.KindNotFound, "leaf %d is not in the log's latest checkpoint (size %d)", index, cp.Size)
	}
	b, err := client.GetEntryBundle(ctx, l.reader.ReadEntryBundle, index/layout.EntryBundleWidth, cp.Size)
	if err != nil {
		return nil, err
	}
	j := index % layout.EntryBundleWidth
	if j >= uint64(len(b.Entries)) {
		return nil, fmt.Errorf("entry bundle %d has no leaf %d", index/layout.EntryBundleWidth, index)
	}
	leaf := b.Entries[j]
	e, err := ParseEntry(leaf)
	if err != nil {
		return nil, err
	}
	pb, err := client.NewProofBuilder(ctx, cp.Size, l.reader.ReadTile)
	if err != nil {
		return nil, err
	}
	hashes, err := pb.InclusionProof(ctx, index)
	if err != nil {
		return nil, err
	}
	lh := rfc6962.DefaultHasher.HashLeaf(leaf)
	if err := proof.VerifyInclusion(rfc6962.DefaultHasher, index, cp.Size, lh, hashes, cp.Hash); err != nil {
		return nil, fmt.Errorf("the log's own proof of leaf %d does not verify: %w", index, err)
	}
	return &Proof{Index: index, Entry: e, Leaf: leaf, LeafHash: lh, Hashes: hashes, Checkpoint: raw, Size: cp.Size, Root: cp.Hash}, nil
}
