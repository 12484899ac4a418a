// Package logseals holds the conformance cases of the store's
// transparency-log role: store.LogSeals.
package logseals

import (
	"bytes"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/storetest/suite"
)

// RunLogSeals runs the cases of store.LogSeals.
func RunLogSeals(t *testing.T, open func(t *testing.T) store.Store) {
	suite.Cases(t, open, []suite.Test{
		{Name: "FirstDecisionStays", F: testFirstDecisionStays},
		{Name: "LatestOfPackage", F: testLatestOfPackage},
	})
}

// A decision is read back by range, plain ones as a nil salt; a second
// decision for the same event is a conflict that keeps the first.
func testFirstDecisionStays(t *testing.T, s store.Store) {
	put := func(ls store.LogSeal) error {
		return s.Update(t.Context(), func(tx store.Tx) error { return tx.PutLogSeal(ls) })
	}
	salt := bytes.Repeat([]byte{7}, 32)
	for _, ls := range []store.LogSeal{{Seq: 3, Salt: salt}, {Seq: 1}, {Seq: 5, Salt: bytes.Repeat([]byte{9}, 32)}} {
		if err := put(ls); err != nil {
			t.Fatalf("PutLogSeal(%d): %v", ls.Seq, err)
		}
	}
	suite.WantErr(t, put(store.LogSeal{Seq: 3}), core.ErrConflict, "deciding event 3 again")
	got := suite.Read(t, s, func(tx store.Tx) ([]store.LogSeal, error) { return tx.LogSeals(1, 4) })
	if len(got) != 2 || got[0].Seq != 1 || got[0].Salt != nil || got[1].Seq != 3 || !bytes.Equal(got[1].Salt, salt) {
		t.Fatalf("LogSeals(1, 4) = %+v, want 1 plain and 3 sealed with its first salt", got)
	}
	if none := suite.Read(t, s, func(tx store.Tx) ([]store.LogSeal, error) { return tx.LogSeals(6, 100) }); len(none) != 0 {
		t.Fatalf("LogSeals(6, 100) = %+v, want none", none)
	}
}

// LatestLogSeal finds the newest decided event of one package before a
// number, skipping events without a decision and other packages'.
func testLatestOfPackage(t *testing.T, s store.Store) {
	salt := bytes.Repeat([]byte{3}, 32)
	err := s.Update(t.Context(), func(tx store.Tx) error {
		// Events 1..5: secret, other, secret, secret, other.
		for i, pkg := range []string{"secret", "other", "secret", "secret", "other"} {
			if err := tx.AppendEvent(event.AccessChange{Access: "restricted"}.At(suite.At(time.Duration(i)*time.Minute), "bob", pkg, "")); err != nil {
				return err
			}
		}
		for _, ls := range []store.LogSeal{{Seq: 1, Salt: salt}, {Seq: 2}, {Seq: 5}} {
			if err := tx.PutLogSeal(ls); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	type latest struct {
		s  store.LogSeal
		ok bool
	}
	get := func(name string, before int64) latest {
		return suite.Read(t, s, func(tx store.Tx) (latest, error) {
			ls, ok, err := tx.LatestLogSeal(name, before)
			return latest{ls, ok}, err
		})
	}
	// Event 4 and 3 have no decision: event 1's is the latest.
	if got := get("secret", 5); !got.ok || got.s.Seq != 1 || !bytes.Equal(got.s.Salt, salt) {
		t.Errorf("LatestLogSeal(secret, 5) = %+v, want event 1 sealed", got)
	}
	if got := get("secret", 1); got.ok {
		t.Errorf("LatestLogSeal(secret, 1) = %+v, want none", got)
	}
	if got := get("other", 6); !got.ok || got.s.Seq != 5 || got.s.Salt != nil {
		t.Errorf("LatestLogSeal(other, 6) = %+v, want event 5 plain", got)
	}
	if got := get("nothing", 100); got.ok {
		t.Errorf("LatestLogSeal(nothing) = %+v, want none", got)
	}
}
