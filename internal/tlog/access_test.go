package tlog_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/tlog"
)

// tracingStore records the event reads a lookup makes: each EventsFor
// with the number of rows it returned, and each read of the seals.
type tracingStore struct {
	store.Store
	mu    sync.Mutex
	trace []string
}

func (s *tracingStore) View(ctx context.Context, f func(store.Tx) error) error {
	return s.Store.View(ctx, func(tx store.Tx) error { return f(tracingTx{tx, s}) })
}

func (s *tracingStore) take() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.trace
	s.trace = nil
	return t
}

func (s *tracingStore) note(op string) {
	s.mu.Lock()
	s.trace = append(s.trace, op)
	s.mu.Unlock()
}

type tracingTx struct {
	store.Tx
	s *tracingStore
}

func (t tracingTx) EventsFor(name string, limit int) ([]core.Event, error) {
	evs, err := t.Tx.EventsFor(name, limit)
	t.s.note(fmt.Sprintf("EventsFor: %d rows", len(evs)))
	return evs, err
}

func (t tracingTx) LogSeals(from, to int64) ([]store.LogSeal, error) {
	t.s.note("LogSeals")
	return t.Tx.LogSeals(from, to)
}

// TestHiddenLookupReadsWhatAMissingOneReads: the lookups of a private
// package by someone who may not read it answer nothing, as for a name
// never logged, and read the store exactly as that one does (no read of
// the package's events and seals to drop them), so their time does not
// tell a private package's existence either (BenchmarkLogLookupHidden in
// internal/server measures it). Its reader sees every leaf, opened.
func TestHiddenLookupReadsWhatAMissingOneReads(t *testing.T) {
	dir := t.TempDir()
	st := &tracingStore{Store: openStore(t, dir)}
	at := time.Date(2026, 12, 6, 1, 0, 0, 0, time.UTC)
	err := st.Update(context.Background(), func(tx store.Tx) error {
		for i := range 5 {
			if err := tx.AppendEvent(event.DistTagSet{Tag: fmt.Sprintf("t%d", i)}.At(at, "bob", "@acme/secret", "1.0.0")); err != nil {
				return err
			}
		}
		return tx.AppendEvent(event.AccessChange{Access: "public"}.At(at, "alice", "left-pad", ""))
	})
	if err != nil {
		t.Fatal(err)
	}
	policy := tlog.SealPolicy(false, func(tx store.Tx, name string) (bool, bool, error) { return name != "@acme/secret", true, nil })
	l, err := tlog.Open(context.Background(), st, tlog.Config{Dir: filepath.Join(dir, "tlog"), Origin: tlog.Origin("http://registry.test/"),
		CheckpointEvery: 100 * time.Millisecond, Seal: policy})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close(context.Background())
	if err := l.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	waitCheckpoint(t, l, 6)
	check := func(_ context.Context, p authz.Principal, name string) (bool, bool, error) {
		if name != "@acme/secret" {
			return false, false, nil
		}
		return p.User != nil && p.User.Name == "bob", true, nil
	}
	bob := authz.Principal{User: &core.User{ID: 2, Name: "bob"}}
	anyone := authz.Principal{}
	ctx := context.Background()

	lookup := func(p authz.Principal, name string) (int, []string) {
		t.Helper()
		st.take()
		found, _, err := l.LookupFor(ctx, check, p, name, "1.0.0")
		if err != nil {
			t.Fatal(err)
		}
		return len(found), st.take()
	}
	entries := func(p authz.Principal, name string) (int, []string) {
		t.Helper()
		st.take()
		found, _, err := l.PackageEntriesFor(ctx, check, p, name)
		if err != nil {
			t.Fatal(err)
		}
		return len(found), st.take()
	}
	for what, read := range map[string]func(authz.Principal, string) (int, []string){"LookupFor": lookup, "PackageEntriesFor": entries} {
		if n, _ := read(bob, "@acme/secret"); n != 5 {
			t.Fatalf("%s: its reader sees %d leaves, want 5", what, n)
		}
		nHidden, hidden := read(anyone, "@acme/secret")
		nMissing, missing := read(anyone, "@acme/nothing")
		if nHidden != 0 || nMissing != 0 {
			t.Fatalf("%s: %d leaves of the private package, %d of a missing name shown to anyone; want none", what, nHidden, nMissing)
		}
		if !slices.Equal(hidden, missing) || len(missing) == 0 {
			t.Errorf("%s: the private package's lookup read %q, a missing name's %q: its time tells it exists", what, hidden, missing)
		}
	}
}
