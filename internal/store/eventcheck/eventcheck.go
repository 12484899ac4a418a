// Package eventcheck enforces DESIGN.md rule 4, "every state change writes
// an event in the same transaction", in tests: Wrap decorates a
// store.Store so that an Update transaction that makes a security-relevant
// write (Methods) and commits without appending an event fails the test
// that ran it. The service tests of internal/account and
// internal/registry open their stores through it, so every code path
// they exercise is checked.
//
// It is test support: no production code imports it.
package eventcheck

import (
	"context"
	"fmt"
	"runtime"
	"strings"

	"github.com/rampart/rampart/internal/store"
)

// Reporter is the part of testing.TB the check uses.
type Reporter interface {
	Helper()
	Errorf(format string, args ...any)
}

// Wrap returns s with Update checked; everything else goes to s as is.
func Wrap(t Reporter, s store.Store) store.Store {
	return &checkedStore{Store: s, t: t}
}

type checkedStore struct {
	store.Store
	t Reporter
}

func (s *checkedStore) Update(ctx context.Context, f func(store.Tx) error) error {
	return s.Store.Update(ctx, func(tx store.Tx) error {
		c := &checkedTx{Tx: tx}
		if err := f(c); err != nil {
			return err // rolled back: nothing to record
		}
		if msg := c.missing(); msg != "" {
			s.t.Helper()
			s.t.Errorf("eventcheck: %s", msg)
		}
		return nil
	})
}

// checkedTx notes the security-relevant writes that succeeded and whether
// an event was appended.
type checkedTx struct {
	store.Tx
	pending  string   // the write under way (set before delegating)
	writes   []string // "Method (file:line)" of each successful security write
	appended bool
}

// try names the write about to run; the tests use it to see that every
// Security method is wrapped.
func (c *checkedTx) try(method string) { c.pending = method }

// did records the pending write if it succeeded, with the caller in the
// service that made it.
func (c *checkedTx) did(err error) error {
	if err == nil {
		c.writes = append(c.writes, c.pending+" ("+callers()+")")
	}
	return err
}

// callers names the three calls that led to the write, innermost first,
// as "file.go:line < file.go:line < ...".
func callers() string {
	pc := make([]uintptr, 3)
	n := runtime.Callers(4, pc) // callers, did, the wrapped method, then the service
	frames := runtime.CallersFrames(pc[:n])
	var out []string
	for {
		f, more := frames.Next()
		out = append(out, fmt.Sprintf("%s:%d", f.File[strings.LastIndex(f.File, "/")+1:], f.Line))
		if !more {
			break
		}
	}
	return strings.Join(out, " < ")
}

// didIf is did for a write that is security-relevant only when changed.
func (c *checkedTx) didIf(changed bool, err error) error {
	if changed && err == nil { // not through did: callers counts the frames
		c.writes = append(c.writes, c.pending+" ("+callers()+")")
	}
	return err
}

func (c *checkedTx) missing() string {
	if c.appended || len(c.writes) == 0 {
		return ""
	}
	return fmt.Sprintf("a transaction committed security-relevant writes without appending an event: %s", strings.Join(c.writes, ", "))
}
