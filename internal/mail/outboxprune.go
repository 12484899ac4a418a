package mail

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// The outbox folder is pruned as it is written to, so that a registry
// left on the outbox (no SMTP relay) does not pile up mail for ever: it
// keeps the newest Keep messages and none older than MaxAge.

// Retention bounds the outbox folder. Zero values keep everything.
type Retention struct {
	Keep   int           // the newest messages kept; 0: no bound by count
	MaxAge time.Duration // older messages are deleted; 0: no bound by age
}

type pruneState struct {
	mu        sync.Mutex
	keep      Retention
	sinceLast int       // messages written since the last prune
	last      time.Time // when the folder was last pruned
}

// SetRetention sets how much mail the folder keeps and prunes it once
// now. A message past either bound is deleted.
func (o *Outbox) SetRetention(r Retention) error {
	o.prune.mu.Lock()
	o.prune.keep = r
	o.prune.mu.Unlock()
	_, err := o.Prune()
	return err
}

// maybePrune prunes after a Send, every tenth of Keep messages (so the
// folder holds at most about 1.1 × Keep) or once a minute, not on every
// message: listing the folder costs.
func (o *Outbox) maybePrune() {
	o.prune.mu.Lock()
	r := o.prune.keep
	o.prune.sinceLast++
	due := r != (Retention{}) && (o.prune.sinceLast >= max(1, r.Keep/10) || o.now().Sub(o.prune.last) >= time.Minute)
	o.prune.mu.Unlock()
	if !due {
		return
	}
	if n, err := o.Prune(); err != nil {
		o.log.Warn("pruning the mail outbox folder failed", "outbox", o.dir, "err", err)
	} else if n > 0 {
		o.log.Debug("pruned the mail outbox folder", "outbox", o.dir, "deleted", n)
	}
}

// Prune deletes the messages past the retention: all but the newest Keep,
// and those older than MaxAge (by the time in their name, which is when
// they were written). It returns how many it deleted. Files that are not
// the outbox's messages are left alone.
func (o *Outbox) Prune() (int, error) {
	o.prune.mu.Lock()
	r := o.prune.keep
	o.prune.sinceLast, o.prune.last = 0, o.now()
	o.prune.mu.Unlock()
	if r == (Retention{}) {
		return 0, nil
	}
	entries, err := os.ReadDir(o.dir)
	if err != nil {
		return 0, fmt.Errorf("mail: outbox: %w", err)
	}
	type msg struct {
		name string
		at   time.Time
	}
	var msgs []msg
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() || strings.HasPrefix(name, ".") || !strings.HasSuffix(name, ".eml") {
			continue
		}
		stamp, _, _ := strings.Cut(name, "-")
		at, err := time.Parse("20060102T150405.000000000Z", stamp)
		if err != nil {
			continue // not a name Send writes
		}
		msgs = append(msgs, msg{name, at})
	}
	// Newest first (names sort by time, then kind and random: ties keep
	// a stable order).
	slices.SortFunc(msgs, func(a, b msg) int {
		if c := b.at.Compare(a.at); c != 0 {
			return c
		}
		return strings.Compare(b.name, a.name)
	})
	cutoff := time.Time{}
	if r.MaxAge > 0 {
		cutoff = o.now().Add(-r.MaxAge)
	}
	var errs []error
	n := 0
	for i, m := range msgs {
		if (r.Keep > 0 && i >= r.Keep) || (!cutoff.IsZero() && m.at.Before(cutoff)) {
			if err := os.Remove(filepath.Join(o.dir, m.name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, err)
				continue
			}
			n++
		}
	}
	return n, errors.Join(errs...)
}
