// Package tlogclient reads and checks a registry's transparency log
// (internal/tlog) over HTTP, as `rampart verify` does: it verifies each
// checkpoint with the log's note key (pinned on first use, as the go
// command pins GOSUMDB's, or given), proves that it is consistent with
// the last checkpoint this client saw (kept in its cache folder), and
// proves a leaf's inclusion, all from the C2SP tiles with
// transparency-dev's proof code. Full tiles and entry bundles never
// change: they are cached on disk and fetched once.
package tlogclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/transparency-dev/formats/log"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/tessera/api/layout"
	"github.com/transparency-dev/tessera/client"
	"golang.org/x/mod/sumdb/note"

	"github.com/rampart/rampart/internal/tlog"
)

// maxResource bounds one fetched file (a tile is 8 KiB; a bundle of 256
// entries of at most 64 KiB each).
const maxResource = 256 << 16

// Client is one registry's log, seen from this machine.
type Client struct {
	base  *url.URL // the registry's URL, ending in /
	http  *http.Client
	cache string // this log's cache folder
	key   string // a configured verifier key; "" pins on first use
	token string // the registry's bearer token, sent with lookups; "" for none

	mu      sync.Mutex
	partial map[string][]byte // partial tiles and bundles of this run
	pins    []string          // the verifier keys checkpoints are checked with

	// Fetches counts the files fetched over the network (not from the cache).
	Fetches int
	// Pinned is set when this run pinned the log's key for the first time.
	Pinned string
}

// New returns a client of the log of the registry at registry. cacheDir
// is the user's cache folder for Rampart (os.UserCacheDir()/rampart);
// key, if set, is the log's verifier key and no key is pinned.
func New(registry string, hc *http.Client, cacheDir, key string) (*Client, error) {
	u, err := url.Parse(registry)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("the registry URL %q is not an http(s) URL", registry)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	if hc == nil {
		hc = &http.Client{Timeout: 60 * time.Second}
	}
	dir := filepath.Join(cacheDir, "tlog", url.PathEscape(u.Host+strings.TrimSuffix(u.Path, "/")))
	return &Client{base: u, http: hc, cache: dir, key: key, partial: map[string][]byte{}}, nil
}

// UseToken makes the lookups send token (the user's token for this
// registry, as npm would send it): a private package's entries are
// shown, with the openings of their sealed leaves, only to a reader who
// may read it. The static files never need it.
func (c *Client) UseToken(token string) { c.token = token }

// HasToken reports whether lookups send a token.
func (c *Client) HasToken() bool { return c.token != "" }

// CacheDir is where this log's pinned key, last checkpoint and tiles are kept.
func (c *Client) CacheDir() string { return c.cache }

