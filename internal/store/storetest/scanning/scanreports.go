// Package scanning holds the conformance cases of the store's secret-
// scanning role: store.ScanReports, the replay memory of signed reports.
package scanning

import (
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/storetest/suite"
)

// RunScanReports runs the cases of store.ScanReports.
func RunScanReports(t *testing.T, open func(t *testing.T) store.Store) {
	suite.Cases(t, open, []suite.Test{
		{Name: "ReplayWithinWindow", F: testReplayWithinWindow},
		{Name: "RolledBackIsForgotten", F: testRolledBackIsForgotten},
	})
}

func remember(s store.Store, t *testing.T, digest string, at, expires time.Time) error {
	return s.Update(t.Context(), func(tx store.Tx) error { return tx.RememberScanReport(digest, at, expires) })
}

// A digest is refused again until it expires, then accepted once more;
// another digest is unaffected.
func testReplayWithinWindow(t *testing.T, s store.Store) {
	const a, b = "aa11", "bb22"
	if err := remember(s, t, a, suite.At(0), suite.At(time.Hour)); err != nil {
		t.Fatalf("first RememberScanReport: %v", err)
	}
	suite.WantErr(t, remember(s, t, a, suite.At(time.Minute), suite.At(time.Hour+time.Minute)), core.ErrConflict, "the same digest within its window")
	if err := remember(s, t, b, suite.At(time.Minute), suite.At(time.Hour)); err != nil {
		t.Fatalf("another digest: %v", err)
	}
	suite.WantErr(t, remember(s, t, a, suite.At(time.Hour-time.Millisecond), suite.At(2*time.Hour)), core.ErrConflict, "the same digest a millisecond before it expires")
	if err := remember(s, t, a, suite.At(time.Hour), suite.At(2*time.Hour)); err != nil {
		t.Fatalf("the digest once expired: %v", err)
	}
	suite.WantErr(t, remember(s, t, a, suite.At(time.Hour+time.Second), suite.At(3*time.Hour)), core.ErrConflict, "the digest remembered again")
}

// A report whose transaction rolls back was not acted on: its digest is
// not remembered.
func testRolledBackIsForgotten(t *testing.T, s store.Store) {
	const a = "cc33"
	err := s.Update(t.Context(), func(tx store.Tx) error {
		if err := tx.RememberScanReport(a, suite.At(0), suite.At(time.Hour)); err != nil {
			return err
		}
		return core.ErrNotFound // any failure after it
	})
	suite.WantErr(t, err, core.ErrNotFound, "the failing transaction")
	if err := remember(s, t, a, suite.At(time.Second), suite.At(time.Hour)); err != nil {
		t.Fatalf("RememberScanReport after a rollback: %v", err)
	}
}
