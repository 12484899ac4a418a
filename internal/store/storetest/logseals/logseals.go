// Package logseals holds the conformance cases of the store's
// transparency-log role: store.LogSeals.
package logseals

import (
	"bytes"
	"testing"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/storetest/suite"
)

// RunLogSeals runs the cases of store.LogSeals.
func RunLogSeals(t *testing.T, open func(t *testing.T) store.Store) {
	suite.Cases(t, open, []suite.Test{
		{Name: "FirstDecisionStays", F: testFirstDecisionStays},
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
