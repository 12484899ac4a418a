package tlogclient

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

// keysFile is the pinned keys, one verifier key a line.
func (c *Client) keysFile() string { return filepath.Join(c.cache, "keys") }

// verifiers returns the keys checkpoints must verify with: the
// configured one, else those pinned, else (first use) those the
// registry lists now, which are then pinned.
func (c *Client) verifiers(ctx context.Context) (note.Verifiers, error) {
	if c.key != "" {
		c.pins = []string{c.key}
	} else if b, err := os.ReadFile(c.keysFile()); err == nil {
		c.pins = strings.Fields(string(b))
	} else {
		listed, err := c.listedKeys(ctx)
		if err != nil {
			return nil, err
		}
		if len(listed) == 0 {
			return nil, fmt.Errorf("the registry lists no log key at %s", c.base.JoinPath("-/log/key"))
		}
		if err := writeFile(c.keysFile(), []byte(strings.Join(listed, "\n")+"\n")); err != nil {
			return nil, err
		}
		c.pins = listed
		c.Pinned = strings.Join(listed, ", ")
	}
	vs := make([]note.Verifier, 0, len(c.pins))
	for _, k := range c.pins {
		v, err := note.NewVerifier(k)
		if err != nil {
			return nil, fmt.Errorf("log key %q: %w", k, err)
		}
		vs = append(vs, v)
	}
	return note.VerifierList(vs...), nil
}

func (c *Client) listedKeys(ctx context.Context) ([]string, error) {
	b, err := c.get(ctx, "key")
	if err != nil {
		return nil, fmt.Errorf("fetching the log's key: %w", err)
	}
	return strings.Fields(string(b)), nil
}

// learnKeys pins a new key of a rotation: one the registry lists that
// also signed raw, a checkpoint a pinned key verified. A key is never
// pinned on the registry's word alone.
func (c *Client) learnKeys(ctx context.Context, raw []byte) {
	if c.key != "" {
		return
	}
	listed, err := c.listedKeys(ctx)
	if err != nil {
		return
	}
	changed := false
	for _, k := range listed {
		if slices.Contains(c.pins, k) {
			continue
		}
		v, err := note.NewVerifier(k)
		if err != nil {
			continue
		}
		if _, err := note.Open(raw, note.VerifierList(v)); err == nil {
			c.pins = append(c.pins, k)
			changed = true
		}
	}
	if changed {
		_ = writeFile(c.keysFile(), []byte(strings.Join(c.pins, "\n")+"\n"))
	}
}