func (c *Client) get(ctx context.Context, path string) ([]byte, error) {
	u := c.base.JoinPath("-/log", path)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	if c.token != "" && strings.HasPrefix(path, "lookup/") {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResource+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxResource {
		return nil, fmt.Errorf("GET %s: more than %d bytes", u, maxResource)
	}
	c.mu.Lock()
	c.Fetches++
	c.mu.Unlock()
	if resp.StatusCode == http.StatusNotFound {
		return nil, fmt.Errorf("GET %s: %w", u, os.ErrNotExist)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s: %s", u, resp.Status, strings.TrimSpace(string(b)))
	}
	return b, nil
}

// cached returns a static file of the log: from the disk cache if it is
// immutable (a full tile or bundle) and there, else fetched (and kept).
func (c *Client) cached(ctx context.Context, path string) ([]byte, error) {
	immutable := !strings.Contains(path, ".p/")
	file := filepath.Join(c.cache, filepath.FromSlash(path))
	if immutable {
		if b, err := os.ReadFile(file); err == nil {
			return b, nil
		}
	} else {
		c.mu.Lock()
		b, ok := c.partial[path]
		c.mu.Unlock()
		if ok {
			return b, nil
		}
	}
	b, err := c.get(ctx, path)
	if err != nil {
		return nil, err
	}
	if immutable {
		if err := writeFile(file, b); err != nil {
			return nil, err
		}
	} else {
		c.mu.Lock()
		c.partial[path] = b
		c.mu.Unlock()
	}
	return b, nil
}

// ReadTile and ReadEntryBundle are Tessera's client fetchers.
func (c *Client) ReadTile(ctx context.Context, l, i uint64, p uint8) ([]byte, error) {
	return c.cached(ctx, layout.TilePath(l, i, p))
}

func (c *Client) ReadEntryBundle(ctx context.Context, i uint64, p uint8) ([]byte, error) {
	return c.cached(ctx, layout.EntriesPath(i, p))
}

// Checkpoint is a verified checkpoint of the log.
type Checkpoint struct {
	log.Checkpoint
	Raw []byte
}

// ErrSplitView is wrapped by Latest when the registry's checkpoint is
// not consistent with one this client saw before.
var ErrSplitView = errors.New("split view")

// Latest fetches the log's checkpoint, verifies its signature, proves it
// consistent with the last one this client saw, and keeps it as the last
// seen. Its errors say what was seen.
func (c *Client) Latest(ctx context.Context) (*Checkpoint, error) {
	raw, err := c.get(ctx, "checkpoint")
	if err != nil {
		return nil, fmt.Errorf("fetching the log's checkpoint: %w", err)
	}
	vs, err := c.verifiers(ctx)
	if err != nil {
		return nil, err
	}
	cp, err := open(raw, vs)
	if err != nil {
		return nil, fmt.Errorf("the registry's checkpoint does not verify with the log key %s: %w; the registry may be lying, or its key changed without a rotation (see docs/transparency-log.md)", strings.Join(c.pins, ", "), err)
	}
	c.learnKeys(ctx, raw)
	seenFile := filepath.Join(c.cache, "checkpoint")
	if seenRaw, err := os.ReadFile(seenFile); err == nil {
		seen, err := open(seenRaw, vs)
		if err != nil {
			return nil, fmt.Errorf("the checkpoint kept in %s does not verify: %w; delete it only if you trust the registry's current log", seenFile, err)
		}
		if err := c.consistent(ctx, seen, cp); err != nil {
			return nil, err
		}
	}
	if err := writeFile(seenFile, raw); err != nil {
		return nil, err
	}
	return cp, nil
}

// consistent proves that newer extends seen.
func (c *Client) consistent(ctx context.Context, seen, newer *Checkpoint) error {
	saw := fmt.Sprintf("this client saw size %d with root %x earlier (kept in %s); the registry now shows size %d with root %x",
		seen.Size, seen.Hash, filepath.Join(c.cache, "checkpoint"), newer.Size, newer.Hash)
	switch {
	case newer.Size < seen.Size:
		return fmt.Errorf("%w: the log shrank: %s", ErrSplitView, saw)
	case newer.Size == seen.Size:
		if string(newer.Hash) != string(seen.Hash) {
			return fmt.Errorf("%w: two different logs of the same size: %s", ErrSplitView, saw)
		}
		return nil
	}
	pb, err := client.NewProofBuilder(ctx, newer.Size, c.ReadTile)
	if err != nil {
		return err
	}
	p, err := pb.ConsistencyProof(ctx, seen.Size, newer.Size)
	if err == nil {
		err = proof.VerifyConsistency(rfc6962.DefaultHasher, seen.Size, newer.Size, p, seen.Hash, newer.Hash)
	}
	if err != nil {
		return fmt.Errorf("%w: the log was rewritten: %s, and it does not extend the earlier one (%v)", ErrSplitView, saw, err)
	}
	return nil
}

// Entry returns leaf index's bytes, read from its entry bundle within cp.
func (c *Client) Entry(ctx context.Context, cp *Checkpoint, index uint64) ([]byte, error) {
	if index >= cp.Size {
		return nil, fmt.Errorf("leaf %d is beyond the checkpoint's size %d", index, cp.Size)
	}
	b, err := client.GetEntryBundle(ctx, c.ReadEntryBundle, index/layout.EntryBundleWidth, cp.Size)
	if err != nil {
		return nil, err
	}
	j := index % layout.EntryBundleWidth
	if j >= uint64(len(b.Entries)) {
		return nil, fmt.Errorf("entry bundle %d has no leaf %d", index/layout.EntryBundleWidth, index)
	}
	return b.Entries[j], nil
}

// Prover proves inclusion in one checkpoint; it caches the tree's nodes.
type Prover struct {
	cp *Checkpoint
	pb *client.ProofBuilder
}

// Prover returns a prover for cp.
func (c *Client) Prover(ctx context.Context, cp *Checkpoint) (*Prover, error) {
	pb, err := client.NewProofBuilder(ctx, cp.Size, c.ReadTile)
	if err != nil {
		return nil, err
	}
	return &Prover{cp: cp, pb: pb}, nil
}

// Include proves that leaf is leaf index of the checkpoint's tree. It is
// not safe for concurrent use.
func (p *Prover) Include(ctx context.Context, index uint64, leaf []byte) error {
	ip, err := p.pb.InclusionProof(ctx, index)
	if err != nil {
		return fmt.Errorf("building the inclusion proof of leaf %d: %w", index, err)
	}
	if err := proof.VerifyInclusion(rfc6962.DefaultHasher, index, p.cp.Size, rfc6962.DefaultHasher.HashLeaf(leaf), ip, p.cp.Hash); err != nil {
		return fmt.Errorf("leaf %d is not in the log of size %d the checkpoint signs: %w", index, p.cp.Size, err)
	}
	return nil
}

// Located is one leaf a lookup names.
type Located struct {
	Index uint64 `json:"index"`
	Seq   int64  `json:"seq"`
	Type  string `json:"type"`
	// Opening opens the leaf when it is sealed (a private package's).
	Opening *tlog.Opening `json:"opening,omitempty"`
}

// Lookup asks the registry which leaves are about name@version. The
// answer is only a hint: the caller checks each leaf's content (opening
// it if it is sealed) and proves its inclusion. A name the log does not
// show this caller (never logged, or a private package without a token
// that may read it) is an error wrapping os.ErrNotExist.
func (c *Client) Lookup(ctx context.Context, name, version string) ([]Located, error) {
	b, err := c.get(ctx, "lookup/"+name+"@"+url.PathEscape(version))
	if err != nil {
		return nil, err
	}
	var body struct {
		Entries []Located `json:"entries"`
	}
	if err := json.Unmarshal(b, &body); err != nil {
		return nil, fmt.Errorf("lookup of %s@%s: %w", name, version, err)
	}
	return body.Entries, nil
}

func open(raw []byte, vs note.Verifiers) (*Checkpoint, error) {
	n, err := note.Open(raw, vs)
	if err != nil {
		return nil, err
	}
	var cp log.Checkpoint
	if _, err := cp.Unmarshal([]byte(n.Text)); err != nil {
		return nil, err
	}
	return &Checkpoint{Checkpoint: cp, Raw: raw}, nil
}

func writeFile(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
