package tlog_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/tlog"
)

func plainEntry() tlog.Entry {
	return tlog.Entry{Actor: "alice", At: "2026-12-06T01:02:03.004Z", Data: json.RawMessage(`{"integrity":"sha512-AAAA","tag":"latest"}`),
		Package: "@acme/secret", Schema: 2, Seq: 42, Type: core.EventPublish, Version: "1.0.0"}
}

func salt(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }

// TestSealCommitsAndOpens: the same entry and salt always give the same
// leaf bytes; another salt another leaf; the leaf holds nothing of the
// entry; the opening opens it, and a changed salt, entry or position
// does not.
func TestSealCommitsAndOpens(t *testing.T) {
	plain := plainEntry()
	a, again, b := tlog.Seal(plain, salt(1)), tlog.Seal(plain, salt(1)), tlog.Seal(plain, salt(2))
	if !bytes.Equal(a.Marshal(), again.Marshal()) {
		t.Fatalf("same entry and salt, different leaves:\n%s\n%s", a.Marshal(), again.Marshal())
	}
	if bytes.Equal(a.Marshal(), b.Marshal()) {
		t.Fatal("another salt gave the same leaf")
	}
	leaf := a.Marshal()
	for _, secret := range []string{"acme", "secret", "1.0.0", "alice", "AAAA", "publish"} {
		if bytes.Contains(leaf, []byte(secret)) {
			t.Errorf("the sealed leaf shows %q: %s", secret, leaf)
		}
	}
	if !strings.HasPrefix(string(leaf), `{"commitment":"sha256:`) || !strings.HasSuffix(string(leaf), `,"seq":42,"type":"log.sealed"}`) {
		t.Errorf("sealed leaf %s", leaf)
	}
	parsed, err := tlog.ParseEntry(leaf)
	if err != nil || !parsed.Sealed() || parsed.Seq != 42 {
		t.Fatalf("ParseEntry(sealed) = %+v, %v", parsed, err)
	}
	// A sealed leaf with anything of the entry beside it is not canonical.
	if _, err := tlog.ParseEntry([]byte(strings.Replace(string(leaf), `{"commitment"`, `{"actor":"alice","commitment"`, 1))); err == nil {
		t.Error("a sealed leaf that also names an actor parsed")
	}

	o := tlog.Opening{Salt: hex.EncodeToString(salt(1)), Leaf: string(plain.Marshal())}
	got, err := o.Open(parsed)
	if err != nil || got.Package != "@acme/secret" || got.Version != "1.0.0" || got.Integrity() != "sha512-AAAA" {
		t.Fatalf("Open = %+v, %v", got, err)
	}
	other := plain
	other.Data = json.RawMessage(`{"integrity":"sha512-BBBB","tag":"latest"}`)
	moved := plain
	moved.Seq = 43
	for name, bad := range map[string]tlog.Opening{
		"another salt":     {Salt: hex.EncodeToString(salt(2)), Leaf: o.Leaf},
		"another entry":    {Salt: o.Salt, Leaf: string(other.Marshal())},
		"another event":    {Salt: o.Salt, Leaf: string(moved.Marshal())},
		"a short salt":     {Salt: "0102", Leaf: o.Leaf},
		"a non-canonical":  {Salt: o.Salt, Leaf: strings.Replace(o.Leaf, `"actor"`, ` "actor"`, 1)},
		"the sealed bytes": {Salt: o.Salt, Leaf: string(leaf)},
	} {
		if _, err := bad.Open(parsed); err == nil {
			t.Errorf("an opening with %s opened the leaf", name)
		}
	}
}

// TestSequencerSealsRestrictedPackages: an event about a package that
// is not publicly readable when sequenced is a sealed leaf; a lookup
// shows it only when asked to open it, with an opening that opens the
// leaf in the log; the decision is kept, so a log reopened after the
// package became public still matches its last leaf, and only events
// after that are plain.
func TestSequencerSealsRestrictedPackages(t *testing.T) {
	dir := t.TempDir()
	st := openStore(t, dir)
	at := time.Date(2026, 12, 6, 1, 0, 0, 0, time.UTC)
	add := func(pkg string, n int) {
		t.Helper()
		err := st.Update(context.Background(), func(tx store.Tx) error {
			for i := range n {
				if err := tx.AppendEvent(event.AccessChange{Access: "restricted"}.At(at.Add(time.Duration(i)*time.Millisecond), "bob", pkg, "")); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	var restricted atomic.Bool
	restricted.Store(true)
	policy := tlog.SealPolicy(false, func(tx store.Tx, name string) (bool, bool, error) {
		return name != "@acme/secret" || !restricted.Load(), true, nil
	})
	open := func() *tlog.Log {
		l, err := tlog.Open(context.Background(), st, tlog.Config{Dir: filepath.Join(dir, "tlog"), Origin: tlog.Origin("http://registry.test/"),
			CheckpointEvery: 100 * time.Millisecond, Seal: policy})
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	add("left-pad", 1)
	add("@acme/secret", 2)
	l := open()
	if err := l.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	waitCheckpoint(t, l, 3)
	items, _, err := l.Feed(context.Background(), 0, 10)
	if err != nil || len(items) != 3 {
		t.Fatalf("Feed = %d items, %v", len(items), err)
	}
	if items[0].Entry.Sealed() || items[0].Entry.Package != "left-pad" {
		t.Errorf("the public package's leaf: %s", items[0].Entry.Marshal())
	}
	for _, it := range items[1:] {
		if !it.Entry.Sealed() || bytes.Contains(it.Entry.Marshal(), []byte("secret")) || bytes.Contains(it.Entry.Marshal(), []byte("bob")) {
			t.Errorf("the restricted package's leaf %d: %s", it.Index, it.Entry.Marshal())
		}
	}
	if hidden, _, err := l.Lookup(context.Background(), "@acme/secret", "", false); err != nil || len(hidden) != 0 {
		t.Errorf("Lookup without opening = %+v, %v; want nothing", hidden, err)
	}
	shown, _, err := l.Lookup(context.Background(), "@acme/secret", "", true)
	if err != nil || len(shown) != 2 {
		t.Fatalf("Lookup with opening = %+v, %v", shown, err)
	}
	for _, s := range shown {
		if s.Opening == nil {
			t.Fatalf("leaf %d has no opening", s.Index)
		}
		plain, err := s.Opening.Open(items[s.Index].Entry)
		if err != nil || plain.Package != "@acme/secret" || plain.Actor != "bob" || s.Type != core.EventAccessChange {
			t.Errorf("opening leaf %d: %+v, %v", s.Index, plain, err)
		}
	}
	if err := l.Close(context.Background()); err != nil {
		t.Fatal(err)
	}

	// The package becomes public: the log still opens (its last leaf is
	// sealed and stays so), and the next event is plain.
	restricted.Store(false)
	add("@acme/secret", 1)
	l = open()
	defer l.Close(context.Background())
	if err := l.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	waitCheckpoint(t, l, 4)
	items, _, err = l.Feed(context.Background(), 1, 10)
	if err != nil || len(items) != 3 || !items[0].Entry.Sealed() || !items[1].Entry.Sealed() || items[2].Entry.Sealed() || items[2].Entry.Package != "@acme/secret" {
		t.Fatalf("after the package became public: %+v, %v", items, err)
	}
}
